import { getQueueToken } from '@nestjs/bull';
import { type Queue } from 'bull';
import { Client } from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { DEMO_FABRIKAM_TENANT, DEMO_TENANT } from '@rox365/m365-emulator';

import { CONSENT_JOB } from '../../src/consent/consent.constants';
import { recheckJobId } from '../../src/consent/permission-recheck.service';
import { QUEUE } from '../../src/platform/queue/queue-names';
import { calendarSettled } from '../support/calendar-env';
import { mailboxesSettled } from '../support/directory-env';
import { startApiWithEmulator, type ApiWithEmulator } from '../support/emulator';
import { mailCycle } from '../support/mail-env';
import {
  auditActions,
  connectOrg,
  orgTokens,
  seedMembers,
  status,
  type OrgTokens,
} from '../support/orgwide';
import { eventually } from '../support/test-app';
import { testDatabaseUrl } from '../support/test-database';
import { newOrgId } from '../support/test-env';

// What a disconnect keeps on purpose: Rox's own members and audit trail, the admin's settings
// (so reconnecting needs no retyping) and the individual connections' history.
const KEPT_TABLES = new Set([
  'member',
  'audit_entry',
  'orgwide_settings',
  'orgwide_member_override',
  'individual_connection',
  // Members' scope rows are recomputed right after the purge: they say "not connected" and hold
  // nothing of the tenant (checked below).
  'mailbox',
]);

async function rowsPerTable(db: Client, orgId: string): Promise<Record<string, number>> {
  const tables = await db.query<{ table_name: string }>(
    `select table_name from information_schema.columns
      where table_schema = 'public' and column_name = 'org_id' order by table_name`,
  );
  const counts: Record<string, number> = {};
  for (const { table_name: table } of tables.rows) {
    const res = await db.query<{ n: string }>(
      `select count(*) as n from "${table}" where org_id = $1`,
      [orgId],
    );
    counts[table] = Number(res.rows[0]?.n ?? 0);
  }
  return counts;
}

