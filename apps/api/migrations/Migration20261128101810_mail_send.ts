import { Migration } from '@mikro-orm/migrations';

export class Migration20261128101810_mail_send extends Migration {
  override async up(): Promise<void> {
    this.addSql(
      `create table "mail_send" ("id" uuid not null, "org_id" varchar(128) not null, "rox_user_id" varchar(128) not null, "idempotency_key" varchar(128) not null, "mode" varchar(16) not null, "status" varchar(24) not null, "internet_message_id" text not null, "reply_to_graph_id" varchar(256) null, "reply_all" boolean not null, "draft_id" varchar(256) null, "content_sealed" text null, "reason" varchar(64) null, "created_at" timestamptz not null, "updated_at" timestamptz not null, constraint "mail_send_pkey" primary key ("id"));`,
    );
    this.addSql(
      `alter table "mail_send" add constraint "mail_send_org_id_rox_user_id_idempotency_key_unique" unique ("org_id", "rox_user_id", "idempotency_key");`,
    );
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "mail_send" cascade;`);
  }
}
