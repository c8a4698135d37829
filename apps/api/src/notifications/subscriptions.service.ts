import { randomBytes } from 'node:crypto';

import { Injectable, Logger } from '@nestjs/common';

import {
  createSubscription,
  deleteSubscription,
  GraphRequestError,
  IdentityError,
  isSubscriptionGone,
  listSubscriptions,
  reauthorizeSubscription,
  renewSubscription,
  type GraphClient,
  type SubscriptionLease,
} from '@rox365/graph-client';

import { AppConfig } from '../config/app-config';
import { ConnectionReader } from '../consent/connection-reader.service';
import { MailboxAccess } from '../consent/mailbox-access.service';
import { MailboxRepository } from '../mailboxes/mailbox.repository';
import { isDomainError, RETRYABLE_KINDS } from '../platform/errors/domain-error';
import { Clock } from '../platform/time/clock';
import { ChannelRounds } from './channel-rounds.service';
import { GraphSubscription, type SubscriptionKind } from './entities/graph-subscription.entity';
import { GraphSubscriptionRepository } from './graph-subscription.repository';
import { channelKey, type ChannelTarget } from './notification-channels';
import { clientStateHash } from './notification-intake.service';
import { NotificationTargets } from './notification-targets.service';
import {
  NotificationsJobs,
  type DeletionJob,
  type MaintainJob,
} from './notifications-jobs.service';
import {
  CHANGE_TYPES,
  CLIENT_STATE_BYTES,
  DEGRADED_RETRY_MS,
  SWEEP_GRACE_MINUTES,
} from './notifications.constants';
import { NotificationsError, NotificationsErrorCode } from './notifications.errors';

/** Up to this many ids per deletion job (disconnect). */
const DELETION_CHUNK = 100;

export type CreateOutcome = 'created' | 'degraded';

/**
 * Graph subscriptions of an org's channels: created for what calendar and mail sync (over the
 * org-wide app, or with a member's own connection's token when the org is not connected),
 * renewed at half-life, recreated when Graph lost them, deleted when a channel leaves scope. A
 * channel whose subscription cannot be made is `degraded`: polling keeps it.
 */
@Injectable()
export class SubscriptionsService {
  private readonly logger = new Logger('notifications');

  constructor(
    private readonly config: AppConfig,
    private readonly repo: GraphSubscriptionRepository,
    private readonly connections: ConnectionReader,
    private readonly access: MailboxAccess,
    private readonly mailboxes: MailboxRepository,
    private readonly targets: NotificationTargets,
    private readonly rounds: ChannelRounds,
    private readonly jobs: NotificationsJobs,
    private readonly clock: Clock,
  ) {}

  get isEnabled(): boolean {
    return this.config.notifications.notificationUrl !== null;
  }

  /**
   * The org's subscriptions against its in-scope channels: every mailbox with something to
   * create, retry or delete gets a job of its own. With notifications switched off, every
   * subscription the org still has is deleted.
   */
  async reconcileOrg(orgId: string): Promise<{ mailboxes: number; deleted: number }> {
    const rows = await this.repo.listOrg(orgId);
    if (!this.isEnabled) {
      const deleted = await this.forgetAll(orgId, rows);
      return { mailboxes: 0, deleted };
    }
    const targetsOf = await this.targets.of(orgId);
    const now = this.clock.now();
    const byMember = new Map<string, GraphSubscription[]>();
    for (const row of rows)
      byMember.set(row.roxUserId, [...(byMember.get(row.roxUserId) ?? []), row]);
    const touched = new Set<string>();
    for (const mailbox of await this.mailboxes.listAll(orgId)) {
      const targets = targetsOf(mailbox);
      if (needsWork(targets, byMember.get(mailbox.roxUserId) ?? [], now))
        touched.add(mailbox.roxUserId);
      byMember.delete(mailbox.roxUserId);
    }
    // Rows of members without a mailbox row any more.
    for (const roxUserId of byMember.keys()) touched.add(roxUserId);
    for (const roxUserId of touched) await this.jobs.enqueueMailbox(orgId, roxUserId);
    return { mailboxes: touched.size, deleted: 0 };
  }

