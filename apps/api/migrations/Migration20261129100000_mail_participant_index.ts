import { Migration } from '@mikro-orm/migrations';

/**
 * A contact's messages newest first, without reading all of them. The GIN index on
 * `participants` finds every message with an address but cannot order them, so a page of 50 read
 * and sorted all of a busy contact's messages (tens of thousands for a customer's main address)
 * and did it again for every next page. This table holds one row per (message, participant),
 * keyed (org, address, receivedAt, message), so a page walks that key backwards and stops after
 * 50, as a mailbox's page walks its links.
 *
 * Triggers keep it exact whatever path writes messages: statement-level ones with transition
 * tables for inserts and deletes (a page upsert, a purge of thousands), and a row-level one for
 * an update that sets `participants` or `received_at` — the upsert sets neither, so it never
 * fires today, but a writer that does cannot leave the table stale. Addresses longer than a
 * lookup may ask for (320) are not indexed: no lookup can name them. The GIN index on
 * `participants` served only contact lookups and goes, with its cost on every message insert.
 */
export class Migration20261129100000_mail_participant_index extends Migration {
  override async up(): Promise<void> {
    this.addSql(
      `create table "mail_message_participant" ("org_id" varchar(128) not null, "address" text not null, "received_at" timestamptz not null, "message_id" uuid not null, constraint "mail_message_participant_pkey" primary key ("org_id", "address", "received_at", "message_id"));`,
    );
    this.addSql(
      `create function "mail_participants_of"("org" varchar, "id" uuid, "received" timestamptz, "addresses" text[])
       returns table ("org_id" varchar, "address" text, "received_at" timestamptz, "message_id" uuid)
       language sql immutable as $$
         select distinct "org", a, coalesce("received", 'epoch'), "id"
           from unnest("addresses") a where length(a) <= 320
       $$;`,
    );
    this.addSql(
      `create function "mail_message_participants_in"() returns trigger language plpgsql as $$
       begin
         insert into "mail_message_participant" ("org_id", "address", "received_at", "message_id")
           select p.* from new_rows n,
             lateral "mail_participants_of"(n."org_id", n."id", n."received_at", n."participants") p
         on conflict do nothing;
         return null;
       end $$;`,
    );
    this.addSql(
      `create function "mail_message_participants_out"() returns trigger language plpgsql as $$
       begin
         delete from "mail_message_participant" x
           using old_rows o,
             lateral "mail_participants_of"(o."org_id", o."id", o."received_at", o."participants") p
          where x."org_id" = p."org_id" and x."address" = p."address"
            and x."received_at" = p."received_at" and x."message_id" = p."message_id";
         return null;
       end $$;`,
    );
    this.addSql(
      `create function "mail_message_participants_changed"() returns trigger language plpgsql as $$
       begin
         delete from "mail_message_participant" x
           using "mail_participants_of"(old."org_id", old."id", old."received_at", old."participants") p
          where x."org_id" = p."org_id" and x."address" = p."address"
            and x."received_at" = p."received_at" and x."message_id" = p."message_id";
         insert into "mail_message_participant" ("org_id", "address", "received_at", "message_id")
           select * from "mail_participants_of"(new."org_id", new."id", new."received_at", new."participants")
         on conflict do nothing;
         return null;
       end $$;`,
    );
    this.addSql(
      `create trigger "mail_message_participants_insert" after insert on "mail_message" referencing new table as new_rows for each statement execute function "mail_message_participants_in"();`,
    );
    this.addSql(
      `create trigger "mail_message_participants_delete" after delete on "mail_message" referencing old table as old_rows for each statement execute function "mail_message_participants_out"();`,
    );
    this.addSql(
      `create trigger "mail_message_participants_update" after update of "participants", "received_at" on "mail_message" for each row execute function "mail_message_participants_changed"();`,
    );
    this.addSql(
      `insert into "mail_message_participant" ("org_id", "address", "received_at", "message_id")
       select p.* from "mail_message" m,
         lateral "mail_participants_of"(m."org_id", m."id", m."received_at", m."participants") p;`,
    );
    this.addSql(`drop index if exists "mail_message_participants_index";`);
    // Without statistics the planner takes a contact for a few rows, reads all of them and sorts
    // (84 ms for 15,000 in the benchmark) instead of walking the key (0.4 ms).
    this.addSql(`analyze "mail_message_participant";`);
  }

  override async down(): Promise<void> {
    this.addSql(
      `create index "mail_message_participants_index" on "mail_message" using gin ("participants");`,
    );
    this.addSql(`drop trigger if exists "mail_message_participants_update" on "mail_message";`);
    this.addSql(`drop trigger if exists "mail_message_participants_delete" on "mail_message";`);
    this.addSql(`drop trigger if exists "mail_message_participants_insert" on "mail_message";`);
    this.addSql(`drop function if exists "mail_message_participants_changed"();`);
    this.addSql(`drop function if exists "mail_message_participants_out"();`);
    this.addSql(`drop function if exists "mail_message_participants_in"();`);
    this.addSql(
      `drop function if exists "mail_participants_of"(varchar, uuid, timestamptz, text[]);`,
    );
    this.addSql(`drop table if exists "mail_message_participant";`);
  }
}
