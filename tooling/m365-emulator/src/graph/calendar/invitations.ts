import type { EventRecord } from '../../state/model';
import type { TenantState } from '../../state/tenant';
import { isoSeconds } from '../../util/timezone';
import type { ChangeEmitter } from '../mail/mail-actions';
import { newEventChangeKey } from './event-actions';

/**
 * What Exchange does for an organizer's change: every in-tenant attendee with a mailbox gets (or
 * updates) a copy of the meeting with the same iCalUId; a deleted or cancelled meeting stays on
 * their calendars marked cancelled.
 */
export function propagateToAttendees(
  tenant: TenantState,
  organizerId: string,
  event: EventRecord,
  change: 'created' | 'updated' | 'deleted',
  nowMs: number,
  emit: ChangeEmitter,
): void {
  if (event.isOrganizer === false) return;
  const seen = new Set<string>([organizerId]);
  for (const attendee of event.attendees) {
    const user = tenant.findUser(attendee.emailAddress.address);
    if (!user || seen.has(user.id)) continue;
    seen.add(user.id);
    const mailbox = tenant.mailbox(user);
    if (!mailbox) continue;
    let existing: EventRecord | undefined;
    for (const e of mailbox.events.values()) {
      if (e.iCalUId === event.iCalUId && e.isOrganizer === false) {
        existing = e;
        break;
      }
    }
    if (change === 'deleted' && !existing) continue;
    const id = existing?.id ?? mailbox.newId('event');
    // The attendee's answer survives an update, unless the meeting moved (a new request).
    const moved =
      existing !== undefined &&
      (existing.startUtc !== event.startUtc || existing.endUtc !== event.endUtc);
    // The organiser's answer and extended properties belong to their item, not the invitation.
    const { responseStatus: _answer, extendedProperties: _props, ...shared } = event;
    const base: EventRecord = {
      ...shared,
      id,
      isOrganizer: false,
      transactionId: null,
      changeKey: newEventChangeKey(id),
      lastModifiedDateTime: isoSeconds(nowMs),
      ...(existing?.responseStatus && !moved ? { responseStatus: existing.responseStatus } : {}),
    };
    const copy =
      change === 'deleted'
        ? {
            ...(existing ?? base),
            isCancelled: true,
            subject: base.subject.startsWith('Canceled: ')
              ? base.subject
              : `Canceled: ${base.subject}`,
            changeKey: base.changeKey,
            lastModifiedDateTime: base.lastModifiedDateTime,
          }
        : { ...base, createdDateTime: existing?.createdDateTime ?? base.createdDateTime };
    mailbox.events.put(copy);
    const counts = tenant.invitationCounts.get(user.id) ?? { created: 0, updated: 0, cancelled: 0 };
    if (change === 'deleted') counts.cancelled += 1;
    else if (existing) counts.updated += 1;
    else counts.created += 1;
    tenant.invitationCounts.set(user.id, counts);
    emit(tenant.id, user.id, 'events', existing ? 'updated' : 'created', id);
  }
}
