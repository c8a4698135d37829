import { Migration } from '@mikro-orm/migrations';

// Sign-in states serve the org-wide connect and members' own connections: the table becomes
// auth_state, with the flow it belongs to and the member connection it completes. Used states
// are kept as history; unused ones are dropped (their sealed verifiers name the old table in
// their AAD, and they expire within minutes anyway).
export class Migration20261128093341_auth_state extends Migration {
  override async up(): Promise<void> {
    this.addSql(`delete from "orgwide_consent_state" where "used_at" is null;`);
    this.addSql(`alter table "orgwide_consent_state" rename to "auth_state";`);
    this.addSql(
      `alter table "auth_state" rename constraint "orgwide_consent_state_pkey" to "auth_state_pkey";`,
    );
    this.addSql(
      `alter table "auth_state" rename constraint "orgwide_consent_state_state_hash_unique" to "auth_state_state_hash_unique";`,
    );
    this.addSql(
      `alter index "orgwide_consent_state_org_id_created_at_index" rename to "auth_state_org_id_created_at_index";`,
    );
    this.addSql(`alter table "auth_state" rename column "admin_rox_user_id" to "rox_user_id";`);
    this.addSql(`alter table "auth_state" rename column "sign_in_id" to "previous_id";`);
    this.addSql(`alter table "auth_state" rename column "admin_object_id" to "microsoft_user_id";`);
    this.addSql(`alter table "auth_state" rename column "admin_username" to "microsoft_username";`);
    this.addSql(`alter table "auth_state" alter column "tenant_id" drop not null;`);
    this.addSql(
      `alter table "auth_state" add column "flow" varchar(16) not null default 'orgwide', add column "connection_id" uuid null;`,
    );
    this.addSql(`alter table "auth_state" alter column "flow" drop default;`);
  }

  override async down(): Promise<void> {
    this.addSql(`delete from "auth_state" where "flow" <> 'orgwide' or "tenant_id" is null;`);
    this.addSql(`alter table "auth_state" drop column "flow", drop column "connection_id";`);
    this.addSql(`alter table "auth_state" alter column "tenant_id" set not null;`);
    this.addSql(`alter table "auth_state" rename column "microsoft_username" to "admin_username";`);
    this.addSql(`alter table "auth_state" rename column "microsoft_user_id" to "admin_object_id";`);
    this.addSql(`alter table "auth_state" rename column "previous_id" to "sign_in_id";`);
    this.addSql(`alter table "auth_state" rename column "rox_user_id" to "admin_rox_user_id";`);
    this.addSql(
      `alter index "auth_state_org_id_created_at_index" rename to "orgwide_consent_state_org_id_created_at_index";`,
    );
    this.addSql(
      `alter table "auth_state" rename constraint "auth_state_state_hash_unique" to "orgwide_consent_state_state_hash_unique";`,
    );
    this.addSql(
      `alter table "auth_state" rename constraint "auth_state_pkey" to "orgwide_consent_state_pkey";`,
    );
    this.addSql(`alter table "auth_state" rename to "orgwide_consent_state";`);
  }
}
