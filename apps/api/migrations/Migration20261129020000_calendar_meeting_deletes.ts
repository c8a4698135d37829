import { Migration } from '@mikro-orm/migrations';

/** CAL-W7: the org decides whether Rox may delete (cancel) meetings with attendees in Outlook. */
export class Migration20261129020000_calendar_meeting_deletes extends Migration {
  override async up(): Promise<void> {
    this.addSql(
      `alter table "orgwide_settings" add column "calendar_meeting_deletes" varchar(16) not null default 'confirm';`,
    );
  }

  override async down(): Promise<void> {
    this.addSql(`alter table "orgwide_settings" drop column "calendar_meeting_deletes";`);
  }
}
