import { Migration } from '@mikro-orm/migrations';

// One link table's kept counts, by the link columns `keys`.
function countedLinks(link: string, counts: string, keys: string[]): string[] {
  const cols = keys.map((k) => `"${k}"`).join(', ');
  const match = keys.map((k) => `c."${k}" = d."${k}"`).join(' and ');
  const add = (source: string) =>
    `insert into "${counts}" (${cols}, "links")
       select ${cols}, sum(n) from (${source}) x group by ${cols} having sum(n) <> 0
     on conflict (${cols}) do update set "links" = "${counts}"."links" + excluded."links";`;
  // Rows at zero go, so a purged mailbox leaves none behind.
  const dropZeros = `delete from "${counts}" c using (select distinct ${cols} from old_rows) d
     where ${match} and c."links" <= 0;`;
  return [
    `create table "${counts}" (${keys.map((k) => `"${k}" varchar(${k === 'folder' ? 256 : 128}) not null`).join(', ')}, "links" bigint not null, constraint "${counts}_pkey" primary key (${cols}));`,
    `create function "${counts}_in"() returns trigger language plpgsql as $$
       begin
         ${add(`select ${cols}, 1::bigint as n from new_rows`)}
         return null;
       end $$;`,
    `create function "${counts}_out"() returns trigger language plpgsql as $$
       begin
         update "${counts}" c set "links" = c."links" - d.n
           from (select ${cols}, count(*) as n from old_rows group by ${cols}) d where ${match};
         ${dropZeros}
         return null;
       end $$;`,
    `create function "${counts}_moved"() returns trigger language plpgsql as $$
       begin
         ${add(`select ${cols}, 1::bigint as n from new_rows union all select ${cols}, -1::bigint from old_rows`)}
         ${dropZeros}
         return null;
       end $$;`,
    `create trigger "${counts}_insert" after insert on "${link}" referencing new table as new_rows for each statement execute function "${counts}_in"();`,
    `create trigger "${counts}_delete" after delete on "${link}" referencing old table as old_rows for each statement execute function "${counts}_out"();`,
    `create trigger "${counts}_update" after update on "${link}" referencing old table as old_rows new table as new_rows for each statement execute function "${counts}_moved"();`,
    `insert into "${counts}" (${cols}, "links") select ${cols}, count(*) from "${link}" group by ${cols};`,
  ];
}

/**
 * How many copies each mailbox holds (calendar) and each mailbox folder holds (mail), kept by
 * statement-level triggers on the link tables. Status reads, the channel list and every idle
 * round counted the links instead: as many index entries as the mailboxes hold (28 ms for a page
 * of 100 members with 1,000 events each, and growing with every mailbox), and the heap besides
 * wherever VACUUM had not marked the pages since the last full round rewrote them. A counter row
 * is written only by its own mailbox's rounds, which never run twice at once, so it adds no
 * contention. An update that moves a mail copy between folders moves its count; one that leaves
 * the keys alone changes nothing.
 */
export class Migration20261129120000_link_counts extends Migration {
  override async up(): Promise<void> {
    for (const sql of [
      ...countedLinks('calendar_event_link', 'calendar_link_count', ['org_id', 'rox_user_id']),
      ...countedLinks('mail_message_link', 'mail_link_count', ['org_id', 'rox_user_id', 'folder']),
    ]) {
      this.addSql(sql);
    }
  }

  override async down(): Promise<void> {
    for (const [link, counts] of [
      ['calendar_event_link', 'calendar_link_count'],
      ['mail_message_link', 'mail_link_count'],
    ] as const) {
      for (const op of ['insert', 'delete', 'update']) {
        this.addSql(`drop trigger if exists "${counts}_${op}" on "${link}";`);
      }
      for (const fn of ['in', 'out', 'moved']) {
        this.addSql(`drop function if exists "${counts}_${fn}"();`);
      }
      this.addSql(`drop table if exists "${counts}";`);
    }
  }
}
