import { Migration } from '@mikro-orm/migrations';

export class Migration20261122032119 extends Migration {
  override async up(): Promise<void> {
    this.addSql(
      `create table "audit_entry" ("id" bigserial primary key, "org_id" varchar(128) not null, "actor_id" varchar(128) not null, "actor_role" varchar(16) not null, "action" varchar(100) not null, "target_type" varchar(64) not null, "target_id" varchar(256) null, "details" jsonb not null, "request_id" varchar(128) null, "created_at" timestamptz not null);`,
    );
    this.addSql(
      `create index "audit_entry_org_id_actor_id_id_index" on "audit_entry" ("org_id", "actor_id", "id");`,
    );
    this.addSql(
      `create index "audit_entry_org_id_action_id_index" on "audit_entry" ("org_id", "action", "id");`,
    );
    this.addSql(`create index "audit_entry_org_id_id_index" on "audit_entry" ("org_id", "id");`);

    this.addSql(
      `create table "member" ("org_id" varchar(128) not null, "rox_user_id" varchar(128) not null, "email" varchar(320) not null, "email_normalized" varchar(320) not null, "display_name" varchar(200) not null, "role" varchar(16) not null, "created_at" timestamptz not null, "updated_at" timestamptz not null, constraint "member_pkey" primary key ("org_id", "rox_user_id"));`,
    );
    this.addSql(
      `create index "member_org_id_email_normalized_index" on "member" ("org_id", "email_normalized");`,
    );

    // The audit log is append-only at the database too: no code path may rewrite history.
    this.addSql(
      `create function "audit_entry_refuse_update"() returns trigger language plpgsql as $$ begin raise exception 'audit_entry is append-only'; end $$;`,
    );
    this.addSql(
      `create trigger "audit_entry_no_update" before update on "audit_entry" for each row execute function "audit_entry_refuse_update"();`,
    );
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "member";`);
    this.addSql(`drop table if exists "audit_entry";`);
    this.addSql(`drop function if exists "audit_entry_refuse_update"();`);
  }
}
