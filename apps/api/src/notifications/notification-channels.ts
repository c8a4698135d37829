import { type MailFolderName } from '@rox365/contracts';

import { isCalendarTarget } from '../calendar/calendar-scope.service';
import { type Mailbox } from '../mailboxes/entities/mailbox.entity';
import {
  normalizeMailAddress,
  type ParticipantRestrictions,
} from '../mailboxes/participant-restrictions';
import { type SubscriptionKind } from './entities/graph-subscription.entity';

/** One channel that should have a subscription: what to watch, and where. */
export interface ChannelTarget {
  readonly roxUserId: string;
  readonly kind: SubscriptionKind;
  /** The mail folder's well-known name; '' for the calendar. */
  readonly folder: string;
  readonly directoryUserId: string;
  readonly resource: string;
}

/** The key of a channel within an org. */
export function channelKey(c: { roxUserId: string; kind: string; folder: string }): string {
  return `${c.roxUserId}|${c.kind}|${c.folder}`;
}

/**
 * The channels of one mailbox that get change notifications: only mailboxes the org-wide app
 * reads (delegated ones stay on polling), only what calendar and mail actually sync, never a
 * restricted user's mailbox (decision 4.6.1: not one request to it).
 */
export function notificationTargets(
  mailbox: Mailbox,
  rules: ParticipantRestrictions,
  folders: readonly MailFolderName[],
): ChannelTarget[] {
  const userId = mailbox.directoryUserId;
  if (mailbox.route !== 'orgwide' || !userId) return [];
  const user = `users/${userId}`;
  const targets: ChannelTarget[] = [];
  if (isCalendarTarget(mailbox, rules.addresses)) {
    targets.push({
      roxUserId: mailbox.roxUserId,
      kind: 'calendar',
      folder: '',
      directoryUserId: userId,
      resource: `${user}/events`,
    });
  }
  const isRestricted = [mailbox.email, mailbox.directoryUpn].some((a) => {
    const address = normalizeMailAddress(a);
    return address !== null && rules.addresses.has(address);
  });
  if (mailbox.mailInScope && mailbox.mailEffective !== 'off' && !isRestricted) {
    for (const folder of folders) {
      targets.push({
        roxUserId: mailbox.roxUserId,
        kind: 'mail',
        folder,
        directoryUserId: userId,
        resource: `${user}/mailFolders('${folder}')/messages`,
      });
    }
  }
  return targets;
}
