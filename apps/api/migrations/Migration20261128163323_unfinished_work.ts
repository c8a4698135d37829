import { Migration } from '@mikro-orm/migrations';

export class Migration20261128163323_unfinished_work extends Migration {
  override async up(): Promise<void> {
    this.addSql(
      `create index "calendar_write_unfinished_idx" on "calendar_write" ("created_at") where "status" in ('queued', 'running');`,
    );

    this.addSql(
      `create index "mail_send_unfinished_idx" on "mail_send" ("updated_at") where "status" in ('queued', 'sending');`,
    );
  }

  override async down(): Promise<void> {
    this.addSql(`drop index "calendar_write_unfinished_idx";`);

    this.addSql(`drop index "mail_send_unfinished_idx";`);
  }
}
