import { type MikroORM } from '@mikro-orm/postgresql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { buildMember, FACTORY_NOW } from '../../test/factories/member.factory';
import { openTestOrm } from '../../test/factories/test-orm';
import { newOrgId } from '../../test/support/test-env';
import { MemberRepository } from './member.repository';

describe('MemberRepository on Postgres', () => {
  let orm: MikroORM;
  const repo = () => new MemberRepository(orm.em.fork());

  beforeAll(async () => {
    orm = await openTestOrm();
  });
  afterAll(() => orm.close(true));

  it('finds a member by id and by email (any case), within the org only', async () => {
    const orgId = newOrgId();
    const otherOrg = newOrgId();
    const pat = buildMember({ orgId, roxUserId: 'u_pat', email: 'Pat.Doe@Contoso.com' });
    await repo().save(pat);
    await repo().save(
      buildMember({ orgId: otherOrg, roxUserId: 'u_pat', email: 'pat.doe@contoso.com' }),
    );

    expect((await repo().findOne(orgId, 'u_pat'))?.email).toBe('Pat.Doe@Contoso.com');
    expect((await repo().findByEmail(orgId, ' PAT.DOE@contoso.COM '))?.roxUserId).toBe('u_pat');
    expect(await repo().findOne(orgId, 'u_nobody')).toBeNull();
    expect(await repo().findByEmail(newOrgId(), 'pat.doe@contoso.com')).toBeNull();
  });

  it('pages by roxUserId and searches email and name, escaping LIKE wildcards', async () => {
    const orgId = newOrgId();
    for (const [id, name] of [
      ['u_a', 'Alex 100%'],
      ['u_b', 'Bo_Smith'],
      ['u_c', 'Cleo'],
      ['u_d', 'Dana'],
    ] as const) {
      await repo().save(buildMember({ orgId, roxUserId: id, displayName: name }));
    }
    const first = await repo().page(orgId, { limit: 2 });
    expect(first.map((m) => m.roxUserId)).toEqual(['u_a', 'u_b']);
    const next = await repo().page(orgId, { afterRoxUserId: 'u_b', limit: 2 });
    expect(next.map((m) => m.roxUserId)).toEqual(['u_c', 'u_d']);
    expect((await repo().page(orgId, { q: '%', limit: 10 })).map((m) => m.roxUserId)).toEqual([
      'u_a',
    ]);
    expect((await repo().page(orgId, { q: 'o_s', limit: 10 })).map((m) => m.roxUserId)).toEqual([
      'u_b',
    ]);
    expect((await repo().page(orgId, { q: 'CLEO', limit: 10 })).map((m) => m.roxUserId)).toEqual([
      'u_c',
    ]);
    expect(await repo().listAll(orgId)).toHaveLength(4);
  });

  it('saves changes and removes a member', async () => {
    const orgId = newOrgId();
    await repo().save(buildMember({ orgId, roxUserId: 'u_x' }));
    const em = orm.em.fork();
    const scoped = new MemberRepository(em);
    const member = await scoped.findOne(orgId, 'u_x');
    const later = new Date(FACTORY_NOW.getTime() + 60_000);
    expect(
      member!.update({ email: 'new@contoso.com', displayName: 'New', role: 'admin', now: later }),
    ).toBe(true);
    await scoped.save(member!);
    expect(await repo().findByEmail(orgId, 'NEW@contoso.com')).toMatchObject({
      role: 'admin',
      updatedAt: later,
    });
    await scoped.remove(member!);
    expect(await repo().findOne(orgId, 'u_x')).toBeNull();
  });
});
