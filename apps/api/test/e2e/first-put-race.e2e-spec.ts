import { Client } from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { DEMO_TENANT } from '@rox365/m365-emulator';

import { startApiWithEmulator, type ApiWithEmulator } from '../support/emulator';
import { orgTokens, seedMembers, type OrgTokens } from '../support/orgwide';
import { eventually } from '../support/test-app';
import { testDatabaseUrl } from '../support/test-database';
import { newOrgId } from '../support/test-env';

// A create-or-replace reads "no row", then inserts. Another request's insert of the same key in
// between is made certain here: a transaction of this file inserts the row first and commits only
// once the API's insert waits on it. Before, the API answered that race with a 500.
describe('two first PUTs of one resource', () => {
  let env: ApiWithEmulator;
  let db: Client;
  let org: OrgTokens;

  const http = () => env.api.http();
  const as = (token: string) => `Bearer ${token}`;

  // Runs `statements` in a transaction held open until a statement of the API's starting with
  // `waiting` waits on a lock it holds, then commits; answers what `request` answered.
  async function racedBy<T>(
    waiting: string,
    statements: { sql: string; params: unknown[] }[],
    request: () => PromiseLike<T>,
  ): Promise<T> {
    const held = new Client({ connectionString: testDatabaseUrl() });
    await held.connect();
    try {
      await held.query('begin');
      for (const statement of statements) await held.query(statement.sql, statement.params);
      const answer = Promise.resolve(request());
      await eventually(
        async () => {
          const blocked = await db.query(
            `select count(*)::int as n from pg_stat_activity
              where datname = current_database() and wait_event_type = 'Lock' and query like $1`,
            [`${waiting}%`],
          );
          return (blocked.rows[0] as { n: number }).n > 0 ? true : null;
        },
        { attempts: 200, intervalMs: 25 },
      );
      await held.query('commit');
      return await answer;
    } finally {
      await held.end();
    }
  }

  async function auditActions(target: string): Promise<string[]> {
    const res = await db.query(
      `select action from audit_entry where org_id = $1 and target_id = $2 order by id`,
      [org.orgId, target],
    );
    return res.rows.map((r: { action: string }) => r.action);
  }

  beforeAll(async () => {
    env = await startApiWithEmulator();
    db = new Client({ connectionString: testDatabaseUrl() });
    await db.connect();
    org = await orgTokens(env, newOrgId('race'));
    await seedMembers(env, org, [{ roxUserId: 'u-admin', email: 'admin@contoso.com' }]);
  });
  afterAll(async () => {
    await db.end();
    await env.close();
  });

  it('PUT /members/{id}: the request that lost the insert updates the row that won (200)', async () => {
    const res = await racedBy(
      'insert into "member"',
      [
        {
          sql: `insert into member (org_id, rox_user_id, email, email_normalized, display_name, role,
                                    created_at, updated_at)
                values ($1, 'u-race', 'first@contoso.com', 'first@contoso.com', 'First', 'member',
                        now(), now())`,
          params: [org.orgId],
        },
      ],
      () =>
        http()
          .put('/api/v1/members/u-race')
          .set('authorization', as(org.service))
          .send({ email: 'second@contoso.com', displayName: 'Second', role: 'member' }),
    );
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body).toMatchObject({ roxUserId: 'u-race', displayName: 'Second' });
    const stored = await http().get('/api/v1/members/u-race').set('authorization', as(org.admin));
    expect(stored.body).toMatchObject({ email: 'second@contoso.com', displayName: 'Second' });
    // The row the other transaction made is not the API's create; its change is audited once.
    expect(await auditActions('u-race')).toEqual(['members.update']);
  });

  it('PUT /orgwide/overrides/{id}: the same, for a member override', async () => {
    await seedMembers(env, org, [{ roxUserId: 'u-override', email: 'override@contoso.com' }]);
    const res = await racedBy(
      'insert into "orgwide_member_override"',
      [
        {
          sql: `insert into orgwide_member_override (org_id, rox_user_id, calendar_access, email_access,
                                                     updated_at)
                values ($1, 'u-override', 'off', 'off', now())`,
          params: [org.orgId],
        },
      ],
      () =>
        http()
          .put('/api/v1/orgwide/overrides/u-override')
          .set('authorization', as(org.admin))
          .send({ calendarAccess: 'read', emailAccess: null }),
    );
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    const settings = await http()
      .get('/api/v1/orgwide/settings')
      .set('authorization', as(org.admin));
    expect(JSON.stringify(settings.body)).toContain('u-override');
    const row = await db.query(
      `select calendar_access, email_access from orgwide_member_override
        where org_id = $1 and rox_user_id = 'u-override'`,
      [org.orgId],
    );
    expect(row.rows).toEqual([{ calendar_access: 'read', email_access: null }]);
  });

  it('PUT /orgwide/settings: the same, for the first settings of an org', async () => {
    const res = await racedBy(
      'insert into "orgwide_settings"',
      [
        {
          sql: `insert into orgwide_settings (org_id, calendar_access, email_access, restricted_domains,
                                              restricted_users, tenant, tenant_id, created_at, updated_at)
                values ($1, 'off', 'off', '[]', '[]', $2, $3, now(), now())`,
          params: [org.orgId, DEMO_TENANT.initialDomain, DEMO_TENANT.id],
        },
      ],
      () =>
        http().put('/api/v1/orgwide/settings').set('authorization', as(org.admin)).send({
          calendarAccess: 'read',
          emailAccess: 'metadata',
          tenant: DEMO_TENANT.initialDomain,
        }),
    );
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body).toMatchObject({ calendarAccess: 'read', emailAccess: 'metadata' });
  });

  it('PUT /members/{id} of an email another request is giving a member: 409 once that commits', async () => {
    const email = 'shared@contoso.com';
    const res = await racedBy(
      'select pg_advisory_xact_lock',
      [
        {
          // What the API's own write of that email holds, then the member it writes.
          sql: `select pg_advisory_xact_lock(hashtext($1))`,
          params: [`member_email:${org.orgId}:${email}`],
        },
        {
          sql: `insert into member (org_id, rox_user_id, email, email_normalized, display_name, role,
                                    created_at, updated_at)
                values ($1, 'u-first', $2, $2, 'First', 'member', now(), now())`,
          params: [org.orgId, email],
        },
      ],
      () =>
        http()
          .put('/api/v1/members/u-second')
          .set('authorization', as(org.service))
          .send({ email, displayName: 'Second', role: 'member' }),
    );
    expect(res.status, JSON.stringify(res.body)).toBe(409);
    expect(res.body.code).toBe('MEMBER_EMAIL_TAKEN');
    const second = await http().get('/api/v1/members/u-second').set('authorization', as(org.admin));
    expect(second.status).toBe(404);
  });
});
