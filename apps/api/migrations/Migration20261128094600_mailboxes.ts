import { Migration } from '@mikro-orm/migrations';

// One materialised row per member mailbox (route, levels, scope with reason and next action),
// refreshed by keyed jobs. Existing orgs get their rows from the worker's first refresh.
export class Migration20261128094600_mailboxes extends Migration {
  override async up(): Promise<void> {
    this.addSql(
      `create table "mailbox" ("org_id" varchar(128) not null, "rox_user_id" varchar(128) not null, "email" varchar(320) not null, "display_name" varchar(256) not null, "role" varchar(16) not null, "route" varchar(16) not null, "directory_user_id" varchar(64) null, "directory_upn" varchar(320) null, "override_calendar" varchar(16) null, "override_email" varchar(16) null, "calendar_configured" varchar(16) not null, "calendar_effective" varchar(16) not null, "calendar_in_scope" boolean not null, "calendar_reason" varchar(500) null, "calendar_next_action" varchar(500) null, "mail_configured" varchar(16) not null, "mail_effective" varchar(16) not null, "mail_in_scope" boolean not null, "mail_reason" varchar(500) null, "mail_next_action" varchar(500) null, "is_probe_target" boolean not null, "probe" jsonb null, "refreshed_at" timestamptz not null, constraint "mailbox_pkey" primary key ("org_id", "rox_user_id"));`,
    );
    this.addSql(
      `create index "mailbox_org_id_refreshed_at_index" on "mailbox" ("org_id", "refreshed_at");`,
    );
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "mailbox" cascade;`);
  }
}
