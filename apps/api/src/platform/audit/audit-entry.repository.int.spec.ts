import { type MikroORM } from '@mikro-orm/postgresql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { buildAuditEntry } from '../../../test/factories/audit-entry.factory';
import { openTestOrm } from '../../../test/factories/test-orm';
import { newOrgId } from '../../../test/support/test-env';
import { AuditEntryRepository } from './audit-entry.repository';

const at = (minute: number) => new Date(Date.UTC(2026, 10, 22, 4, minute));

describe('AuditEntryRepository on Postgres', () => {
  let orm: MikroORM;
  const repo = () => new AuditEntryRepository(orm.em.fork());

  beforeAll(async () => {
    orm = await openTestOrm();
  });
  afterAll(() => orm.close(true));

  async function seed(orgId: string) {
    const entries = [
      buildAuditEntry({ orgId, action: 'orgwide.connected', createdAt: at(1) }),
      buildAuditEntry({ orgId, action: 'orgwide.settings-updated', createdAt: at(2) }),
      buildAuditEntry({ orgId, action: 'directory.synced', actorId: 'system', createdAt: at(3) }),
      buildAuditEntry({ orgId, action: 'orgwide_x.other', createdAt: at(4) }),
    ];
    for (const entry of entries) await repo().append(entry);
    return entries;
  }

  it('appends with increasing ids and lists newest first, keyset by id', async () => {
    const orgId = newOrgId();
    const entries = await seed(orgId);
    const ids = entries.map((e) => BigInt(e.id));
    expect([...ids].sort((a, b) => (a < b ? -1 : 1))).toEqual(ids);
    const page = await repo().list({ orgId, limit: 2 });
    expect(page.map((e) => e.action)).toEqual(['orgwide_x.other', 'directory.synced']);
    const next = await repo().list({ orgId, beforeId: page[1]!.id, limit: 10 });
    expect(next.map((e) => e.action)).toEqual(['orgwide.settings-updated', 'orgwide.connected']);
    // Plain rows with the entity's types: the id as a string, the time as a Date, details parsed.
    expect(page[0]).toEqual({ ...entries[3] });
    expect(typeof page[0]?.id).toBe('string');
    expect(page[0]?.createdAt).toBeInstanceOf(Date);
  });

  it('filters by action (exact or a prefix with .*, LIKE characters literal), actor and time', async () => {
    const orgId = newOrgId();
    await seed(orgId);
    const actions = async (filter: Parameters<AuditEntryRepository['list']>[0]) =>
      (await repo().list(filter)).map((e) => e.action);
    expect(await actions({ orgId, action: 'orgwide.*', limit: 10 })).toEqual([
      'orgwide.settings-updated',
      'orgwide.connected',
    ]);
    expect(await actions({ orgId, action: 'directory.synced', limit: 10 })).toEqual([
      'directory.synced',
    ]);
    expect(await actions({ orgId, actorId: 'system', limit: 10 })).toEqual(['directory.synced']);
    expect(await actions({ orgId, from: at(2), to: at(3), limit: 10 })).toEqual([
      'directory.synced',
      'orgwide.settings-updated',
    ]);
    expect(await actions({ orgId: newOrgId(), limit: 10 })).toEqual([]);
  });

  it('the table refuses UPDATE; purging an org removes only its entries', async () => {
    const orgId = newOrgId();
    const otherOrg = newOrgId();
    await seed(orgId);
    await seed(otherOrg);
    await expect(
      orm.em
        .fork()
        .getConnection()
        .execute(`update audit_entry set action = 'tampered' where org_id = ?`, [orgId]),
    ).rejects.toThrow();
    expect(await repo().purgeOrg(orgId)).toBe(4);
    expect(await repo().list({ orgId: otherOrg, limit: 10 })).toHaveLength(4);
  });
});