  /** One mailbox: delete what it no longer needs, create what it lacks (degraded ones when due). */
  async syncMailbox(
    orgId: string,
    roxUserId: string,
  ): Promise<{ created: number; deleted: number; degraded: number }> {
    const result = { created: 0, deleted: 0, degraded: 0 };
    if (!this.isEnabled) return result;
    const mailbox = await this.mailboxes.find(orgId, roxUserId);
    const targets = mailbox ? (await this.targets.of(orgId, roxUserId))(mailbox) : [];
    const wanted = new Map(targets.map((t) => [channelKey(t), t]));
    const reaches = new Map<SubscriptionKind, Promise<ChannelReach | null>>();
    const reach = (kind: SubscriptionKind) => {
      const known = reaches.get(kind) ?? this.access.forChannel(orgId, roxUserId, kind);
      reaches.set(kind, known);
      return known;
    };
    const kept = new Map<string, GraphSubscription>();
    for (const row of await this.repo.listMailbox(orgId, roxUserId)) {
      const target = wanted.get(channelKey(row));
      const via = await reach(row.kind);
      if (target && target.resource === row.resource && isMadeBy(row, via)) {
        kept.set(channelKey(row), row);
        continue;
      }
      // Deleted with what made it. Nothing reaches the mailbox any more (its connection went),
      // or only another way (the org-wide app, another account): Graph lets it expire.
      if (isMadeBy(row, via)) await this.deleteAtGraph(via.client, row.subscriptionId);
      await this.repo.remove(row);
      result.deleted += 1;
    }
    const now = this.clock.now();
    for (const target of targets) {
      const row = kept.get(channelKey(target)) ?? null;
      if (row?.state === 'active') continue;
      if (row?.state === 'degraded' && row.retryAt && row.retryAt > now) continue;
      const via = await reach(target.kind);
      // The route the target was built for is not the one that reaches it now: the mailbox
      // rows are being rebuilt (a connect or disconnect); their refresh brings this job back.
      if (!via || via.route !== target.route) continue;
      // A degraded row may still hold a subscription Graph kept: start over cleanly.
      if (row?.subscriptionId) await this.deleteAtGraph(via.client, row.subscriptionId);
      const outcome = await this.create(
        via.client,
        orgId,
        via.tenantId,
        { ...target, directoryUserId: identityOf(via, target) },
        row,
      );
      result[outcome === 'created' ? 'created' : 'degraded'] += 1;
    }
    return result;
  }

  /**
   * A member's own connection is about to be disconnected (its token purged): its channels'
   * subscriptions are deleted at Graph while the token still works. Best effort: one that
   * stays expires by itself, and its notifications are refused as unknown.
   */
  async releaseConnection(orgId: string, connectionId: string): Promise<number> {
    if (!this.isEnabled) return 0;
    const own = await this.access.forConnection(orgId, connectionId).catch(() => null);
    if (!own) return 0;
    const rows = await this.repo.listMailbox(orgId, own.roxUserId);
    return this.release(
      own.client,
      rows.filter((row) => row.kind === own.kind && isDelegatedResource(row.resource)),
    );
  }

  /**
   * A member is leaving Rox (their own connections and tokens are about to be purged): what
   * their tokens subscribed goes at Graph while those still work. Best effort, as above.
   */
  async releaseMember(orgId: string, roxUserId: string): Promise<number> {
    if (!this.isEnabled) return 0;
    const rows = (await this.repo.listMailbox(orgId, roxUserId)).filter((r) =>
      isDelegatedResource(r.resource),
    );
    let deleted = 0;
    for (const kind of new Set(rows.map((r) => r.kind))) {
      const via = await this.access.forChannel(orgId, roxUserId, kind).catch(() => null);
      if (!via) continue;
      deleted += await this.release(
        via.client,
        rows.filter((r) => r.kind === kind && isMadeBy(r, via)),
      );
    }
    return deleted;
  }

