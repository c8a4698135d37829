import { Migration } from '@mikro-orm/migrations';

export class Migration20261128130000_extra_mail_folders extends Migration {
  override async up(): Promise<void> {
    this.addSql(
      `alter table "orgwide_settings" add column "extra_mail_folders" jsonb not null default '[]';`,
    );
  }

  override async down(): Promise<void> {
    this.addSql(`alter table "orgwide_settings" drop column "extra_mail_folders";`);
  }
}
