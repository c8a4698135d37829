import { type MikroORM } from '@mikro-orm/postgresql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { buildMemberOverride, buildOrgwideSettings } from '../../test/factories/consent.factory';
import { FACTORY_NOW } from '../../test/factories/member.factory';
import { openTestOrm } from '../../test/factories/test-orm';
import { newOrgId } from '../../test/support/test-env';
import { OrgwideSettingsRepository } from './orgwide-settings.repository';

describe('OrgwideSettingsRepository on Postgres', () => {
  let orm: MikroORM;
  const repo = () => new OrgwideSettingsRepository(orm.em.fork());

  beforeAll(async () => {
    orm = await openTestOrm();
  });
  afterAll(() => orm.close(true));

  it('stores one settings row per org and saves its changes', async () => {
    const orgId = newOrgId();
    expect(await repo().find(orgId)).toBeNull();
    await repo().save(
      buildOrgwideSettings({ orgId, restrictedDomains: ['contoso.com'], tenant: 'contoso.com' }),
    );
    const scoped = repo();
    const settings = await scoped.find(orgId);
    expect(settings).toMatchObject({ restrictedDomains: ['contoso.com'], calendarAccess: 'read' });
    settings!.disconnectedAt = FACTORY_NOW;
    await scoped.save(settings!);
    expect((await repo().find(orgId))?.disconnectedAt).toEqual(FACTORY_NOW);
    expect(await repo().find(newOrgId())).toBeNull();
  });

  it('lists, finds, removes and purges member overrides within the org only', async () => {
    const orgId = newOrgId();
    const otherOrg = newOrgId();
    for (const roxUserId of ['u_b', 'u_a', 'u_c']) {
      await repo().save(buildMemberOverride({ orgId, roxUserId }));
    }
    await repo().save(buildMemberOverride({ orgId: otherOrg, roxUserId: 'u_a' }));
    expect((await repo().overrides(orgId)).map((o) => o.roxUserId)).toEqual(['u_a', 'u_b', 'u_c']);
    const scoped = repo();
    const b = await scoped.findOverride(orgId, 'u_b');
    expect(b?.calendarAccess).toBe('off');
    await scoped.removeOverride(b!);
    expect(await repo().purgeMemberOverride(orgId, 'u_a')).toBe(1);
    expect(await repo().purgeMemberOverride(orgId, 'u_a')).toBe(0);
    expect((await repo().overrides(orgId)).map((o) => o.roxUserId)).toEqual(['u_c']);
    expect(await repo().findOverride(otherOrg, 'u_a')).not.toBeNull();
  });
});