  // Before a purge: each deleted once, never retried, since someone may be waiting (the
  // org-wide connect's callback); one left at Graph expires by itself.
  private async release(client: GraphClient, rows: readonly GraphSubscription[]): Promise<number> {
    for (const row of rows) {
      await this.deleteAtGraph(client, row.subscriptionId, { noRetry: true }).catch(
        (error: unknown) => {
          this.logger.warn({ err: error }, 'subscription not deleted; it expires by itself');
        },
      );
      await this.repo.remove(row);
    }
    return rows.length;
  }

  /**
   * Renewal (PATCH at half-life), reauthorization (lifecycle event) or recreation
   * (`subscriptionRemoved`) of one channel's subscription. Gone at Graph (404): created anew,
   * with a delta round for what happened meanwhile. Any other failure leaves the channel
   * degraded, on polling, until the reconcile cycle tries again.
   */
  async maintain(
    job: MaintainJob,
    isFinalAttempt: boolean,
  ): Promise<'renewed' | 'reauthorized' | CreateOutcome | 'no_channel' | 'replaced'> {
    const row = await this.repo.find(job.orgId, job.roxUserId, job.kind, job.folder);
    if (!row || !this.isEnabled) return 'no_channel';
    const via = await this.access.forChannel(job.orgId, job.roxUserId, row.kind);
    // Reached another way now (a connect replaced the member's own connection, another account
    // signed in): the mailbox's job replaces the subscription.
    if (!isMadeBy(row, via)) {
      await this.jobs.enqueueMailbox(job.orgId, job.roxUserId);
      return 'replaced';
    }
    const { client, tenantId, route } = via;
    const target: ChannelTarget = {
      roxUserId: row.roxUserId,
      kind: row.kind,
      folder: row.folder,
      folderId: row.folderId,
      directoryUserId: row.directoryUserId,
      resource: row.resource,
      route,
    };
    const recreate = async (): Promise<CreateOutcome | 'replaced'> => {
      // The channel may watch another folder by now (a user folder made again, a new id) or be
      // out of scope: its mailbox's job replaces or drops the subscription instead.
      if (!(await this.targets.isCurrent(row))) {
        await this.jobs.enqueueMailbox(job.orgId, job.roxUserId);
        return 'replaced';
      }
      const outcome = await this.create(client, job.orgId, tenantId, target, row);
      // Created: the round is queued already. Not: polling keeps the channel, catch up now.
      if (outcome === 'degraded') await this.rounds.enqueue(row);
      return outcome;
    };
    if (!row.subscriptionId || job.action === 'recreate') {
      if (row.subscriptionId) await this.deleteAtGraph(client, row.subscriptionId);
      return recreate();
    }
    const now = this.clock.now();
    try {
      if (job.action === 'reauthorize') {
        await reauthorizeSubscription(client, row.subscriptionId);
      } else {
        this.leased(
          row,
          await renewSubscription(client, row.subscriptionId, {
            now,
            lifetimeMinutes: row.lifetimeMinutes ?? this.config.notifications.subscriptionMinutes,
          }),
          now,
        );
      }
      row.state = 'active';
      row.lastErrorCode = null;
      row.retryAt = null;
      row.updatedAt = now;
      await this.repo.save(row);
      return job.action === 'reauthorize' ? 'reauthorized' : 'renewed';
    } catch (error) {
      if (isSubscriptionGone(error)) {
        this.logger.log(
          { orgId: job.orgId, kind: row.kind },
          'subscription gone at Graph: recreated',
        );
        return recreate();
      }
      if (isTransient(error) && !isFinalAttempt) throw retryable(error);
      await this.degrade(row, NotificationsErrorCode.NOTIFICATIONS_RENEWAL_FAILED, error);
      return 'degraded';
    }
  }

