import { randomBytes } from 'node:crypto';

import { Client } from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { startApiWithEmulator, type ApiWithEmulator } from '../support/emulator';
import { orgTokens, saveSettings, seedMembers, type OrgTokens } from '../support/orgwide';
import { testDatabaseUrl } from '../support/test-database';
import { newOrgId } from '../support/test-env';

// Every audited change commits with its audit entry or not at all. The audit insert is made to
// fail for real, in PostgreSQL: a trigger of this file's own refuses entries of one org.
describe('audited writes commit together with their audit entry', () => {
  let env: ApiWithEmulator;
  let db: Client;
  let broken: OrgTokens;
  let healthy: OrgTokens;
  const trigger = `test_refuse_audit_${randomBytes(4).toString('hex')}`;

  const http = () => env.api.http();
  const as = (token: string) => `Bearer ${token}`;

  async function auditRows(orgId: string, action: string): Promise<Record<string, unknown>[]> {
    const res = await db.query(
      'select action, details from audit_entry where org_id = $1 and action = $2 order by id',
      [orgId, action],
    );
    return res.rows as Record<string, unknown>[];
  }

  beforeAll(async () => {
    env = await startApiWithEmulator();
    db = new Client({ connectionString: testDatabaseUrl() });
    await db.connect();
    broken = await orgTokens(env, newOrgId('broken'));
    healthy = await orgTokens(env, newOrgId('healthy'));
    for (const org of [broken, healthy]) {
      await seedMembers(env, org, [{ roxUserId: 'u-ada', email: 'ada@contoso.com' }]);
      await saveSettings(env, org);
    }
    // Org ids are plain [a-z0-9_] (newOrgId), safe to inline in the function body.
    await db.query(
      `create function ${trigger}() returns trigger language plpgsql as $$
       begin
         if new.org_id = '${broken.orgId}' then raise exception 'audit refused by test'; end if;
         return new;
       end $$`,
    );
    await db.query(
      `create trigger ${trigger} before insert on audit_entry for each row execute function ${trigger}()`,
    );
  });
  afterAll(async () => {
    await db.query(`drop trigger if exists ${trigger} on audit_entry`);
    await db.query(`drop function if exists ${trigger}()`);
    await db.end();
    await env.close();
  });

  it('a member update whose audit fails is not saved (PUT /members/{id})', async () => {
    const res = await http()
      .put('/api/v1/members/u-ada')
      .set('authorization', as(broken.service))
      .send({ email: 'ada@contoso.com', displayName: 'Ada Lovelace', role: 'admin' });
    expect(res.status).toBe(500);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);

    const member = await http().get('/api/v1/members/u-ada').set('authorization', as(broken.admin));
    expect(member.body).toMatchObject({ displayName: 'u-ada', role: 'member' });
    expect(await auditRows(broken.orgId, 'members.update')).toEqual([]);
  });

  it('a member create or delete whose audit fails leaves no trace either', async () => {
    const created = await http()
      .put('/api/v1/members/u-new')
      .set('authorization', as(broken.service))
      .send({ email: 'new@contoso.com', displayName: 'New', role: 'member' });
    expect(created.status).toBe(500);
    const missing = await http()
      .get('/api/v1/members/u-new')
      .set('authorization', as(broken.admin));
    expect(missing.status).toBe(404);

    const removed = await http()
      .delete('/api/v1/members/u-ada')
      .set('authorization', as(broken.service));
    expect(removed.status).toBe(500);
    const still = await http().get('/api/v1/members/u-ada').set('authorization', as(broken.admin));
    expect(still.status).toBe(200);
    expect(await auditRows(broken.orgId, 'members.create')).toHaveLength(1); // the seed, before
    expect(await auditRows(broken.orgId, 'members.delete')).toEqual([]);
  });

  it('a settings update and an override whose audit fails are not saved', async () => {
    const before = await http()
      .get('/api/v1/orgwide/settings')
      .set('authorization', as(broken.admin));
    expect(before.body.calendarAccess).toBe('read');
    const res = await http()
      .put('/api/v1/orgwide/settings')
      .set('authorization', as(broken.admin))
      .send({ ...pick(before.body), calendarAccess: 'read_write', emailAccess: 'read' });
    expect(res.status).toBe(500);

    const after = await http()
      .get('/api/v1/orgwide/settings')
      .set('authorization', as(broken.admin));
    expect(after.body).toMatchObject({ calendarAccess: 'read', emailAccess: 'metadata' });
    expect(after.body.updatedAt).toBe(before.body.updatedAt);
    expect(await auditRows(broken.orgId, 'orgwide.settings-updated')).toHaveLength(1);

    const override = await http()
      .put('/api/v1/orgwide/overrides/u-ada')
      .set('authorization', as(broken.admin))
      .send({ calendarAccess: 'off', emailAccess: null });
    expect(override.status).toBe(500);
    const overrides = await http()
      .get('/api/v1/orgwide/settings')
      .set('authorization', as(broken.admin));
    expect(overrides.body.overrides).toEqual([]);
    expect(await auditRows(broken.orgId, 'orgwide.override-set')).toEqual([]);
  });

  it('an individual connection whose audit fails is not created', async () => {
    // The member's Rox email comes with their token (no member row: its audit would fail too).
    const member = await env.api.tokenFor({
      roxUserId: 'mem',
      orgId: broken.orgId,
      role: 'member',
      email: 'megan.bowen@contoso.com',
    });
    const res = await http()
      .post('/api/v1/individual-connections')
      .set('authorization', as(member))
      .send({ provider: 'microsoft', kind: 'calendar' });
    expect(res.status).toBe(500);
    const rows = await db.query('select 1 from individual_connection where org_id = $1', [
      broken.orgId,
    ]);
    expect(rows.rowCount).toBe(0);
  });

  it('writes both the change and its entry when the audit works', async () => {
    const member = await http()
      .put('/api/v1/members/u-ada')
      .set('authorization', as(healthy.service))
      .send({ email: 'ada@contoso.com', displayName: 'Ada Lovelace', role: 'admin' });
    expect(member.status).toBe(200);
    expect(member.body.displayName).toBe('Ada Lovelace');
    expect(await auditRows(healthy.orgId, 'members.update')).toEqual([
      {
        action: 'members.update',
        details: {
          before: { email: 'ada@contoso.com', displayName: 'u-ada', role: 'member' },
          after: { email: 'ada@contoso.com', displayName: 'Ada Lovelace', role: 'admin' },
        },
      },
    ]);

    const before = await http()
      .get('/api/v1/orgwide/settings')
      .set('authorization', as(healthy.admin));
    const settings = await http()
      .put('/api/v1/orgwide/settings')
      .set('authorization', as(healthy.admin))
      .send({ ...pick(before.body), calendarAccess: 'read_write' });
    expect(settings.status).toBe(200);
    expect(settings.body.calendarAccess).toBe('read_write');
    const entries = await auditRows(healthy.orgId, 'orgwide.settings-updated');
    expect(entries).toHaveLength(2);
    expect(entries[1]?.details).toMatchObject({
      before: { calendarAccess: 'read' },
      after: { calendarAccess: 'read_write' },
    });
  });

  it('the audit table stays append-only', async () => {
    await expect(
      db.query(`update audit_entry set action = 'rewritten' where org_id = $1`, [healthy.orgId]),
    ).rejects.toThrow(/append-only/);
  });
});

// The writable part of GET /orgwide/settings.
function pick(settings: Record<string, unknown>) {
  const { calendarAccess, emailAccess, restrictedDomains, restrictedUsers, tenant } = settings;
  return { calendarAccess, emailAccess, restrictedDomains, restrictedUsers, tenant };
}
