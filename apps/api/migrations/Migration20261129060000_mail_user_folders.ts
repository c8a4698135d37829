import { Migration } from '@mikro-orm/migrations';

/**
 * MAIL-1 user folders: a synced folder is a well-known name or a user folder's display path
 * (up to 240 characters), so the folder keys of channels, links and reset entries widen.
 */
export class Migration20261129060000_mail_user_folders extends Migration {
  override async up(): Promise<void> {
    this.addSql(`alter table "mail_channel" alter column "folder" type varchar(256);`);
    this.addSql(`alter table "mail_message_link" alter column "folder" type varchar(256);`);
    this.addSql(`alter table "mail_change" alter column "folder" type varchar(256);`);
  }

  override async down(): Promise<void> {
    // Only well-known names fit back: user folders' rows go first.
    this.addSql(`delete from "mail_message_link" where length("folder") > 16;`);
    this.addSql(`delete from "mail_channel" where length("folder") > 16;`);
    this.addSql(`update "mail_change" set "folder" = null where length("folder") > 16;`);
    this.addSql(`alter table "mail_channel" alter column "folder" type varchar(16);`);
    this.addSql(`alter table "mail_message_link" alter column "folder" type varchar(16);`);
    this.addSql(`alter table "mail_change" alter column "folder" type varchar(16);`);
  }
}
