import { Migration } from '@mikro-orm/migrations';

export class Migration20261128145929_notifications extends Migration {
  override async up(): Promise<void> {
    this.addSql(
      `create table "graph_subscription" ("org_id" varchar(128) not null, "rox_user_id" varchar(128) not null, "kind" varchar(16) not null, "folder" varchar(16) not null, "subscription_id" varchar(128) null, "tenant_id" varchar(64) not null, "directory_user_id" varchar(64) not null, "resource" varchar(512) not null, "client_state_hash" varchar(64) null, "expires_at" timestamptz null, "lifetime_minutes" int null, "renew_at" timestamptz null, "state" varchar(16) not null, "last_error_code" varchar(64) null, "retry_at" timestamptz null, "created_at" timestamptz not null, "updated_at" timestamptz not null, constraint "graph_subscription_pkey" primary key ("org_id", "rox_user_id", "kind", "folder"));`,
    );
    this.addSql(
      `alter table "graph_subscription" add constraint "graph_subscription_subscription_id_unique" unique ("subscription_id");`,
    );
    this.addSql(
      `create index "graph_subscription_state_retry_at_index" on "graph_subscription" ("state", "retry_at");`,
    );
    this.addSql(
      `create index "graph_subscription_state_renew_at_index" on "graph_subscription" ("state", "renew_at");`,
    );
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "graph_subscription" cascade;`);
  }
}