describe('disconnect', () => {
  let env: ApiWithEmulator;
  let db: Client;
  let orgA: OrgTokens;
  let orgB: OrgTokens;

  beforeAll(async () => {
    env = await startApiWithEmulator();
    db = new Client({ connectionString: testDatabaseUrl() });
    await db.connect();
    orgA = await orgTokens(env, newOrgId('a'));
    orgB = await orgTokens(env, newOrgId('b'));
    // A tenant holds one org: A connects Contoso, B connects Fabrikam.
    const tenants = [
      {
        org: orgA,
        tenant: DEMO_TENANT.initialDomain,
        admin: DEMO_TENANT.users.admin,
        member: DEMO_TENANT.users.member,
      },
      {
        org: orgB,
        tenant: DEMO_FABRIKAM_TENANT.initialDomain,
        admin: DEMO_FABRIKAM_TENANT.users.admin,
        member: DEMO_FABRIKAM_TENANT.users.member,
      },
    ];
    for (const { org, tenant, admin, member } of tenants) {
      await seedMembers(env, org, [
        { roxUserId: 'adm', email: admin, role: 'admin' },
        { roxUserId: 'megan', email: member },
      ]);
      const pending = await env.api
        .http()
        .post('/api/v1/individual-connections')
        .set(
          'authorization',
          `Bearer ${await env.api.tokenFor({ roxUserId: 'megan', orgId: org.orgId, role: 'member' })}`,
        )
        .send({ provider: 'microsoft', kind: 'calendar' });
      expect(pending.status).toBe(200);
      expect(
        await connectOrg(env, org, { settings: { emailAccess: 'read', tenant }, user: admin }),
      ).toBe('connected');
      const override = await env.api
        .http()
        .put('/api/v1/orgwide/overrides/megan')
        .set('authorization', `Bearer ${org.admin}`)
        .send({ calendarAccess: 'read_write', emailAccess: null });
      expect(override.status).toBe(200);
    }
    // Whatever other features sync on connect runs in the worker; let it settle first.
    await env.api.startWorker();
    for (const org of [orgA, orgB]) {
      await eventually(async () => {
        const res = await env.api
          .http()
          .get('/api/v1/orgwide/status')
          .set('authorization', `Bearer ${org.admin}`);
        return !['queued', 'running'].includes(res.body.directory.state as string);
      });
      // The mailbox rows, then the first calendar and mail rounds they start.
      await mailboxesSettled(env, org.orgId);
      await mailCycle(env, org, ['adm', 'megan']);
      await calendarSettled(env, org.orgId);
    }
  });
  afterAll(async () => {
    await db.end();
    await env.close();
  });

  it('stops the org’s jobs, purges its synced data, keeps settings, and leaves another org untouched', async () => {
    const beforeA = await rowsPerTable(db, orgA.orgId);
    const beforeB = await rowsPerTable(db, orgB.orgId);
    expect(beforeA.orgwide_connection).toBe(1);
    expect(beforeA.auth_state).toBeGreaterThanOrEqual(1);

    // A delayed re-check (as a retry would leave) must not survive the disconnect.
    const queue = env.api.app.get<Queue>(getQueueToken(QUEUE.consent));
    await queue.add(
      CONSENT_JOB.recheckPermissions,
      { orgId: orgA.orgId },
      { jobId: recheckJobId(orgA.orgId), delay: 3_600_000 },
    );
    expect(await queue.getJob(recheckJobId(orgA.orgId))).not.toBeNull();

    const res = await env.api
      .http()
      .delete('/api/v1/orgwide/connection')
      .set('authorization', `Bearer ${orgA.admin}`);
    expect(res.status).toBe(200);
    const receipt = res.body as {
      tenantId: string;
      removed: Record<string, number>;
      totalRemoved: number;
      entraSteps: string[];
    };
    expect(receipt.removed.orgwide_connection).toBe(1);
    expect(receipt.removed.auth_state).toBe(beforeA.auth_state);
    expect(receipt.totalRemoved).toBe(
      Object.values(receipt.removed).reduce((sum, n) => sum + n, 0),
    );
    expect(receipt.entraSteps.join('\n')).toContain('Rox Orgwide Integration');
    expect(receipt.entraSteps.join('\n')).toContain('Enterprise apps');
    expect(await queue.getJob(recheckJobId(orgA.orgId))).toBeNull();

    // Every org-scoped table is empty for A, except what is kept on purpose.
    const afterA = await rowsPerTable(db, orgA.orgId);
    for (const [table, count] of Object.entries(afterA)) {
      if (KEPT_TABLES.has(table)) continue;
      expect(count, table).toBe(0);
      // The receipt accounts for every purged row.
      expect(receipt.removed[table] ?? 0, table).toBe(beforeA[table]);
    }
    expect(afterA.orgwide_settings).toBe(1);
    expect(afterA.orgwide_member_override).toBe(1);
    expect(receipt.removed.mailbox, 'the rows of the connected org were purged').toBe(
      beforeA.mailbox,
    );
    const leftover = await db.query(
      `select count(*)::int as n from mailbox
        where org_id = $1 and (directory_user_id is not null or directory_upn is not null
          or probe is not null or calendar_in_scope or mail_in_scope)`,
      [orgA.orgId],
    );
    expect(leftover.rows[0].n).toBe(0);

    // B lost nothing.
    const afterB = await rowsPerTable(db, orgB.orgId);
    for (const [table, count] of Object.entries(beforeB)) {
      expect(afterB[table] ?? 0, table).toBeGreaterThanOrEqual(count);
    }
    expect((await status(env, orgB.admin)).state).toBe('connected');

    const st = await status(env, orgA.admin);
    expect(st).toMatchObject({ state: 'disconnected', tenantId: receipt.tenantId });
    const [audit] = await auditActions(env, orgA, 'orgwide.disconnected');
    expect(audit?.details).toMatchObject({
      removed: receipt.removed,
      totalRemoved: receipt.totalRemoved,
    });

    // Individual connections are possible again; the kept settings allow a reconnect.
    const individual = await env.api
      .http()
      .post('/api/v1/individual-connections')
      .set(
        'authorization',
        `Bearer ${await env.api.tokenFor({ roxUserId: 'megan', orgId: orgA.orgId, role: 'member' })}`,
      )
      .send({ provider: 'microsoft', kind: 'mail' });
    expect(individual.status).toBe(200);
    expect(await connectOrg(env, orgA)).toBe('connected');
    expect((await status(env, orgA.admin)).state).toBe('connected');
  });

  it('refuses a second disconnect with a problem', async () => {
    const org = await orgTokens(env, newOrgId('none'));
    const res = await env.api
      .http()
      .delete('/api/v1/orgwide/connection')
      .set('authorization', `Bearer ${org.admin}`);
    expect(res.status).toBe(409);
    expect(res.body.code).toBe('ORGWIDE_NOT_CONNECTED');
  });
});
