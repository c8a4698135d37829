import { Migration } from '@mikro-orm/migrations';

/**
 * The org's stored messages as a maintained counter: the console's status read it on every poll,
 * and counting an org's messages costs as many rows as it holds. Statement-level triggers keep
 * it exact whatever path inserts or deletes messages (a page's upsert counts only the rows it
 * inserted); mail's writers hold the org's feed lock, so the row is not a new point of contention.
 */
export class Migration20261129010000_mail_org_count extends Migration {
  override async up(): Promise<void> {
    this.addSql(
      `create table "mail_org_count" ("org_id" varchar(128) not null, "messages" bigint not null default 0, constraint "mail_org_count_pkey" primary key ("org_id"));`,
    );
    this.addSql(
      `create function "mail_message_counted_in"() returns trigger language plpgsql as $$
       begin
         insert into "mail_org_count" ("org_id", "messages")
           select "org_id", count(*) from new_rows group by "org_id"
         on conflict ("org_id") do update set "messages" = "mail_org_count"."messages" + excluded."messages";
         return null;
       end $$;`,
    );
    this.addSql(
      `create function "mail_message_counted_out"() returns trigger language plpgsql as $$
       begin
         update "mail_org_count" c set "messages" = c."messages" - d.n
           from (select "org_id", count(*) as n from old_rows group by "org_id") d
          where c."org_id" = d."org_id";
         return null;
       end $$;`,
    );
    this.addSql(
      `create trigger "mail_message_count_insert" after insert on "mail_message" referencing new table as new_rows for each statement execute function "mail_message_counted_in"();`,
    );
    this.addSql(
      `create trigger "mail_message_count_delete" after delete on "mail_message" referencing old table as old_rows for each statement execute function "mail_message_counted_out"();`,
    );
    this.addSql(
      `insert into "mail_org_count" ("org_id", "messages") select "org_id", count(*) from "mail_message" group by "org_id";`,
    );
  }

  override async down(): Promise<void> {
    this.addSql(`drop trigger if exists "mail_message_count_delete" on "mail_message";`);
    this.addSql(`drop trigger if exists "mail_message_count_insert" on "mail_message";`);
    this.addSql(`drop function if exists "mail_message_counted_out"();`);
    this.addSql(`drop function if exists "mail_message_counted_in"();`);
    this.addSql(`drop table if exists "mail_org_count";`);
  }
}