  /** Disconnect: Graph ids and the tenant are kept in jobs, since the rows go with the purge. */
  async queueDeletionOf(orgId: string): Promise<number> {
    const rows = (await this.repo.listOrg(orgId)).filter((r) => r.subscriptionId !== null);
    const byTenant = new Map<string, string[]>();
    // Made with a member's own token, a subscription is not the org-wide app's to delete.
    for (const r of rows.filter((row) => !isDelegatedResource(row.resource)))
      byTenant.set(r.tenantId, [...(byTenant.get(r.tenantId) ?? []), r.subscriptionId ?? '']);
    for (const [tenantId, ids] of byTenant) {
      for (let i = 0; i < ids.length; i += DELETION_CHUNK) {
        await this.jobs.enqueueDeletion({
          orgId,
          tenantId,
          subscriptionIds: ids.slice(i, i + DELETION_CHUNK),
        });
      }
    }
    return rows.length;
  }

  /** Deletes subscriptions at Graph by id; one Graph no longer knows is done. */
  async deleteByIds(job: DeletionJob): Promise<{ deleted: number; gone: number }> {
    const client = this.access.forConnectedTenant(job.tenantId).client;
    const result = { deleted: 0, gone: 0 };
    for (const id of job.subscriptionIds) {
      try {
        result[(await deleteSubscription(client, id)) === 'deleted' ? 'deleted' : 'gone'] += 1;
      } catch (error) {
        if (isTransient(error)) throw retryable(error);
        // The tenant removed the app, or the id is malformed: Graph expires it by itself.
        this.logger.warn({ orgId: job.orgId, err: error }, 'subscription not deleted');
      }
    }
    return result;
  }

  /**
   * Worker start and every six hours: subscriptions to this deployment's receiver that no row
   * knows (a crash between Graph's 201 and our commit, a create retried after its answer was
   * lost, a purge that missed Graph) are deleted. Listed with what made them: the org-wide app
   * (the tenant's, all of them) or, in an org without it, each member's own connection (Graph
   * lists a delegated caller only what was made for that user). Subscriptions to other URLs
   * (another deployment of the same app) are left alone, and so are those made in the last
   * minutes, which another worker may hold without having committed its row yet.
   */
  async sweepOrphans(orgId: string): Promise<{ listed: number; deleted: number }> {
    const result = { listed: 0, deleted: 0 };
    if (!this.isEnabled) return result;
    const connection = await this.connections.connection(orgId);
    if (connection) {
      const client = this.access.forConnectedTenant(connection.tenantId).client;
      const isYoung = await this.youngTest([connection.tenantId]);
      await this.sweepWith(client, isYoung, result, new Set());
    } else {
      const own = await this.access.ownConnections(orgId);
      const isYoung = await this.youngTest(own.map((o) => o.tenantId));
      // One account behind two connections (calendar and mail) lists the same ones twice.
      const seen = new Set<string>();
      let unavailable: unknown = null;
      for (const o of own) {
        try {
          await this.sweepWith(o.client, isYoung, result, seen);
        } catch (error) {
          // One member's token failing leaves the others' sweep running: a passing failure
          // retries the job once every member had their turn; a lasting one (signed out,
          // revoked) waits for the next sweep, and what it made expires by itself.
          if (isTransient(error)) unavailable ??= error;
          else
            this.logger.warn(
              { orgId, roxUserId: o.roxUserId, err: error },
              "a member's own subscriptions not swept",
            );
        }
      }
      if (unavailable !== null) throw retryable(unavailable);
    }
    if (result.deleted > 0)
      this.logger.warn({ orgId, deleted: result.deleted }, 'orphaned subscriptions deleted');
    return result;
  }

  private async sweepWith(
    client: GraphClient,
    isYoung: (expiry: number) => boolean,
    result: { listed: number; deleted: number },
    seen: Set<string>,
  ): Promise<void> {
    const ours = (await listSubscriptions(client)).filter(
      (s) => s.notificationUrl === this.config.notifications.notificationUrl && !seen.has(s.id),
    );
    for (const s of ours) seen.add(s.id);
    result.listed += ours.length;
    const known = await this.repo.clientStateHashes(ours.map((s) => s.id));
    for (const s of ours) {
      if (known.has(s.id) || isYoung(Date.parse(s.expirationDateTime))) continue;
      await deleteSubscription(client, s.id);
      result.deleted += 1;
    }
  }

