import { Migration } from '@mikro-orm/migrations';

// Org-wide connection via admin consent: settings, member overrides, the connection, consent
// attempts (state hashes only) and individual connections.
export class Migration20261122034125_consent extends Migration {
  override async up(): Promise<void> {
    this.addSql(
      `create table "orgwide_settings" ("org_id" varchar(128) not null, "calendar_access" varchar(16) not null, "email_access" varchar(16) not null, "restricted_domains" jsonb not null, "restricted_users" jsonb not null, "tenant" varchar(253) not null, "tenant_id" varchar(36) not null, "last_outcome" varchar(40) null, "last_outcome_at" timestamptz null, "disconnected_at" timestamptz null, "created_at" timestamptz not null, "updated_at" timestamptz not null, constraint "orgwide_settings_pkey" primary key ("org_id"));`,
    );

    this.addSql(
      `create table "orgwide_member_override" ("org_id" varchar(128) not null, "rox_user_id" varchar(128) not null, "calendar_access" varchar(16) null, "email_access" varchar(16) null, "updated_at" timestamptz not null, constraint "orgwide_member_override_pkey" primary key ("org_id", "rox_user_id"));`,
    );

    this.addSql(
      `create table "orgwide_connection" ("org_id" varchar(128) not null, "tenant_id" varchar(36) not null, "granted_permissions" jsonb not null, "connected_at" timestamptz not null, "connected_by" varchar(128) not null, "permissions_checked_at" timestamptz not null, "check_error" varchar(64) null, constraint "orgwide_connection_pkey" primary key ("org_id"));`,
    );
    this.addSql(
      `create index "orgwide_connection_tenant_id_index" on "orgwide_connection" ("tenant_id");`,
    );

    this.addSql(
      `create table "orgwide_consent_state" ("id" uuid not null, "state_hash" varchar(64) not null, "org_id" varchar(128) not null, "admin_rox_user_id" varchar(128) not null, "tenant_id" varchar(36) not null, "created_at" timestamptz not null, "expires_at" timestamptz not null, "used_at" timestamptz null, constraint "orgwide_consent_state_pkey" primary key ("id"));`,
    );
    this.addSql(
      `alter table "orgwide_consent_state" add constraint "orgwide_consent_state_state_hash_unique" unique ("state_hash");`,
    );
    this.addSql(
      `create index "orgwide_consent_state_org_id_created_at_index" on "orgwide_consent_state" ("org_id", "created_at");`,
    );

    this.addSql(
      `create table "individual_connection" ("id" uuid not null, "org_id" varchar(128) not null, "rox_user_id" varchar(128) not null, "provider" varchar(16) not null, "kind" varchar(16) not null, "status" varchar(32) not null, "status_reason" varchar(500) null, "created_at" timestamptz not null, "updated_at" timestamptz not null, constraint "individual_connection_pkey" primary key ("id"));`,
    );
    this.addSql(
      `create index "individual_connection_org_id_rox_user_id_index" on "individual_connection" ("org_id", "rox_user_id");`,
    );
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "individual_connection" cascade;`);
    this.addSql(`drop table if exists "orgwide_consent_state" cascade;`);
    this.addSql(`drop table if exists "orgwide_connection" cascade;`);
    this.addSql(`drop table if exists "orgwide_member_override" cascade;`);
    this.addSql(`drop table if exists "orgwide_settings" cascade;`);
  }
}
