import { Migration } from '@mikro-orm/migrations';

export class Migration20261128100253_mail extends Migration {
  override async up(): Promise<void> {
    this.addSql(
      `create table "mail_change" ("sequence" bigserial primary key, "org_id" varchar(128) not null, "message_id" uuid not null, "change" varchar(16) not null, "at" timestamptz not null);`,
    );
    this.addSql(
      `create index "mail_change_org_id_sequence_index" on "mail_change" ("org_id", "sequence");`,
    );

    this.addSql(
      `create table "mail_channel" ("org_id" varchar(128) not null, "rox_user_id" varchar(128) not null, "folder" varchar(16) not null, "directory_user_id" varchar(64) null, "folder_id" varchar(256) null, "stage" varchar(16) not null default 'never', "delta_link" text null, "delta_link_at" timestamptz null, "full_round" int not null default 0, "queued_at" timestamptz null, "started_at" timestamptz null, "last_sync_at" timestamptz null, "last_full_sync_at" timestamptz null, "last_error_code" varchar(64) null, "last_error_at" timestamptz null, "last_counts" jsonb not null, constraint "mail_channel_pkey" primary key ("org_id", "rox_user_id", "folder"));`,
    );
    this.addSql(
      `create index "mail_channel_stage_started_at_index" on "mail_channel" ("stage", "started_at");`,
    );

    this.addSql(
      `create table "mail_message" ("id" uuid not null, "org_id" varchar(128) not null, "internet_message_id" text not null, "conversation_id" text null, "subject" text null, "from_address" jsonb null, "sender_address" jsonb null, "reply_to" jsonb not null, "to_recipients" jsonb not null, "cc_recipients" jsonb not null, "bcc_recipients" jsonb not null, "participants" text[] not null, "sent_at" timestamptz null, "received_at" timestamptz null, "has_attachments" boolean not null, "importance" varchar(16) null, "body_available" boolean not null, "body_sealed" text null, "body_content_type" varchar(8) null, "created_at" timestamptz not null, "updated_at" timestamptz not null, constraint "mail_message_pkey" primary key ("id"));`,
    );
    this.addSql(
      `create index "mail_message_org_id_conversation_id_index" on "mail_message" ("org_id", "conversation_id");`,
    );
    this.addSql(
      `alter table "mail_message" add constraint "mail_message_org_id_internet_message_id_unique" unique ("org_id", "internet_message_id");`,
    );

    this.addSql(
      `create table "mail_message_link" ("org_id" varchar(128) not null, "rox_user_id" varchar(128) not null, "graph_id" varchar(256) not null, "message_id" uuid not null, "folder" varchar(16) not null, "is_read" boolean not null, "seen_round" int not null, "updated_at" timestamptz not null, constraint "mail_message_link_pkey" primary key ("org_id", "rox_user_id", "graph_id"));`,
    );
    this.addSql(
      `create index "mail_message_link_org_id_rox_user_id_folder_seen_round_index" on "mail_message_link" ("org_id", "rox_user_id", "folder", "seen_round");`,
    );
    this.addSql(
      `create index "mail_message_link_org_id_message_id_index" on "mail_message_link" ("org_id", "message_id");`,
    );

    this.addSql(
      `create table "mail_org_state" ("org_id" varchar(128) not null, "restricted_domains" jsonb not null, "restricted_users" jsonb not null, "checked_at" timestamptz null, constraint "mail_org_state_pkey" primary key ("org_id"));`,
    );
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "mail_change" cascade;`);

    this.addSql(`drop table if exists "mail_channel" cascade;`);

    this.addSql(`drop table if exists "mail_message" cascade;`);

    this.addSql(`drop table if exists "mail_message_link" cascade;`);

    this.addSql(`drop table if exists "mail_org_state" cascade;`);
  }
}
