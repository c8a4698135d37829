import { type EntityManager } from '@mikro-orm/postgresql';

import { Mailbox } from '../../src/mailboxes/entities/mailbox.entity';

/** A mailbox row with both kinds in scope; override what a test is about. */
export function buildMailbox(
  orgId: string,
  roxUserId: string,
  overrides: Partial<ConstructorParameters<typeof Mailbox>[0]> = {},
): Mailbox {
  return new Mailbox({
    orgId,
    roxUserId,
    email: `${roxUserId}@contoso.com`,
    displayName: roxUserId,
    role: 'member',
    route: 'orgwide',
    directoryUserId: `dir-${roxUserId}`,
    directoryUpn: `${roxUserId}@contoso.com`,
    overrideCalendar: null,
    overrideEmail: null,
    calendarConfigured: 'read',
    calendarEffective: 'read',
    calendarInScope: true,
    calendarReason: null,
    calendarNextAction: null,
    mailConfigured: 'metadata',
    mailEffective: 'metadata',
    mailInScope: true,
    mailReason: null,
    mailNextAction: null,
    isProbeTarget: true,
    probe: null,
    refreshedAt: new Date('2026-11-28T09:00:00Z'),
    ...overrides,
  });
}

/** The member's mailbox row, made in scope unless it exists: sync pages write only for one. */
export async function ensureMailbox(
  em: EntityManager,
  orgId: string,
  roxUserId: string,
): Promise<void> {
  const fork = em.fork();
  if (await fork.findOne(Mailbox, { orgId, roxUserId })) return;
  await fork.persistAndFlush(buildMailbox(orgId, roxUserId));
}
