import { Injectable } from '@nestjs/common';

import { MailFolders } from '../mail/mail-folders.service';
import { SYNCED_FOLDERS } from '../mail/mail.constants';
import { MailRepository } from '../mail/mail.repository';
import { type Mailbox } from '../mailboxes/entities/mailbox.entity';
import { MailboxRepository } from '../mailboxes/mailbox.repository';
import { RestrictionPolicy } from '../mailboxes/restriction-policy.service';
import { type GraphSubscription } from './entities/graph-subscription.entity';
import {
  channelKey,
  notificationTargets,
  type ChannelTarget,
  type ResolvedUserFolder,
} from './notification-channels';

/** The channels of an org's mailboxes that should have a subscription. */
export type TargetsOf = (mailbox: Mailbox) => ChannelTarget[];

/**
 * What the org's subscriptions should be, read once per pass: its synced folders, restricted
 * users, and the ids mail sync resolved for the extra folders of each mailbox. One reader for the reconcile,
 * a mailbox's job and the receiver's scope check, so all three agree.
 */
@Injectable()
export class NotificationTargets {
  constructor(
    private readonly mailFolders: MailFolders,
    private readonly policy: RestrictionPolicy,
    private readonly mail: MailRepository,
    private readonly mailboxes: MailboxRepository,
  ) {}

  /** For the whole org, or (roxUserId given) one member's mailbox only. */
  async of(orgId: string, roxUserId: string | null = null): Promise<TargetsOf> {
    const folders = await this.mailFolders.synced(orgId);
    const rules = await this.policy.restrictions(orgId);
    const extra = folders.filter((f) => !SYNCED_FOLDERS.includes(f));
    const byMember = new Map<string, Map<string, ResolvedUserFolder>>();
    for (const row of await this.mail.resolvedFolders(orgId, extra, roxUserId)) {
      const resolved = byMember.get(row.roxUserId) ?? new Map<string, ResolvedUserFolder>();
      resolved.set(row.folder, row);
      byMember.set(row.roxUserId, resolved);
    }
    return (mailbox) =>
      notificationTargets(mailbox, rules, folders, byMember.get(mailbox.roxUserId));
  }

  /**
   * Whether a subscription still watches what its channel should: the mailbox is in scope and
   * its target has the same key and resource (a user folder made again has another id).
   */
  async isCurrent(
    row: Pick<GraphSubscription, 'orgId' | 'roxUserId' | 'kind' | 'folder' | 'resource'>,
  ): Promise<boolean> {
    const mailbox = await this.mailboxes.find(row.orgId, row.roxUserId);
    if (!mailbox) return false;
    const targets = (await this.of(row.orgId, row.roxUserId))(mailbox);
    return targets.some((t) => channelKey(t) === channelKey(row) && t.resource === row.resource);
  }
}
