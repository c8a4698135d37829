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
    // Only well-known names existed before: every user folder's rows go first, whatever the
    // length of its path ('Inbox/Customers' fits in 16 characters too), and its setting entry,
    // which the old code would take for a well-known name.
    const known = `('inbox', 'sentitems', 'archive', 'deleteditems', 'junkemail')`;
    this.addSql(`delete from "mail_message_link" where "folder" not in ${known};`);
    this.addSql(`delete from "mail_channel" where "folder" not in ${known};`);
    this.addSql(`update "mail_change" set "folder" = null where "folder" not in ${known};`);
    this.addSql(
      `update "orgwide_settings" set "extra_mail_folders" = coalesce((select jsonb_agg(f) from jsonb_array_elements_text("extra_mail_folders") as f where f in ('archive', 'deleteditems', 'junkemail')), '[]'::jsonb);`,
    );
    this.addSql(`alter table "mail_channel" alter column "folder" type varchar(16);`);
    this.addSql(`alter table "mail_message_link" alter column "folder" type varchar(16);`);
    this.addSql(`alter table "mail_change" alter column "folder" type varchar(16);`);
  }
}
