import { Migration } from '@mikro-orm/migrations';

// Messages one copy showed with a restricted participant (a Bcc only the sender's copy carries):
// no other copy of them is stored either. Kept per org under the lists last applied; a lifted
// restriction clears them (the full rounds that follow judge every copy again).
export class Migration20261130200000_mail_restricted_message extends Migration {
  override async up(): Promise<void> {
    this.addSql(
      `create table "mail_restricted_message" ("org_id" varchar(128) not null, "internet_message_id" text not null, "created_at" timestamptz not null, constraint "mail_restricted_message_pkey" primary key ("org_id", "internet_message_id"));`,
    );
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "mail_restricted_message";`);
  }
}