  // Made in the last minutes with a lifetime L in use here (the configured one, or one Graph
  // granted under a tenant's lower maximum), a subscription expires within L of now, but not
  // within L less the grace.
  // Any org's rows in the tenant count: another org reaching it (or the same Microsoft account)
  // may just have been granted a shorter lifetime.
  private async youngTest(tenantIds: readonly string[]): Promise<(expiry: number) => boolean> {
    const lifetimes = new Set([
      this.config.notifications.subscriptionMinutes,
      ...(await this.repo.grantedLifetimes(tenantIds)),
    ]);
    const now = this.clock.now().getTime();
    return (expiry) =>
      [...lifetimes].some(
        (minutes) =>
          expiry > now + (minutes - SWEEP_GRACE_MINUTES) * 60_000 &&
          expiry <= now + (minutes + 1) * 60_000,
      );
  }

  private async create(
    client: GraphClient,
    orgId: string,
    tenantId: string,
    target: ChannelTarget,
    existing: GraphSubscription | null,
  ): Promise<CreateOutcome> {
    const { notificationUrl, lifecycleUrl, subscriptionMinutes } = this.config.notifications;
    const now = this.clock.now();
    const row =
      existing ??
      new GraphSubscription({
        orgId,
        roxUserId: target.roxUserId,
        kind: target.kind,
        folder: target.folder,
        folderId: target.folderId,
        tenantId,
        directoryUserId: target.directoryUserId,
        resource: target.resource,
        now,
      });
    row.tenantId = tenantId;
    row.directoryUserId = target.directoryUserId;
    row.folderId = target.folderId;
    row.resource = target.resource;
    row.subscriptionId = null;
    row.clientStateHash = null;
    const clientState = randomBytes(CLIENT_STATE_BYTES).toString('base64url');
    try {
      const lease = await createSubscription(
        client,
        {
          resource: target.resource,
          changeType: CHANGE_TYPES,
          notificationUrl: notificationUrl ?? '',
          lifecycleNotificationUrl: lifecycleUrl ?? '',
          clientState,
        },
        { now, lifetimeMinutes: subscriptionMinutes },
      );
      row.subscriptionId = lease.subscription.id;
      row.clientStateHash = clientStateHash(clientState);
      this.leased(row, lease, now);
      row.state = 'active';
      row.lastErrorCode = null;
      row.retryAt = null;
      row.updatedAt = now;
      await this.repo.save(row);
    } catch (error) {
      if (isTransient(error)) throw retryable(error);
      await this.degrade(
        row,
        error instanceof GraphRequestError && error.code === 'ValidationError'
          ? NotificationsErrorCode.NOTIFICATIONS_VALIDATION_FAILED
          : NotificationsErrorCode.NOTIFICATIONS_CREATE_FAILED,
        error,
      );
      return 'degraded';
    }
    // Whatever changed before the subscription existed (or while it was gone) is fetched now.
    await this.rounds.enqueue(row);
    return 'created';
  }

  private leased(row: GraphSubscription, lease: SubscriptionLease, now: Date): void {
    const expires = new Date(lease.subscription.expirationDateTime);
    row.expiresAt = expires;
    row.lifetimeMinutes = lease.lifetimeMinutes;
    // Half-life: renewed while more than half of it is left.
    row.renewAt = new Date(now.getTime() + (expires.getTime() - now.getTime()) / 2);
  }

  private async degrade(
    row: GraphSubscription,
    code: NotificationsErrorCode,
    error: unknown,
  ): Promise<void> {
    const now = this.clock.now();
    row.state = 'degraded';
    row.lastErrorCode = code;
    row.retryAt = new Date(now.getTime() + DEGRADED_RETRY_MS);
    row.updatedAt = now;
    await this.repo.save(row);
    this.logger.warn(
      {
        orgId: row.orgId,
        roxUserId: row.roxUserId,
        kind: row.kind,
        // A member's folder path is theirs: logs name only well-known folders.
        folder: row.folderId === null ? row.folder : 'user folder',
        code,
        err: error,
      },
      'change notifications degraded: the channel stays on polling',
    );
  }

