import { randomUUID } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';

import { isRecord, jsonBody } from '../http/types';
import type { EmulatorState } from '../state/emulator-state';
import { intFrom } from '../util/prng';
import { ok, type GraphCtx, type GraphRoute } from './context';
import { badRequest, GraphHttpError } from './errors';
import type { ChangeEmitter } from './mail/mail-actions';
import { resolveMailbox } from './mailbox-access';
import { requirePermission } from './principal';

export interface Subscription {
  id: string;
  tenantId: string;
  resource: string;
  /** Parsed target: a mailbox (and folder) or the users collection. */
  target: { kind: 'messages' | 'events'; userId: string; folder?: string } | { kind: 'users' };
  changeType: string;
  clientState: string | null;
  notificationUrl: string;
  lifecycleNotificationUrl: string | null;
  expirationDateTime: string;
  applicationId: string;
  creatorId: string;
  latestSupportedTlsVersion: string;
  includeResourceData: boolean;
}

export interface DeliveryRecord {
  at: string;
  subscriptionId: string;
  url: string;
  kind: 'validation' | 'notification' | 'lifecycle';
  /** `dropped`: lost on purpose by the `notificationFaults` setting, never sent. */
  status: number | 'error' | 'dropped';
  /** The second send of a notification the `notificationFaults` setting duplicated. */
  duplicate?: boolean;
  /** How many notifications the POST that carried this one held, when more than one. */
  batch?: number;
  payload?: unknown;
}

/** The change types of a changeType list such as "created, updated". */
function changeTypes(list: string): string[] {
  return list.split(',').map((c) => c.trim());
}

function subscribedTo(sub: Subscription, changeType: string): boolean {
  return changeTypes(sub.changeType).includes(changeType);
}

/** POSTs to a receiver; trusts the emulator CA so local HTTPS receivers work. */
function post(
  url: string,
  body: string,
  contentType: string,
  ca: string,
  timeoutMs: number,
): Promise<{ status: number; contentType: string; text: string }> {
  return new Promise((resolve, reject) => {
    const u = new URL(url);
    const mod = u.protocol === 'https:' ? https : http;
    const req = mod.request(
      u,
      {
        method: 'POST',
        headers: { 'content-type': contentType, 'content-length': String(Buffer.byteLength(body)) },
        ...(u.protocol === 'https:' ? { ca } : {}),
        timeout: timeoutMs,
        agent: false,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            contentType: String(res.headers['content-type'] ?? ''),
            text: Buffer.concat(chunks).toString('utf8'),
          }),
        );
      },
    );
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end(body);
  });
}

/** Change-notification subscriptions: validation handshake, delivery, lifecycle events. */
// The most change notifications one POST carries (Graph does not document its own limit).
const MAX_NOTIFICATIONS_PER_POST = 100;

/** A change notification waiting for its URL's next POST. */
interface Outgoing {
  sub: Subscription;
  payload: { value: unknown[] };
}

export class SubscriptionService {
  readonly subscriptions = new Map<string, Subscription>();
  readonly deliveries: DeliveryRecord[] = [];
  private pending: Promise<void> = Promise.resolve();
  /** Change notifications per notification URL, sent together when their turn comes. */
  private readonly outbox = new Map<string, Outgoing[]>();
  /** Change notifications offered to `send`, the input of the deterministic drop/duplicate rolls. */
  private offered = 0;

  constructor(private readonly state: EmulatorState) {}

  private record(d: DeliveryRecord): void {
    this.deliveries.push(d);
    if (this.deliveries.length > 5000) this.deliveries.shift();
  }

  private async validate(subscriptionId: string, url: string): Promise<boolean> {
    const token = `Validation: Testing client application reachability for subscription Request-Id: ${randomUUID()}`;
    const target = `${url}${url.includes('?') ? '&' : '?'}validationToken=${encodeURIComponent(token)}`;
    try {
      const res = await post(
        target,
        '',
        'text/plain; charset=utf-8',
        this.state.material.caCertPem,
        10_000,
      );
      this.record({
        at: this.state.now().toISOString(),
        subscriptionId,
        url,
        kind: 'validation',
        status: res.status,
      });
      // Graph wants the decoded token back as it was, as plain text.
      return res.status === 200 && /^text\/plain\b/i.test(res.contentType) && res.text === token;
    } catch {
      this.record({
        at: this.state.now().toISOString(),
        subscriptionId,
        url,
        kind: 'validation',
        status: 'error',
      });
      return false;
    }
  }

