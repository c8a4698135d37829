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
