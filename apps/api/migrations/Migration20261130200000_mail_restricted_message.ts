import { Migration } from '@mikro-orm/migrations';

// Messages a member's Sent Items copy showed with a restricted participant (a Bcc only that copy
// carries): no other copy of them from that sender is stored either. Each names the restricted
// address or domain it met, so a list that no longer holds it lets the message back in.
export class Migration20261130200000_mail_restricted_message extends Migration {
  override async up(): Promise<void> {
    this.addSql(
      `create table "mail_restricted_message" ("org_id" varchar(128) not null, "internet_message_id" text not null, "sender" text not null, "reason" text not null, "created_at" timestamptz not null, constraint "mail_restricted_message_pkey" primary key ("org_id", "internet_message_id", "sender"));`,
    );
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "mail_restricted_message";`);
  }
}
