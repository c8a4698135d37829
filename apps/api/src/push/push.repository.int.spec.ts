import { type MikroORM } from '@mikro-orm/postgresql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import {
  buildPushAttempt,
  buildPushDelivery,
  buildPushEndpoint,
} from '../../test/factories/push.factory';
import { openTestOrm } from '../../test/factories/test-orm';
import { newOrgId } from '../../test/support/test-env';
import { PushRepository } from './push.repository';

describe('PushRepository on Postgres', () => {
  let orm: MikroORM;
  const repo = () => new PushRepository(orm.em.fork());

  beforeAll(async () => {
    orm = await openTestOrm();
  });
  afterAll(() => orm.close(true));

  it('keeps endpoints per org, oldest first, with their event types', async () => {
    const orgId = newOrgId();
    const first = buildPushEndpoint({ orgId, eventTypes: ['mail.changed'] });
    const second = buildPushEndpoint({
      orgId,
      now: new Date(first.createdAt.getTime() + 1000),
    });
    await repo().saveEndpoint(second);
    await repo().saveEndpoint(first);
    await repo().saveEndpoint(buildPushEndpoint({ orgId: newOrgId() }));

    expect((await repo().endpoints(orgId)).map((e) => e.id)).toEqual([first.id, second.id]);
    expect((await repo().findEndpoint(orgId, first.id))?.eventTypes).toEqual(['mail.changed']);
    expect(await repo().findEndpoint(newOrgId(), first.id)).toBeNull();
    expect(await repo().countEndpoints(orgId)).toBe(2);
  });

  it('finds the pending delivery of an endpoint and event type, not a finished one', async () => {
    const orgId = newOrgId();
    const endpoint = buildPushEndpoint({ orgId });
    await repo().saveEndpoint(endpoint);
    const delivered = buildPushDelivery({ orgId, endpointId: endpoint.id });
    delivered.status = 'delivered';
    const pending = buildPushDelivery({ orgId, endpointId: endpoint.id });
    const otherType = buildPushDelivery({
      orgId,
      endpointId: endpoint.id,
      eventType: 'mail.changed',
    });
    for (const d of [delivered, pending, otherType]) await repo().saveDelivery(d);

    expect((await repo().pendingDelivery(endpoint.id, 'calendar.changed'))?.id).toBe(pending.id);
    expect((await repo().pendingDelivery(endpoint.id, 'mail.changed'))?.id).toBe(otherType.id);
    expect(await repo().pendingDelivery(endpoint.id, 'connection.changed')).toBeNull();
    expect((await repo().findDelivery(orgId, endpoint.id, pending.id))?.status).toBe('pending');
    expect(await repo().findDelivery(newOrgId(), endpoint.id, pending.id)).toBeNull();
  });

  it('records an attempt with the delivery’s new state in one go, attempts in order', async () => {
    const orgId = newOrgId();
    const endpoint = buildPushEndpoint({ orgId });
    await repo().saveEndpoint(endpoint);
    const delivery = buildPushDelivery({ orgId, endpointId: endpoint.id });
    const r = repo();
    for (const number of [1, 2]) {
      delivery.attemptCount = number;
      delivery.status = number === 2 ? 'dead' : 'pending';
      await r.recordAttempt(
        delivery,
        buildPushAttempt({
          orgId,
          endpointId: endpoint.id,
          deliveryId: delivery.id,
          number,
          statusCode: 500,
          error: 'http_status',
        }),
      );
    }
    const stored = await repo().findDelivery(orgId, endpoint.id, delivery.id);
    expect(stored).toMatchObject({ status: 'dead', attemptCount: 2 });
    const attempts = await repo().attemptsOf(orgId, [delivery.id]);
    expect(attempts.map((a) => [a.number, a.statusCode, a.error])).toEqual([
      [1, 500, 'http_status'],
      [2, 500, 'http_status'],
    ]);
    expect(await repo().attemptsOf(orgId, [])).toEqual([]);
  });

  it('pages deliveries newest first on (createdAt, id), optionally by status', async () => {
    const orgId = newOrgId();
    const endpoint = buildPushEndpoint({ orgId });
    await repo().saveEndpoint(endpoint);
    const base = Date.parse('2026-11-22T04:00:00Z');
    const rows = [0, 1, 2, 3].map((i) =>
      buildPushDelivery({ orgId, endpointId: endpoint.id, now: new Date(base + i * 1000) }),
    );
    // Two at the same instant: the id breaks the tie.
    const twin = buildPushDelivery({ orgId, endpointId: endpoint.id, now: new Date(base + 3000) });
    twin.status = 'dead';
    for (const d of [...rows, twin]) await repo().saveDelivery(d);

    const all = await repo().deliveries(orgId, endpoint.id, { limit: 10 });
    const expected = [...rows, twin].sort(
      (a, b) => b.createdAt.getTime() - a.createdAt.getTime() || (a.id < b.id ? 1 : -1),
    );
    expect(all.map((d) => d.id)).toEqual(expected.map((d) => d.id));

    const first = await repo().deliveries(orgId, endpoint.id, { limit: 2 });
    const last = first[1]!;
    const next = await repo().deliveries(orgId, endpoint.id, {
      limit: 10,
      after: { createdAt: last.createdAt, id: last.id },
    });
    expect([...first, ...next].map((d) => d.id)).toEqual(expected.map((d) => d.id));

    const dead = await repo().deliveries(orgId, endpoint.id, { status: 'dead', limit: 10 });
    expect(dead.map((d) => d.id)).toEqual([twin.id]);
  });

  it('deletes one endpoint with its log, and purges an org’s rows table by table', async () => {
    const orgId = newOrgId();
    const otherOrg = newOrgId();
    const seed = async (org: string) => {
      const endpoint = buildPushEndpoint({ orgId: org });
      await repo().saveEndpoint(endpoint);
      const delivery = buildPushDelivery({ orgId: org, endpointId: endpoint.id });
      await repo().recordAttempt(
        delivery,
        buildPushAttempt({ orgId: org, endpointId: endpoint.id, deliveryId: delivery.id }),
      );
      return endpoint;
    };
    const gone = await seed(orgId);
    const kept = await seed(orgId);
    const elsewhere = await seed(otherOrg);

    expect(await repo().deleteEndpoint(orgId, gone.id)).toBe(true);
    expect(await repo().deleteEndpoint(orgId, gone.id)).toBe(false);
    expect(await repo().deleteEndpoint(orgId, elsewhere.id)).toBe(false);
    expect(await repo().deliveries(orgId, gone.id, { limit: 10 })).toEqual([]);
    expect(await repo().deliveries(orgId, kept.id, { limit: 10 })).toHaveLength(1);

    expect(await repo().purgeOrgAttempts(orgId)).toBe(1);
    expect(await repo().purgeOrgDeliveries(orgId)).toBe(1);
    // Receivers are Rox's configuration: a disconnect purges their log, not them.
    expect((await repo().endpoints(orgId)).map((e) => e.id)).toEqual([kept.id]);
    expect(await repo().deliveries(orgId, kept.id, { limit: 10 })).toEqual([]);
    expect(await repo().endpoints(otherOrg)).toHaveLength(1);
    expect(await repo().deliveries(otherOrg, elsewhere.id, { limit: 10 })).toHaveLength(1);
  });
});