  /** Resolves once every notification queued so far has been attempted. */
  flush(): Promise<void> {
    return this.pending;
  }

  private send(
    sub: Subscription,
    url: string,
    kind: 'notification' | 'lifecycle',
    payload: unknown,
  ): void {
    if (!this.state.settings.deliverNotifications) return;
    if (kind === 'notification') {
      const { dropRate, duplicateRate } = this.state.settings.notificationFaults;
      const n = (this.offered += 1);
      if (dropRate > 0 && intFrom(1_000_000, 'drop', n) < dropRate * 1_000_000) {
        this.record({
          at: this.state.now().toISOString(),
          subscriptionId: sub.id,
          url,
          kind,
          status: 'dropped',
          payload,
        });
        return;
      }
      if (duplicateRate > 0 && intFrom(1_000_000, 'duplicate', n) < duplicateRate * 1_000_000) {
        this.deliver(sub, url, kind, payload, false);
        this.deliver(sub, url, kind, payload, true);
        return;
      }
    }
    this.deliver(sub, url, kind, payload, false);
  }

  private deliver(
    sub: Subscription,
    url: string,
    kind: 'notification' | 'lifecycle',
    payload: unknown,
    duplicate: boolean,
  ): void {
    if (kind === 'notification' && !duplicate) {
      this.enqueue(sub, url, payload as Outgoing['payload']);
      return;
    }
    this.pending = this.pending.then(async () => {
      try {
        const res = await post(
          url,
          JSON.stringify(payload),
          'application/json; charset=utf-8',
          this.state.material.caCertPem,
          3_000,
        );
        this.record({
          at: this.state.now().toISOString(),
          subscriptionId: sub.id,
          url,
          kind,
          status: res.status,
          ...(duplicate ? { duplicate } : {}),
          payload,
        });
      } catch {
        this.record({
          at: this.state.now().toISOString(),
          subscriptionId: sub.id,
          url,
          kind,
          status: 'error',
          ...(duplicate ? { duplicate } : {}),
          payload,
        });
      }
    });
  }

  /**
   * Like Graph, change notifications that pile up for one URL while earlier ones are on their
   * way go out together, several to a POST (`value` holds them; any mix of subscriptions). A
   * duplicate (notificationFaults) always travels alone, as a redelivery would.
   */
  private enqueue(sub: Subscription, url: string, payload: Outgoing['payload']): void {
    const queued = this.outbox.get(url);
    if (queued && queued.length < MAX_NOTIFICATIONS_PER_POST) {
      queued.push({ sub, payload });
      return;
    }
    const batch: Outgoing[] = [{ sub, payload }];
    this.outbox.set(url, batch);
    this.pending = this.pending.then(async () => {
      // Closed for new notifications from here on: the next ones start the URL's next POST.
      if (this.outbox.get(url) === batch) this.outbox.delete(url);
      let status: number | 'error';
      try {
        const res = await post(
          url,
          JSON.stringify({ value: batch.flatMap((b) => b.payload.value) }),
          'application/json; charset=utf-8',
          this.state.material.caCertPem,
          3_000,
        );
        status = res.status;
      } catch {
        status = 'error';
      }
      for (const b of batch) {
        this.record({
          at: this.state.now().toISOString(),
          subscriptionId: b.sub.id,
          url,
          kind: 'notification',
          status,
          ...(batch.length > 1 ? { batch: batch.length } : {}),
          payload: b.payload,
        });
      }
    });
  }

  private live(sub: Subscription): boolean {
    if (Date.parse(sub.expirationDateTime) <= this.state.nowMs()) {
      this.subscriptions.delete(sub.id);
      return false;
    }
    return true;
  }

  /** Sends one change notification in Graph's envelope; only Outlook notifications carry an id. */
  private notify(
    sub: Subscription,
    changeType: string,
    resource: string,
    resourceData: Record<string, unknown>,
    notificationId?: string,
  ): void {
    this.send(sub, sub.notificationUrl, 'notification', {
      value: [
        {
          ...(notificationId ? { id: notificationId } : {}),
          subscriptionId: sub.id,
          subscriptionExpirationDateTime: sub.expirationDateTime,
          clientState: sub.clientState,
          changeType,
          resource,
          tenantId: sub.tenantId,
          resourceData,
        },
      ],
    });
  }

