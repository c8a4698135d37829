import { Migration } from '@mikro-orm/migrations';

export class Migration20261128121000_mail_participants_gin extends Migration {
  override async up(): Promise<void> {
    this.addSql(
      `create index "mail_message_participants_index" on "mail_message" using gin ("participants");`,
    );
  }

  override async down(): Promise<void> {
    this.addSql(`drop index if exists "mail_message_participants_index";`);
  }
}
