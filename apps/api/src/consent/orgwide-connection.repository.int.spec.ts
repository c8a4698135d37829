import { randomUUID } from 'node:crypto';

import { type MikroORM } from '@mikro-orm/postgresql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { buildOrgwideConnection } from '../../test/factories/consent.factory';
import { openTestOrm } from '../../test/factories/test-orm';
import { newOrgId } from '../../test/support/test-env';
import { OrgwideConnectionRepository } from './orgwide-connection.repository';

describe('OrgwideConnectionRepository on Postgres', () => {
  let orm: MikroORM;
  const repo = () => new OrgwideConnectionRepository(orm.em.fork());

  beforeAll(async () => {
    orm = await openTestOrm();
  });
  afterAll(() => orm.close(true));

  it('one org per tenant: the unique index refuses a second org, whatever the case', async () => {
    const tenantId = randomUUID();
    const orgA = newOrgId();
    const orgB = newOrgId();
    expect(await repo().insert(buildOrgwideConnection({ orgId: orgA, tenantId }))).toBe(true);
    expect(
      await repo().insert(
        buildOrgwideConnection({ orgId: orgB, tenantId: tenantId.toUpperCase() }),
      ),
    ).toBe(false);
    expect((await repo().findByTenant(tenantId.toUpperCase()))?.orgId).toBe(orgA);
    expect(await repo().find(orgB)).toBeNull();
  });

  it('a refused insert leaves the caller’s transaction usable', async () => {
    const tenantId = randomUUID();
    await repo().insert(buildOrgwideConnection({ orgId: newOrgId(), tenantId }));
    const em = orm.em.fork();
    const orgC = newOrgId();
    await em.transactional(async (tx) => {
      const inTx = new OrgwideConnectionRepository(tx);
      expect(await inTx.insert(buildOrgwideConnection({ orgId: newOrgId(), tenantId }))).toBe(
        false,
      );
      expect(await inTx.insert(buildOrgwideConnection({ orgId: orgC }))).toBe(true);
    });
    expect(await repo().find(orgC)).not.toBeNull();
  });

  it('lists every connected org, saves a new grant and deletes one org’s connection', async () => {
    const orgId = newOrgId();
    await repo().insert(buildOrgwideConnection({ orgId }));
    expect((await repo().listAll()).map((c) => c.orgId)).toContain(orgId);
    const scoped = repo();
    const connection = await scoped.find(orgId);
    connection!.recordGrant(['User.Read.All'], new Date());
    await scoped.save(connection!);
    expect((await repo().find(orgId))?.grantedPermissions).toEqual(['User.Read.All']);
    expect(await repo().delete(orgId)).toBe(1);
    expect(await repo().delete(orgId)).toBe(0);
    expect((await repo().listAll()).map((c) => c.orgId)).not.toContain(orgId);
  });
});