  /** The emitter Outlook mutations call. */
  readonly emit: ChangeEmitter = (tenantId, userId, kind, changeType, id, folder) => {
    for (const sub of [...this.subscriptions.values()]) {
      if (sub.tenantId !== tenantId || !this.live(sub)) continue;
      const t = sub.target;
      if (t.kind !== kind || t.userId !== userId) continue;
      if (t.kind === 'messages' && t.folder && folder && t.folder !== folder) continue;
      if (!subscribedTo(sub, changeType)) continue;
      const resource = `Users/${userId}/${kind === 'messages' ? 'Messages' : 'Events'}/${id}`;
      const changeKey =
        changeType === 'deleted' ? null : this.changeKeyOf(tenantId, userId, kind, id);
      this.notify(
        sub,
        changeType,
        resource,
        {
          '@odata.type':
            kind === 'messages' ? '#Microsoft.Graph.Message' : '#Microsoft.Graph.Event',
          '@odata.id': resource,
          // As Graph does: the item's version, as its `@odata.etag` (none once it is deleted).
          ...(changeKey ? { '@odata.etag': `W/"${changeKey}"` } : {}),
          id,
        },
        randomUUID().replace(/-/g, '').slice(0, 14),
      );
    }
  };

  private changeKeyOf(
    tenantId: string,
    userId: string,
    kind: 'messages' | 'events',
    id: string,
  ): string | null {
    const tenant = this.state.findTenant(tenantId);
    const user = tenant?.findUser(userId);
    const mailbox = user ? tenant?.mailbox(user) : undefined;
    if (!mailbox) return null;
    if (kind === 'events') return mailbox.events.get(id)?.changeKey ?? null;
    return mailbox.findMessage(id)?.message.changeKey ?? null;
  }

  /** Directory changes: notifies subscriptions on the `users` resource. */
  emitUser(tenantId: string, userId: string, changeType: 'updated' | 'deleted'): void {
    for (const sub of [...this.subscriptions.values()]) {
      if (sub.tenantId !== tenantId || sub.target.kind !== 'users' || !this.live(sub)) continue;
      if (!subscribedTo(sub, changeType)) continue;
      const resource = `Users/${userId}`;
      this.notify(sub, changeType, resource, {
        '@odata.type': '#Microsoft.Graph.User',
        '@odata.id': resource,
        id: userId,
        organizationId: tenantId,
        sequenceNumber: this.state.clock.current,
      });
    }
  }

  /** Sends a lifecycle notification (and removes the subscription for subscriptionRemoved). */
  lifecycle(
    id: string,
    event: 'reauthorizationRequired' | 'subscriptionRemoved' | 'missed',
  ): Subscription {
    const sub = this.subscriptions.get(id);
    if (!sub) throw new Error(`Unknown subscription ${id}`);
    if (sub.lifecycleNotificationUrl) {
      this.send(sub, sub.lifecycleNotificationUrl, 'lifecycle', {
        value: [
          {
            subscriptionId: sub.id,
            subscriptionExpirationDateTime: sub.expirationDateTime,
            tenantId: sub.tenantId,
            clientState: sub.clientState,
            lifecycleEvent: event,
          },
        ],
      });
    }
    if (event === 'subscriptionRemoved') this.subscriptions.delete(id);
    return sub;
  }