  private async deleteAtGraph(
    client: GraphClient,
    subscriptionId: string | null,
    options: { noRetry?: boolean } = {},
  ): Promise<void> {
    if (!subscriptionId) return;
    try {
      await deleteSubscription(client, subscriptionId, options);
    } catch (error) {
      if (isTransient(error)) throw retryable(error);
      this.logger.warn({ err: error }, 'subscription not deleted; it expires by itself');
    }
  }

  // Switched off or disconnected: Graph's side goes by jobs (they keep the ids), the rows now.
  private async forgetAll(orgId: string, rows: GraphSubscription[]): Promise<number> {
    if (rows.length === 0) return 0;
    const count = await this.queueDeletionOf(orgId);
    // Members' own subscriptions: deleted here with the token that made them, best effort.
    for (const row of rows) {
      if (!row.subscriptionId || !isDelegatedResource(row.resource)) continue;
      const via = await this.access.forChannel(orgId, row.roxUserId, row.kind).catch(() => null);
      if (!isMadeBy(row, via)) continue;
      await this.deleteAtGraph(via.client, row.subscriptionId).catch((error: unknown) => {
        this.logger.warn({ err: error }, 'subscription not deleted; it expires by itself');
      });
    }
    await this.repo.purgeOrg(orgId);
    return count;
  }
}

interface ChannelReach {
  route: 'orgwide' | 'individual';
  tenantId: string;
  client: GraphClient;
  account: string | null;
}

/**
 * Whether `via` is what made the row's subscription, so may keep, renew or delete it: the
 * org-wide app for a `users/{id}/…` one, the same member's own account for a `me/…` one.
 */
function isMadeBy(row: GraphSubscription, via: ChannelReach | null): via is ChannelReach {
  if (!via) return false;
  if (!isDelegatedResource(row.resource)) return via.route === 'orgwide';
  return via.route === 'individual' && row.directoryUserId === identityOf(via, row);
}

/**
 * What a row records as the mailbox it watches: the Entra user the org-wide app reads, or, for a
 * member's own connection, `me:` and the Microsoft account signed in (so another account's
 * sign-in replaces the subscription instead of keeping the old mailbox's).
 */
function identityOf(via: ChannelReach, target: { directoryUserId: string }): string {
  return via.route === 'individual' ? `me:${via.account ?? ''}` : target.directoryUserId;
}

/** A subscription made with a member's own token names its mailbox `me/…`. */
export function isDelegatedResource(resource: string): boolean {
  return resource.startsWith('me/');
}

/** True when the mailbox's rows differ from its targets, or a degraded one is due again. */
export function needsWork(
  targets: readonly ChannelTarget[],
  rows: readonly GraphSubscription[],
  now: Date,
): boolean {
  const byKey = new Map(rows.map((r) => [channelKey(r), r]));
  if (rows.length !== targets.length) return true;
  return targets.some((t) => {
    const row = byKey.get(channelKey(t));
    if (!row || row.resource !== t.resource) return true;
    return row.state === 'degraded' && (!row.retryAt || row.retryAt <= now);
  });
}

function isTransient(error: unknown): boolean {
  if (error instanceof GraphRequestError) return error.isTransient;
  if (error instanceof IdentityError) return error.isTransient;
  // A member's token that Microsoft could not refresh right now (MICROSOFT_UNAVAILABLE).
  return isDomainError(error) && RETRYABLE_KINDS.has(error.kind);
}

function retryable(error: unknown): NotificationsError {
  const throttled = error instanceof GraphRequestError && error.isThrottled;
  return new NotificationsError(
    throttled
      ? NotificationsErrorCode.NOTIFICATIONS_GRAPH_THROTTLED
      : NotificationsErrorCode.NOTIFICATIONS_GRAPH_UNAVAILABLE,
    throttled ? 'rate_limited' : 'unavailable',
    'Microsoft Graph did not answer the subscription request; it is tried again.',
    {
      cause: error,
      ...(error instanceof GraphRequestError && error.retryAfterMs !== null
        ? { retryAfterMs: error.retryAfterMs }
        : {}),
    },
  );
}
