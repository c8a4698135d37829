import { Migration } from '@mikro-orm/migrations';

export class Migration20261128102422_calendar_write extends Migration {
  override async up(): Promise<void> {
    this.addSql(
      `create table "calendar_write" ("id" uuid not null, "org_id" varchar(128) not null, "rox_user_id" varchar(128) not null, "idempotency_key" varchar(200) not null, "operation" varchar(16) not null, "event_id" uuid not null, "request" jsonb not null, "body_sealed" text null, "status" varchar(16) not null, "error_code" varchar(64) null, "graph_writes" int not null, "graph_id" varchar(512) null, "result_change_key" varchar(128) null, "conflicts" jsonb not null, "created_at" timestamptz not null, "finished_at" timestamptz null, constraint "calendar_write_pkey" primary key ("id"));`,
    );
    this.addSql(
      `create index "calendar_write_org_id_event_id_index" on "calendar_write" ("org_id", "event_id");`,
    );
    this.addSql(
      `alter table "calendar_write" add constraint "calendar_write_org_id_idempotency_key_unique" unique ("org_id", "idempotency_key");`,
    );
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "calendar_write" cascade;`);
  }
}
