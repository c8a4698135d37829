import type { Mailbox } from '../../state/mailbox';
import type { Attendee, EventRecord, UserRecord } from '../../state/model';
import type { TenantState } from '../../state/tenant';
import { isoSeconds } from '../../util/timezone';
import { badRequest } from '../errors';
import type { ChangeEmitter } from '../mail/mail-actions';
import { newEventChangeKey } from './event-actions';

/** The responseStatus values an attendee's answer leaves (Graph's `responseType`). */
export type MeetingResponse = 'accepted' | 'tentativelyAccepted' | 'declined';

/** The response each action of `POST …/events/{id}/{action}` records. */
export const RESPONSE_OF_ACTION: Record<string, MeetingResponse> = {
  accept: 'accepted',
  tentativelyaccept: 'tentativelyAccepted',
  decline: 'declined',
};

/** Every address a user receives mail at, lower-cased. */
function addressesOf(user: UserRecord): Set<string> {
  const out = new Set<string>([user.userPrincipalName.toLowerCase()]);
  if (user.mail) out.add(user.mail.toLowerCase());
  for (const p of user.proxyAddresses) out.add(p.replace(/^smtp:/i, '').toLowerCase());
  return out;
}

function withResponse(
  attendees: Attendee[],
  who: Set<string>,
  status: { response: string; time: string },
): Attendee[] {
  return attendees.map((a) =>
    who.has(a.emailAddress.address.toLowerCase()) ? { ...a, status: { ...status } } : a,
  );
}

/**
 * An attendee answers a meeting in their own calendar, as Exchange does it:
 * - the organiser of the meeting cannot answer it (400);
 * - accept and tentative stay on the attendee's calendar with the new responseStatus;
 * - decline takes the meeting off the attendee's calendar (it goes to Deleted Items);
 * - with sendResponse (the default) the response mail reaches the organiser, whose copy then
 *   tracks the attendee's answer in `attendees[].status`; without it the organiser sees nothing.
 * A response sends nothing to the other attendees.
 */
export function respondToMeeting(
  tenant: TenantState,
  user: UserRecord,
  mailbox: Mailbox,
  event: EventRecord,
  response: MeetingResponse,
  sendResponse: boolean,
  nowMs: number,
  emit: ChangeEmitter,
): void {
  if (event.isOrganizer !== false) {
    throw badRequest(
      "Your request can't be completed. You can't respond to this meeting because you're the meeting organizer.",
      'ErrorInvalidRequest',
    );
  }
  const status = { response, time: isoSeconds(nowMs) };
  const me = addressesOf(user);
  if (response === 'declined') {
    mailbox.events.remove(event.id, 'deleted');
    emit(tenant.id, user.id, 'events', 'deleted', event.id);
  } else {
    mailbox.events.put({
      ...event,
      responseStatus: status,
      attendees: withResponse(event.attendees, me, status),
      changeKey: newEventChangeKey(event.id),
      lastModifiedDateTime: status.time,
    });
    emit(tenant.id, user.id, 'events', 'updated', event.id);
  }
  if (!sendResponse) return;
  const organizer = tenant.findUser(event.organizer.address);
  const organizerMailbox = organizer ? tenant.mailbox(organizer) : undefined;
  if (!organizer || !organizerMailbox) return; // an outside organiser gets the mail, not tracked here
  for (const e of organizerMailbox.events.values()) {
    if (e.iCalUId !== event.iCalUId || e.isOrganizer === false) continue;
    organizerMailbox.events.put({
      ...e,
      attendees: withResponse(e.attendees, me, status),
      changeKey: newEventChangeKey(e.id),
      lastModifiedDateTime: status.time,
    });
    emit(tenant.id, organizer.id, 'events', 'updated', e.id);
    return;
  }
}
