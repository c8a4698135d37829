import { Migration } from '@mikro-orm/migrations';

export class Migration20261128145719_calendar_write_zone extends Migration {
  override async up(): Promise<void> {
    this.addSql(
      `alter table "calendar_channel" add column "write_zone" varchar(128) null, add column "write_zone_issue" varchar(64) null, add column "write_zone_checked_at" timestamptz null;`,
    );

    this.addSql(
      `alter table "calendar_write" add column "time_zone" varchar(128) null, add column "time_zone_issue" varchar(64) null;`,
    );
  }

  override async down(): Promise<void> {
    this.addSql(
      `alter table "calendar_channel" drop column "write_zone", drop column "write_zone_issue", drop column "write_zone_checked_at";`,
    );

    this.addSql(
      `alter table "calendar_write" drop column "time_zone", drop column "time_zone_issue";`,
    );
  }
}
