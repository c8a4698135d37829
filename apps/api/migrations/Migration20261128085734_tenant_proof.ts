import { Migration } from '@mikro-orm/migrations';

// Tenant proof: consent attempts gain a stage (sign-in, then consent), a browser binding, the
// OIDC nonce and a sealed PKCE verifier; a tenant may hold one live org-wide connection.
export class Migration20261128085734_tenant_proof extends Migration {
  override async up(): Promise<void> {
    // Unfinished attempts from before the proof could never complete under the new rules.
    this.addSql(`delete from "orgwide_consent_state" where "used_at" is null;`);
    this.addSql(
      `alter table "orgwide_consent_state" add column "stage" varchar(16) not null default 'consent', add column "purpose" varchar(16) not null default 'connect', add column "browser_binding_hash" varchar(64) not null default '', add column "nonce_hash" varchar(64) null, add column "code_verifier_sealed" text null, add column "sign_in_id" uuid null, add column "admin_object_id" varchar(36) null, add column "admin_username" varchar(320) null;`,
    );
    this.addSql(
      `alter table "orgwide_consent_state" alter column "stage" drop default, alter column "purpose" drop default, alter column "browser_binding_hash" drop default;`,
    );

    // Two orgs holding one tenant is the takeover this migration closes: stop and let an
    // operator decide which org keeps it, rather than guess.
    this.addSql(
      `do $$ begin if exists (select 1 from "orgwide_connection" group by "tenant_id" having count(*) > 1) then raise exception 'Several orgs are connected to one tenant; disconnect all but one (see docs/consent.md) before migrating'; end if; end $$;`,
    );
    this.addSql(`drop index "orgwide_connection_tenant_id_index";`);
    this.addSql(
      `alter table "orgwide_connection" add column "delegated_grants" jsonb null, add column "consented_by_username" varchar(320) null;`,
    );
    this.addSql(
      `alter table "orgwide_connection" add constraint "orgwide_connection_tenant_id_unique" unique ("tenant_id");`,
    );
  }

  override async down(): Promise<void> {
    this.addSql(
      `alter table "orgwide_connection" drop constraint "orgwide_connection_tenant_id_unique";`,
    );
    this.addSql(
      `alter table "orgwide_connection" drop column "delegated_grants", drop column "consented_by_username";`,
    );
    this.addSql(
      `create index "orgwide_connection_tenant_id_index" on "orgwide_connection" ("tenant_id");`,
    );
    this.addSql(
      `alter table "orgwide_consent_state" drop column "stage", drop column "purpose", drop column "browser_binding_hash", drop column "nonce_hash", drop column "code_verifier_sealed", drop column "sign_in_id", drop column "admin_object_id", drop column "admin_username";`,
    );
  }
}
