import { Migration } from '@mikro-orm/migrations';

export class Migration20261128145954_push extends Migration {
  override async up(): Promise<void> {
    this.addSql(
      `create table "push_attempt" ("id" bigserial primary key, "org_id" varchar(128) not null, "endpoint_id" uuid not null, "delivery_id" uuid not null, "number" int not null, "at" timestamptz not null, "status_code" int null, "error" varchar(32) null, "duration_ms" int not null, "response_snippet" varchar(512) null);`,
    );
    this.addSql(`create index "push_attempt_org_id_index" on "push_attempt" ("org_id");`);
    this.addSql(`create index "push_attempt_endpoint_id_index" on "push_attempt" ("endpoint_id");`);
    this.addSql(
      `create index "push_attempt_delivery_id_number_index" on "push_attempt" ("delivery_id", "number");`,
    );

    this.addSql(
      `create table "push_delivery" ("id" uuid not null, "org_id" varchar(128) not null, "endpoint_id" uuid not null, "event_type" varchar(32) not null, "status" varchar(16) not null, "cursor" varchar(32) null, "occurred_at" timestamptz not null, "attempt_count" int not null, "created_at" timestamptz not null, "updated_at" timestamptz not null, constraint "push_delivery_pkey" primary key ("id"));`,
    );
    this.addSql(`create index "push_delivery_org_id_index" on "push_delivery" ("org_id");`);
    this.addSql(
      `create index "push_delivery_endpoint_id_event_type_status_index" on "push_delivery" ("endpoint_id", "event_type", "status");`,
    );
    this.addSql(
      `create index "push_delivery_endpoint_id_created_at_id_index" on "push_delivery" ("endpoint_id", "created_at", "id");`,
    );

    this.addSql(
      `create table "push_endpoint" ("id" uuid not null, "org_id" varchar(128) not null, "url" varchar(2048) not null, "event_types" jsonb not null, "description" varchar(200) not null, "secret_sealed" text not null, "created_at" timestamptz not null, "secret_rotated_at" timestamptz not null, constraint "push_endpoint_pkey" primary key ("id"));`,
    );
    this.addSql(
      `create index "push_endpoint_org_id_created_at_index" on "push_endpoint" ("org_id", "created_at");`,
    );
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "push_attempt" cascade;`);

    this.addSql(`drop table if exists "push_delivery" cascade;`);

    this.addSql(`drop table if exists "push_endpoint" cascade;`);
  }
}
