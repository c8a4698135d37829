import { type MikroORM } from '@mikro-orm/postgresql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { buildAuthState } from '../../../test/factories/consent.factory';
import { FACTORY_NOW } from '../../../test/factories/member.factory';
import { openTestOrm } from '../../../test/factories/test-orm';
import { newOrgId } from '../../../test/support/test-env';
import { AuthStateRepository } from './auth-state.repository';

const later = (minutes: number) => new Date(FACTORY_NOW.getTime() + minutes * 60_000);

describe('AuthStateRepository on Postgres', () => {
  let orm: MikroORM;
  const repo = () => new AuthStateRepository(orm.em.fork());

  beforeAll(async () => {
    orm = await openTestOrm();
  });
  afterAll(() => orm.close(true));

  it('finds a state by the hash of what Microsoft sends back', async () => {
    const state = buildAuthState({ orgId: newOrgId() });
    await repo().add(state);
    expect((await repo().findByHash(state.stateHash))?.id).toBe(state.id);
    expect(await repo().findByHash('0'.repeat(64))).toBeNull();
  });

  it('marks a state used exactly once, even when two callbacks race', async () => {
    const state = buildAuthState({ orgId: newOrgId() });
    await repo().add(state);
    const results = await Promise.all([
      repo().markUsed(state.id, later(1)),
      repo().markUsed(state.id, later(1)),
      repo().markUsed(state.id, later(2)),
    ]);
    expect(results.filter(Boolean)).toHaveLength(1);
    expect((await repo().findByHash(state.stateHash))?.usedAt).not.toBeNull();
  });

  it('the pending state of a flow is the newest unused, unexpired one', async () => {
    const orgId = newOrgId();
    const older = buildAuthState({ orgId, now: later(0) });
    const newer = buildAuthState({ orgId, now: later(1) });
    const used = buildAuthState({ orgId, now: later(2) });
    const individual = buildAuthState({
      orgId,
      flow: 'individual',
      purpose: 'calendar',
      now: later(3),
    });
    for (const state of [older, newer, used, individual]) await repo().add(state);
    await repo().markUsed(used.id, later(2));

    expect((await repo().findPending(orgId, 'orgwide', later(5)))?.id).toBe(newer.id);
    expect((await repo().findPending(orgId, 'individual', later(5)))?.id).toBe(individual.id);
    // Ten minutes after `newer` was made, every org-wide state has expired.
    expect(await repo().findPending(orgId, 'orgwide', later(11))).toBeNull();
    expect(await repo().findPending(newOrgId(), 'orgwide', later(5))).toBeNull();
  });

  it('deletes the org’s states of one flow, or all of them', async () => {
    const orgId = newOrgId();
    const otherOrg = newOrgId();
    await repo().add(buildAuthState({ orgId }));
    await repo().add(buildAuthState({ orgId, stage: 'consent' }));
    await repo().add(buildAuthState({ orgId, flow: 'individual', purpose: 'mail' }));
    await repo().add(buildAuthState({ orgId: otherOrg }));
    expect(await repo().deleteForOrg(orgId, 'individual')).toBe(1);
    expect(await repo().deleteForOrg(orgId)).toBe(2);
    expect(await repo().deleteForOrg(otherOrg, 'orgwide')).toBe(1);
  });
});
