import { Migration } from '@mikro-orm/migrations';

// Large tenants: the member ↔ user mapping is stored (directory_member_map, with the lowest mapped
// member on the user row and a counter on the sync state), the user list pages on (org, upn_key,
// id) and searches through pg_trgm, and full rounds mark users seen in a narrow table instead of
// rewriting every user row. pg_trgm must be creatable by the migrating role (see directory.md).
export class Migration20261128095813_directory_large_tenants extends Migration {
  override async up(): Promise<void> {
    this.addSql(`create extension if not exists pg_trgm;`);
    this.addSql(
      `create table "directory_member_map" ("org_id" varchar(128) not null, "rox_user_id" varchar(128) not null, "directory_user_id" varchar(64) not null, constraint "directory_member_map_pkey" primary key ("org_id", "rox_user_id"));`,
    );
    this.addSql(
      `create index "directory_member_map_org_id_directory_user_id_index" on "directory_member_map" ("org_id", "directory_user_id");`,
    );
    this.addSql(
      `create table "directory_round_seen" ("org_id" varchar(128) not null, "round" int not null, "id" varchar(64) not null, constraint "directory_round_seen_pkey" primary key ("org_id", "round", "id"));`,
    );
    this.addSql(
      `alter table "directory_sync_state" add column "mapped_members" int not null default 0;`,
    );
    this.addSql(`alter table "directory_user" drop column "seen_round";`);
    this.addSql(
      `alter table "directory_user" add column "upn_key" varchar(320) null, add column "mapped_rox_user_id" varchar(128) null;`,
    );
    this.addSql(`update "directory_user" set "upn_key" = lower(btrim("user_principal_name"));`);
    this.addSql(`alter table "directory_user" alter column "upn_key" set not null;`);
    this.addSql(
      `create index "directory_user_display_name_trgm" on "directory_user" using gin ("display_name" gin_trgm_ops);`,
    );
    this.addSql(
      `create index "directory_user_mail_trgm" on "directory_user" using gin ("mail" gin_trgm_ops);`,
    );
    this.addSql(
      `create index "directory_user_upn_trgm" on "directory_user" using gin ("user_principal_name" gin_trgm_ops);`,
    );
    this.addSql(
      `create index "directory_user_addresses_gin" on "directory_user" using gin ("addresses");`,
    );
    this.addSql(
      `create index "directory_user_org_id_upn_key_id_index" on "directory_user" ("org_id", "upn_key", "id");`,
    );
    // Existing orgs: the mapping as the read path computed it until now (pickMatch's order).
    this.addSql(
      `insert into "directory_member_map" ("org_id", "rox_user_id", "directory_user_id")
       select distinct on (m.org_id, m.rox_user_id) m.org_id, m.rox_user_id, u.id
         from "member" m join "directory_user" u
           on u.org_id = m.org_id and u.addresses @> array[m.email_normalized::text]
        order by m.org_id, m.rox_user_id,
          (case when lower(btrim(u.mail)) = m.email_normalized then 0
                when lower(btrim(u.user_principal_name)) = m.email_normalized then 1 else 2 end) * 2
          + (case when u.account_enabled = false then 1 else 0 end), u.id;`,
    );
    this.addSql(
      `update "directory_user" u set "mapped_rox_user_id" = l.rox_user_id
         from (select org_id, directory_user_id, min(rox_user_id) as rox_user_id
                 from "directory_member_map" group by org_id, directory_user_id) l
        where u.org_id = l.org_id and u.id = l.directory_user_id;`,
    );
    this.addSql(
      `update "directory_sync_state" s set "mapped_members" =
         (select count(*) from "directory_member_map" l where l.org_id = s.org_id);`,
    );
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "directory_member_map" cascade;`);
    this.addSql(`drop table if exists "directory_round_seen" cascade;`);
    this.addSql(`alter table "directory_sync_state" drop column "mapped_members";`);
    this.addSql(`drop index "directory_user_display_name_trgm";`);
    this.addSql(`drop index "directory_user_mail_trgm";`);
    this.addSql(`drop index "directory_user_upn_trgm";`);
    this.addSql(`drop index "directory_user_addresses_gin";`);
    this.addSql(`drop index "directory_user_org_id_upn_key_id_index";`);
    this.addSql(
      `alter table "directory_user" drop column "upn_key", drop column "mapped_rox_user_id";`,
    );
    // Every user counts as seen by the latest full round; the next one reconciles as before.
    this.addSql(`alter table "directory_user" add column "seen_round" int not null default 0;`);
    this.addSql(
      `update "directory_user" u set "seen_round" = coalesce((select s.full_round from "directory_sync_state" s where s.org_id = u.org_id), 0);`,
    );
  }
}
