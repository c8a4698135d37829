import { Migration } from '@mikro-orm/migrations';

export class Migration20261128120500_mail_cursor_reset extends Migration {
  override async up(): Promise<void> {
    this.addSql(`alter table "mail_change" alter column "message_id" drop not null;`);
    this.addSql(
      `alter table "mail_change" add column "rox_user_id" varchar(128) null, add column "folder" varchar(16) null, add column "reason" varchar(32) null;`,
    );
  }

  override async down(): Promise<void> {
    this.addSql(`delete from "mail_change" where "message_id" is null;`);
    this.addSql(
      `alter table "mail_change" drop column "rox_user_id", drop column "folder", drop column "reason";`,
    );
    this.addSql(`alter table "mail_change" alter column "message_id" set not null;`);
  }
}
