import { type MailFolderName } from '@rox365/contracts';

import { isCalendarTarget } from '../calendar/calendar-scope.service';
import { isWellKnownFolder } from '../mail/mail-folder-path';
import { SYNCED_FOLDERS } from '../mail/mail.constants';
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
  /** The mail folder's well-known name or a user folder's path; '' for the calendar. */
  readonly folder: string;
  /** The user folder's Graph id the resource names; null when watched by name. */
  readonly folderId: string | null;
  /** The Entra user the org-wide app reads; '' for a member's own (delegated) connection. */
  readonly directoryUserId: string;
  readonly resource: string;
  /** How the subscription is made and kept: the org-wide app, or the member's own connection. */
  readonly route: 'orgwide' | 'individual';
}

/** The key of a channel within an org. */
export function channelKey(c: { roxUserId: string; kind: string; folder: string }): string {
  return `${c.roxUserId}|${c.kind}|${c.folder}`;
}

/** An extra folder as one mailbox's mail channel found it: its id, for that directory user. */
export interface ResolvedUserFolder {
  readonly folderId: string;
  readonly directoryUserId: string | null;
}

// Graph's folder ids are URL-safe base64: anything else stays out of a resource (and polled).
const FOLDER_ID = /^[A-Za-z0-9=_-]{1,256}$/;

/**
 * The channels of one mailbox that get change notifications: what calendar and mail actually
 * sync, over the org-wide app (`users/{id}/…`) or the member's own connection (`me/…`, made with
 * that connection's token), never a restricted user's mailbox (decision 4.6.1: not one request
 * to it). An extra folder is watched once its channel found it for this mailbox's user (a user
 * folder, a display path, by that id); until mail sync has found it, or while it is missing, it
 * has no subscription (polling looks for it).
 */
export function notificationTargets(
  mailbox: Mailbox,
  rules: ParticipantRestrictions,
  folders: readonly MailFolderName[],
  userFolders: ReadonlyMap<string, ResolvedUserFolder> = new Map(),
): ChannelTarget[] {
  const route = mailbox.route;
  if (route === 'none' || (route === 'orgwide' && !mailbox.directoryUserId)) return [];
  // Delegated: the token's own mailbox, whatever the directory says.
  const userId = route === 'orgwide' ? (mailbox.directoryUserId ?? '') : '';
  const user = route === 'orgwide' ? `users/${userId}` : 'me';
  const targets: ChannelTarget[] = [];
  if (isCalendarTarget(mailbox, rules.addresses)) {
    targets.push({
      roxUserId: mailbox.roxUserId,
      kind: 'calendar',
      folder: '',
      folderId: null,
      directoryUserId: userId,
      resource: `${user}/events`,
      route,
    });
  }
  const isRestricted = [mailbox.email, mailbox.directoryUpn].some((a) => {
    const address = normalizeMailAddress(a);
    return address !== null && rules.addresses.has(address);
  });
  if (mailbox.mailInScope && mailbox.mailEffective !== 'off' && !isRestricted) {
    for (const folder of folders) {
      // Inbox and Sent Items: every mailbox has them. Another folder (Archive too: not every
      // mailbox has one) is watched once mail sync found it in this mailbox, else its
      // subscription would fail on every retry.
      const found = SYNCED_FOLDERS.includes(folder)
        ? null
        : userFolderId(userFolders, folder, mailbox.directoryUserId);
      if (!SYNCED_FOLDERS.includes(folder) && found === null) continue;
      // A well-known folder is watched by name, a user folder by its id.
      const folderId = isWellKnownFolder(folder) ? null : found;
      targets.push({
        roxUserId: mailbox.roxUserId,
        kind: 'mail',
        folder,
        folderId,
        directoryUserId: userId,
        resource: `${user}/mailFolders('${folderId ?? folder}')/messages`,
        route,
      });
    }
  }
  return targets;
}

function userFolderId(
  userFolders: ReadonlyMap<string, ResolvedUserFolder>,
  folder: string,
  directoryUserId: string | null,
): string | null {
  const found = userFolders.get(folder);
  // Resolved for an earlier account behind the member: that id is not this mailbox's folder.
  if (!found || found.directoryUserId !== directoryUserId) return null;
  return FOLDER_ID.test(found.folderId) ? found.folderId : null;
}
