import { Migration } from '@mikro-orm/migrations';

/**
 * A mailbox's messages newest first without reading every message it holds: each link carries
 * its message's receivedAt (the epoch when there is none), indexed with the member.
 */
export class Migration20261128160000_mail_link_received_at extends Migration {
  override async up(): Promise<void> {
    this.addSql(`alter table "mail_message_link" add column "received_at" timestamptz null;`);
    this.addSql(
      `update "mail_message_link" l set "received_at" = coalesce(m."received_at", 'epoch')
         from "mail_message" m where m."org_id" = l."org_id" and m."id" = l."message_id";`,
    );
    // A link whose message is gone is deleted with it; none should be left, but none may block.
    this.addSql(
      `update "mail_message_link" set "received_at" = 'epoch' where "received_at" is null;`,
    );
    this.addSql(`alter table "mail_message_link" alter column "received_at" set not null;`);
    this.addSql(
      `create index "mail_message_link_member_received_index" on "mail_message_link" ("org_id", "rox_user_id", "received_at", "message_id");`,
    );
  }

  override async down(): Promise<void> {
    this.addSql(`drop index if exists "mail_message_link_member_received_index";`);
    this.addSql(`alter table "mail_message_link" drop column if exists "received_at";`);
  }
}
