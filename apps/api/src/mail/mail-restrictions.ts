import { type GraphMessage, type Recipient } from '@rox365/graph-client';

import {
  normalizeMailAddress,
  restrictingEntry,
  type ParticipantRestrictions,
} from '../mailboxes/participant-restrictions';

export { normalizeMailAddress };

/** The org's restricted lists, normalised (the shared rule of mailboxes/participant-restrictions). */
export type MailRestrictions = ParticipantRestrictions;

/** Every participant of a message: from, sender, replyTo, to, cc and bcc. */
export function participantsOf(message: GraphMessage): string[] {
  const one = (r: Recipient | undefined): Recipient[] => (r ? [r] : []);
  const all = [
    ...one(message.from),
    ...one(message.sender),
    ...(message.replyTo ?? []),
    ...(message.toRecipients ?? []),
    ...(message.ccRecipients ?? []),
    ...(message.bccRecipients ?? []),
  ];
  const out = new Set<string>();
  for (const r of all) {
    const address = normalizeMailAddress(r.emailAddress.address);
    if (address) out.add(address);
  }
  return [...out];
}

/** The restricted address or domain that keeps a message out, or null when none does. */
export function restrictionOf(message: GraphMessage, rules: MailRestrictions): string | null {
  return restrictingEntry(participantsOf(message), rules);
}
