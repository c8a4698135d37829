import { Migration } from '@mikro-orm/migrations';

export class Migration20261122034631_directory extends Migration {
  override async up(): Promise<void> {
    this.addSql(
      `create table "directory_user" ("org_id" varchar(128) not null, "id" varchar(64) not null, "user_principal_name" varchar(320) not null, "mail" varchar(320) null, "proxy_addresses" jsonb not null, "addresses" text[] not null, "display_name" varchar(256) null, "account_enabled" boolean null, "user_type" varchar(32) null, "mailbox_state" varchar(24) not null, "seen_round" int not null, "created_at" timestamptz not null, "updated_at" timestamptz not null, constraint "directory_user_pkey" primary key ("org_id", "id"));`,
    );
    this.addSql(
      `create table "directory_sync_state" ("org_id" varchar(128) not null, "stage" varchar(16) not null default 'never', "delta_link" text null, "delta_link_at" timestamptz null, "full_round" int not null default 0, "queued_at" timestamptz null, "started_at" timestamptz null, "last_sync_at" timestamptz null, "last_full_sync_at" timestamptz null, "last_error_code" varchar(64) null, "last_error_at" timestamptz null, "last_counts" jsonb not null, constraint "directory_sync_state_pkey" primary key ("org_id"));`,
    );
    this.addSql(
      `create table "directory_probe" ("org_id" varchar(128) not null, "rox_user_id" varchar(128) not null, "email" varchar(320) not null, "directory_user_id" varchar(64) null, "mail" varchar(32) not null, "calendar" varchar(32) not null, "mail_error_code" varchar(64) null, "calendar_error_code" varchar(64) null, "checked_at" timestamptz not null, constraint "directory_probe_pkey" primary key ("org_id", "rox_user_id"));`,
    );
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "directory_probe";`);
    this.addSql(`drop table if exists "directory_sync_state";`);
    this.addSql(`drop table if exists "directory_user";`);
  }
}
