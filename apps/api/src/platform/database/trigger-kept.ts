import { type EntityManager } from '@mikro-orm/postgresql';

/**
 * The tables triggers keep from the rows they index or count (see their migrations). No entity
 * maps them: nothing writes them but the triggers, and the purges below.
 */
export type TriggerKeptTable =
  'calendar_link_count' | 'mail_link_count' | 'mail_org_count' | 'mail_message_participant';

/** Deletes an org's rows from a trigger-kept table; how many went (for the purge receipt). */
export async function purgeTriggerKept(
  em: EntityManager,
  table: TriggerKeptTable,
  orgId: string,
): Promise<number> {
  const rows = await em.execute<{ n: number }[]>(
    `with gone as (delete from "${table}" where org_id = ? returning 1)
     select count(*)::int as n from gone`,
    [orgId],
  );
  return rows[0]?.n ?? 0;
}
