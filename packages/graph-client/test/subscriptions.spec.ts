import http from 'node:http';
import { type AddressInfo } from 'node:net';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { DEMO_TENANT, startEmulator, type RunningEmulator } from '@rox365/m365-emulator';

import {
  createSubscription,
  deleteSubscription,
  GraphRequestError,
  isSubscriptionGone,
  listSubscriptions,
  listUsers,
  maxLifetimeMinutesOf,
  reauthorizeSubscription,
  renewSubscription,
  type BoundGraphClient,
} from '../src/index';
import { buildGraph } from './helpers';

let emu: RunningEmulator;
let client: BoundGraphClient;
let receiver: http.Server;
let hookBase: string;
let memberId: string;

beforeAll(async () => {
  emu = await startEmulator({
    seed: [{ domain: 'contoso', adminConsented: true }],
    settings: { allowLoopbackHttpNotificationUrls: true },
  });
  client = buildGraph(emu).forTenant(DEMO_TENANT.id);
  memberId =
    (await listUsers(client)).find((u) => u.userPrincipalName === DEMO_TENANT.users.member)?.id ??
    '';
  // Answers the validation handshake with the decoded token, and 202 otherwise.
  receiver = http.createServer((req, res) => {
    const token = new URL(req.url ?? '/', 'http://127.0.0.1').searchParams.get('validationToken');
    res.writeHead(token === null ? 202 : 200, { 'content-type': 'text/plain' }).end(token ?? '');
  });
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
  hookBase = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise<void>((r) => receiver.close(() => r()));
  await emu.stop();
});

function request(clientState = 'x'.repeat(43)) {
  return {
    resource: `users/${memberId}/events`,
    changeType: 'created,updated,deleted',
    notificationUrl: `${hookBase}/notifications`,
    lifecycleNotificationUrl: `${hookBase}/lifecycle`,
    clientState,
  };
}

describe('maxLifetimeMinutesOf', () => {
  const extensionError = (message: string, status = 400, code = 'ExtensionError') =>
    new GraphRequestError({ status, code, message, method: 'POST', path: '/v1.0/subscriptions' });

  it.each([
    ['Subscription expiration can only be 10070 minutes in the future.', 10070],
    [
      "Operation: Create; Exception: [Status Code: BadRequest; Reason: Expiration time '2030-01-01' is beyond allowed max '3.00:00:00'.]",
      4320,
    ],
    ["Reason: beyond allowed max '00:45:00'.", 45],
  ])('reads %s', (message, minutes) => {
    expect(maxLifetimeMinutesOf(extensionError(message))).toBe(minutes);
  });

  it('names nothing for other errors', () => {
    expect(maxLifetimeMinutesOf(extensionError('Resource not supported.'))).toBeNull();
    expect(
      maxLifetimeMinutesOf(extensionError('can only be 60 minutes', 400, 'ValidationError')),
    ).toBeNull();
    expect(maxLifetimeMinutesOf(new Error('can only be 60 minutes'))).toBeNull();
  });
});

describe('subscriptions', () => {
  it('creates with ImmutableId, renews, reauthorizes, lists and deletes (404 = done)', async () => {
    await emu.control.clearRequests();
    const now = new Date();
    const created = await createSubscription(client, request(), { now, lifetimeMinutes: 4230 });
    expect(created.lifetimeMinutes).toBe(4230);
    expect(Date.parse(created.subscription.expirationDateTime)).toBeGreaterThan(
      now.getTime() + 4229 * 60_000,
    );
    const [post] = await emu.control.requests({ pathContains: '/subscriptions' });
    expect(post?.prefer).toMatch(/IdType="ImmutableId"/);

    const renewed = await renewSubscription(client, created.subscription.id, {
      now: new Date(now.getTime() + 60_000),
      lifetimeMinutes: 4230,
    });
    expect(renewed.subscription.expirationDateTime).not.toBe(
      created.subscription.expirationDateTime,
    );
    await reauthorizeSubscription(client, created.subscription.id);
    expect((await listSubscriptions(client)).map((s) => s.id)).toContain(created.subscription.id);

    expect(await deleteSubscription(client, created.subscription.id)).toBe('deleted');
    expect(await deleteSubscription(client, created.subscription.id)).toBe('not_found');
    const gone = await renewSubscription(client, created.subscription.id, {
      now: new Date(),
      lifetimeMinutes: 60,
    }).catch((e: unknown) => e);
    expect(isSubscriptionGone(gone)).toBe(true);
  });

  it('retries once just under the maximum an ExtensionError names', async () => {
    await emu.control.updateSettings({ subscriptionMaxMinutes: 60 });
    try {
      await emu.control.clearRequests();
      const lease = await createSubscription(client, request(), {
        now: new Date(),
        lifetimeMinutes: 4230,
      });
      expect(lease.lifetimeMinutes).toBe(59);
      const posts = await emu.control.requests({ pathContains: '/subscriptions' });
      expect(posts.map((p) => p.status)).toEqual([400, 201]);
      await deleteSubscription(client, lease.subscription.id);
    } finally {
      await emu.control.updateSettings({ subscriptionMaxMinutes: 10_070 });
    }
  });

  it('surfaces a failed validation handshake as a 400 ValidationError, without a retry', async () => {
    await emu.control.clearRequests();
    const error = await createSubscription(
      client,
      { ...request(), notificationUrl: 'http://127.0.0.1:1/unreachable' },
      { now: new Date(), lifetimeMinutes: 4230 },
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GraphRequestError);
    expect((error as GraphRequestError).code).toBe('ValidationError');
    expect(await emu.control.requests({ pathContains: '/subscriptions' })).toHaveLength(1);
  });
});
