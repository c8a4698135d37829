import { Migration } from '@mikro-orm/migrations';

/**
 * A member's events in a range without reading every event the member holds: each link carries
 * its event's start and end, indexed with the member (the sync keeps them equal to the event's).
 */
export class Migration20261128160500_calendar_link_event_times extends Migration {
  override async up(): Promise<void> {
    this.addSql(
      `alter table "calendar_event_link" add column "event_start_at" timestamptz null, add column "event_end_at" timestamptz null;`,
    );
    this.addSql(
      `update "calendar_event_link" l set "event_start_at" = e."start_at", "event_end_at" = e."end_at"
         from "calendar_event" e where e."org_id" = l."org_id" and e."id" = l."event_id";`,
    );
    // A link without its event cannot be listed; its own start keeps the column valid.
    this.addSql(
      `update "calendar_event_link" set "event_start_at" = "start_at", "event_end_at" = "start_at" where "event_start_at" is null;`,
    );
    this.addSql(
      `alter table "calendar_event_link" alter column "event_start_at" set not null, alter column "event_end_at" set not null;`,
    );
    this.addSql(
      `create index "calendar_event_link_member_event_start_index" on "calendar_event_link" ("org_id", "rox_user_id", "event_start_at", "event_id", "event_end_at");`,
    );
  }

  override async down(): Promise<void> {
    this.addSql(`drop index if exists "calendar_event_link_member_event_start_index";`);
    this.addSql(
      `alter table "calendar_event_link" drop column if exists "event_start_at", drop column if exists "event_end_at";`,
    );
  }
}
