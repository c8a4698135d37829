import { type MikroORM } from '@mikro-orm/postgresql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { buildIndividualConnection } from '../../test/factories/consent.factory';
import { FACTORY_NOW } from '../../test/factories/member.factory';
import { openTestOrm } from '../../test/factories/test-orm';
import { newOrgId } from '../../test/support/test-env';
import { IndividualConnectionRepository } from './individual-connection.repository';

const later = (minutes: number) => new Date(FACTORY_NOW.getTime() + minutes * 60_000);

describe('IndividualConnectionRepository on Postgres', () => {
  let orm: MikroORM;
  const repo = () => new IndividualConnectionRepository(orm.em.fork());

  beforeAll(async () => {
    orm = await openTestOrm();
  });
  afterAll(() => orm.close(true));

  it('lists by org (and member) oldest first; active ones exclude superseded', async () => {
    const orgId = newOrgId();
    const first = buildIndividualConnection({ orgId, roxUserId: 'u_a', now: later(1) });
    const second = buildIndividualConnection({ orgId, roxUserId: 'u_b', now: later(2) });
    const third = buildIndividualConnection({
      orgId,
      roxUserId: 'u_a',
      kind: 'mail',
      now: later(3),
    });
    await repo().saveAll([third, first, second]);
    await repo().save(buildIndividualConnection({ orgId: newOrgId(), roxUserId: 'u_a' }));

    expect((await repo().list(orgId)).map((c) => c.id)).toEqual([first.id, second.id, third.id]);
    expect((await repo().list(orgId, 'u_a')).map((c) => c.id)).toEqual([first.id, third.id]);

    const scoped = repo();
    const [loaded] = await scoped.list(orgId, 'u_b');
    loaded!.supersede('settings changed', later(4));
    await scoped.save(loaded!);
    expect((await repo().listActive(orgId)).map((c) => c.id)).toEqual([first.id, third.id]);
  });

  it('names each org with a connected connection once, across orgs', async () => {
    const [withTwo, withPending, withSuperseded] = [newOrgId(), newOrgId(), newOrgId()];
    const account = (orgId: string, roxUserId: string, kind: 'calendar' | 'mail' = 'calendar') => {
      const c = buildIndividualConnection({ orgId, roxUserId, kind });
      c.restart('a@contoso.com', later(0));
      c.connect(
        { tenantId: 't', userId: `oid-${roxUserId}`, username: 'a@contoso.com', scopes: [] },
        kind === 'calendar' ? 'read' : 'metadata',
        later(1),
      );
      return c;
    };
    const superseded = account(withSuperseded, 'u_s');
    superseded.supersede('org-wide', later(2));
    await repo().saveAll([
      account(withTwo, 'u_a'),
      account(withTwo, 'u_a', 'mail'),
      account(withTwo, 'u_b'),
      buildIndividualConnection({ orgId: withPending, roxUserId: 'u_p' }),
      superseded,
    ]);
    const orgs = (await repo().orgsWithConnected()).map((o) => o.orgId);
    expect(orgs.filter((o) => o === withTwo)).toHaveLength(1);
    expect(orgs).not.toContain(withPending);
    expect(orgs).not.toContain(withSuperseded);
    expect(orgs).toEqual([...orgs].sort());
  });

  it('purges one member’s connections only', async () => {
    const orgId = newOrgId();
    await repo().saveAll([
      buildIndividualConnection({ orgId, roxUserId: 'u_a' }),
      buildIndividualConnection({ orgId, roxUserId: 'u_a', kind: 'mail' }),
      buildIndividualConnection({ orgId, roxUserId: 'u_b' }),
    ]);
    expect(await repo().purgeMember(orgId, 'u_a')).toBe(2);
    expect((await repo().list(orgId)).map((c) => c.roxUserId)).toEqual(['u_b']);
  });
});
