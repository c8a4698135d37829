import { Migration } from '@mikro-orm/migrations';

export class Migration20261128120000_calendar_restrictions extends Migration {
  override async up(): Promise<void> {
    this.addSql(
      `create table "calendar_org_state" ("org_id" varchar(128) not null, "restricted_domains" jsonb not null, "restricted_users" jsonb not null, "checked_at" timestamptz null, constraint "calendar_org_state_pkey" primary key ("org_id"));`,
    );
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "calendar_org_state" cascade;`);
  }
}