  private parseResource(ctx: GraphCtx, resource: string): Subscription['target'] {
    const r = resource.replace(/^\//, '').replace(/\/([A-Za-z]+)\('([^']*)'\)/g, '/$1/$2');
    if (/^users\/?$/i.test(r)) {
      requirePermission(
        ctx.principal,
        {
          app: ['User.Read.All', 'Directory.Read.All'],
          delegated: ['User.Read.All', 'Directory.Read.All'],
        },
        'directory',
      );
      return { kind: 'users' };
    }
    const m = /^(?:users\/([^/]+)|me)\/(?:mailFolders\/([^/]+)\/)?(messages|events)\/?$/i.exec(r);
    if (!m)
      throw badRequest(
        `Resource '${resource}' is not supported for subscriptions.`,
        'ExtensionError',
      );
    const kind = (m[3] ?? '').toLowerCase() === 'messages' ? 'messages' : 'events';
    requirePermission(
      ctx.principal,
      kind === 'messages'
        ? {
            app: ['Mail.ReadBasic.All', 'Mail.ReadBasic', 'Mail.Read', 'Mail.ReadWrite'],
            delegated: ['Mail.ReadBasic', 'Mail.Read', 'Mail.ReadWrite'],
          }
        : {
            app: ['Calendars.Read', 'Calendars.ReadWrite'],
            delegated: ['Calendars.Read', 'Calendars.ReadWrite'],
          },
      'outlook',
    );
    const { user, mailbox } = resolveMailbox(ctx.state, ctx.principal, m[1] ?? 'me');
    const folder = m[2] ? mailbox.folder(m[2])?.name : undefined;
    if (m[2] && !folder)
      throw new GraphHttpError(
        404,
        'ErrorItemNotFound',
        'The specified object was not found in the store.',
      );
    return { kind, userId: user.id, ...(folder ? { folder } : {}) };
  }

  private toGraph(ctx: GraphCtx, sub: Subscription): Record<string, unknown> {
    return {
      '@odata.context': `${ctx.root}/$metadata#subscriptions/$entity`,
      id: sub.id,
      resource: sub.resource,
      applicationId: sub.applicationId,
      changeType: sub.changeType,
      clientState: sub.clientState,
      notificationUrl: sub.notificationUrl,
      notificationQueryOptions: null,
      lifecycleNotificationUrl: sub.lifecycleNotificationUrl,
      expirationDateTime: sub.expirationDateTime,
      creatorId: sub.creatorId,
      includeResourceData: sub.includeResourceData,
      latestSupportedTlsVersion: sub.latestSupportedTlsVersion,
      encryptionCertificate: null,
      encryptionCertificateId: null,
      notificationUrlAppId: null,
    };
  }

  // Microsoft accepts https only; loopback http is the emulator's local-development allowance.
  private isAcceptedUrl(url: string): boolean {
    let u: URL;
    try {
      u = new URL(url);
    } catch {
      return false;
    }
    if (u.protocol === 'https:') return true;
    return (
      u.protocol === 'http:' &&
      this.state.settings.allowLoopbackHttpNotificationUrls &&
      ['127.0.0.1', 'localhost', '[::1]'].includes(u.hostname)
    );
  }

  private checkExpiry(value: unknown, isUsers: boolean): string {
    if (typeof value !== 'string' || Number.isNaN(Date.parse(value)))
      throw badRequest('expirationDateTime is required.', 'ExtensionError');
    const ms = Date.parse(value);
    const maxMinutes = isUsers ? 41_760 : this.state.settings.subscriptionMaxMinutes;
    if (ms <= this.state.nowMs())
      throw badRequest('Subscription expiration must be in the future.', 'ExtensionError');
    if (ms > this.state.nowMs() + maxMinutes * 60_000)
      throw badRequest(
        `Subscription expiration can only be ${maxMinutes} minutes in the future.`,
        'ExtensionError',
      );
    // As Graph does, a lifetime under 45 minutes is raised to 45.
    const at = Math.max(ms, this.state.nowMs() + 45 * 60_000);
    return `${new Date(at).toISOString().slice(0, 19)}.0000000Z`;
  }

  routes(): GraphRoute[] {
    const create = async (ctx: GraphCtx): Promise<ReturnType<typeof ok>> => {
      const body = jsonBody(ctx.req);
      if (!isRecord(body)) throw badRequest('Empty Payload, JSON content expected.', 'BadRequest');
      const resource = typeof body.resource === 'string' ? body.resource : '';
      const target = this.parseResource(ctx, resource);
      const changeType = typeof body.changeType === 'string' ? body.changeType : '';
      const types = changeTypes(changeType);
      if (!types.length || types.some((t) => !['created', 'updated', 'deleted'].includes(t)))
        throw badRequest("'changeType' is invalid.", 'ExtensionError');
      if (target.kind === 'users' && types.includes('created'))
        throw badRequest(
          "ChangeType 'created' is not supported for resource 'users'.",
          'ExtensionError',
        );
      const notificationUrl = typeof body.notificationUrl === 'string' ? body.notificationUrl : '';
      const lifecycleUrl =
        typeof body.lifecycleNotificationUrl === 'string' ? body.lifecycleNotificationUrl : null;
      for (const u of [notificationUrl, lifecycleUrl]) {
        if (u !== null && !this.isAcceptedUrl(u))
          throw badRequest(
            'Subscription Notification Endpoint must be a valid https url.',
            'ValidationError',
          );
      }
      const clientState = typeof body.clientState === 'string' ? body.clientState : null;
      if (clientState && clientState.length > 128)
        throw badRequest('clientState must be at most 128 characters.', 'ExtensionError');
      const expirationDateTime = this.checkExpiry(body.expirationDateTime, target.kind === 'users');
      const id = randomUUID();
      for (const u of [notificationUrl, lifecycleUrl]) {
        if (u && !(await this.validate(id, u))) {
          throw badRequest(
            'Subscription validation request failed. Notification endpoint must respond with 200 OK to validation request.',
            'ValidationError',
          );
        }
      }
      const p = ctx.principal;
      const sub: Subscription = {
        id,
        tenantId: p.tenant.id,
        resource,
        target,
        changeType,
        clientState,
        notificationUrl,
        lifecycleNotificationUrl: lifecycleUrl,
        expirationDateTime,
        applicationId: p.appId,
        creatorId:
          p.kind === 'user' ? (p.user?.id ?? '') : (p.tenant.servicePrincipalOf(p.appId)?.id ?? ''),
        latestSupportedTlsVersion:
          typeof body.latestSupportedTlsVersion === 'string'
            ? body.latestSupportedTlsVersion
            : 'v1_2',
        includeResourceData: body.includeResourceData === true,
      };
      this.subscriptions.set(id, sub);
      return ok(this.toGraph(ctx, sub), 201);
    };
    // The calling app's own, and for a delegated token only the signed-in user's (as listing):
    // anyone else's is answered as unknown.
    const isCallers = (ctx: GraphCtx, sub: Subscription): boolean => {
      const p = ctx.principal;
      if (sub.tenantId !== p.tenant.id || sub.applicationId !== p.appId) return false;
      return p.kind !== 'user' || sub.creatorId === (p.user?.id ?? '');
    };
    const find = (ctx: GraphCtx, id: string): Subscription => {
      const sub = this.subscriptions.get(id);
      if (!sub || !isCallers(ctx, sub) || !this.live(sub)) {
        throw new GraphHttpError(404, 'ResourceNotFound', `The object was not found.`);
      }
      return sub;
    };
    return [
      { method: 'POST', pattern: /^\/subscriptions$/i, handler: create },
      {
        method: 'GET',
        pattern: /^\/subscriptions$/i,
        // The calling app's own: all of them in the tenant for an app token, only those made for
        // the signed-in user for a delegated one (Graph's "basic scenarios").
        handler: (ctx) =>
          ok({
            '@odata.context': `${ctx.root}/$metadata#subscriptions`,
            value: [...this.subscriptions.values()]
              .filter((s) => isCallers(ctx, s) && this.live(s))
              .map((s) => this.toGraph(ctx, s)),
          }),
      },
      {
        method: 'GET',
        pattern: /^\/subscriptions\/([^/]+)$/i,
        handler: (ctx, [id]) => ok(this.toGraph(ctx, find(ctx, id ?? ''))),
      },
      {
        method: 'PATCH',
        pattern: /^\/subscriptions\/([^/]+)$/i,
        handler: (ctx, [id]) => {
          const sub = find(ctx, id ?? '');
          const body = jsonBody(ctx.req);
          if (!isRecord(body))
            throw badRequest('Empty Payload, JSON content expected.', 'BadRequest');
          if (body.lifecycleNotificationUrl !== undefined)
            throw badRequest(
              'lifecycleNotificationUrl can only be set when the subscription is created.',
              'ExtensionError',
            );
          sub.expirationDateTime = this.checkExpiry(
            body.expirationDateTime,
            sub.target.kind === 'users',
          );
          return ok(this.toGraph(ctx, sub));
        },
      },
      {
        method: 'DELETE',
        pattern: /^\/subscriptions\/([^/]+)$/i,
        handler: (ctx, [id]) => {
          this.subscriptions.delete(find(ctx, id ?? '').id);
          return { status: 204 };
        },
      },
      {
        method: 'POST',
        pattern: /^\/subscriptions\/([^/]+)\/reauthorize$/i,
        handler: (ctx, [id]) => {
          // Microsoft answers 204 No Content (subscription-reauthorize).
          find(ctx, id ?? '');
          return { status: 204 };
        },
      },
    ];
  }
}
