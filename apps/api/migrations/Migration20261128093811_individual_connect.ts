import { Migration } from '@mikro-orm/migrations';

// Individual connect: the sealed refresh tokens (individual_token), the verified Microsoft account
// on the connection, and at most one live connection per member, provider and kind. The stub
// stored one pending row per click; only the newest live one of each is kept.
export class Migration20261128093811_individual_connect extends Migration {
  override async up(): Promise<void> {
    this.addSql(
      `create table "individual_token" ("connection_id" uuid not null, "org_id" varchar(128) not null, "rox_user_id" varchar(128) not null, "tenant_id" varchar(36) not null, "refresh_token_sealed" text not null, "version" int not null, "issued_at" timestamptz not null, "rotated_at" timestamptz not null, constraint "individual_token_pkey" primary key ("connection_id"));`,
    );
    this.addSql(
      `create index "individual_token_org_id_rox_user_id_index" on "individual_token" ("org_id", "rox_user_id");`,
    );

    this.addSql(
      `alter table "individual_connection" add column "level" varchar(16) null, add column "expected_email" varchar(320) null, add column "tenant_id" varchar(36) null, add column "microsoft_user_id" varchar(36) null, add column "microsoft_username" varchar(320) null, add column "scopes" jsonb null, add column "connected_at" timestamptz null, add column "account_allowed_by" varchar(128) null;`,
    );
    this.addSql(
      `delete from "individual_connection" c using "individual_connection" newer where c."status" <> 'superseded' and newer."status" <> 'superseded' and c."org_id" = newer."org_id" and c."rox_user_id" = newer."rox_user_id" and c."provider" = newer."provider" and c."kind" = newer."kind" and (c."created_at", c."id") < (newer."created_at", newer."id");`,
    );
    this.addSql(
      `create unique index "individual_connection_live_unique" on "individual_connection" ("org_id", "rox_user_id", "provider", "kind") where "status" <> 'superseded';`,
    );
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "individual_token" cascade;`);

    this.addSql(`drop index "individual_connection_live_unique";`);
    this.addSql(
      `alter table "individual_connection" drop column "level", drop column "expected_email", drop column "tenant_id", drop column "microsoft_user_id", drop column "microsoft_username", drop column "scopes", drop column "connected_at", drop column "account_allowed_by";`,
    );
  }
}
