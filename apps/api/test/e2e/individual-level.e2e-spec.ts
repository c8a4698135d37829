import { MikroORM } from '@mikro-orm/postgresql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { DEMO_TENANT } from '@rox365/m365-emulator';

import { MailboxesScheduler } from '../../src/mailboxes/mailboxes.scheduler';
import { mailboxesSettled } from '../support/directory-env';
import { startApiWithEmulator, type ApiWithEmulator } from '../support/emulator';
import {
  addMember,
  finishAtApi,
  microsoftSignIn,
  myConnections,
  startIndividual,
  type MicrosoftStep,
  type TestMember,
} from '../support/individual';
import { auditActions, orgTokens } from '../support/orgwide';
import { newOrgId } from '../support/test-env';

type Kind = 'calendar' | 'mail';

interface Scope {
  configured: string;
  effective: string;
  inScope: boolean;
  reason: string | null;
}

// The level a member's own connection runs at changes only when a verified sign-in grants it:
// an upgrade cancelled or refused at Microsoft leaves the level, and what Rox allows, as it was.
describe('the level of an individual connection', () => {
  let env: ApiWithEmulator;

  beforeAll(async () => {
    env = await startApiWithEmulator();
  });
  afterAll(() => env.close());

  const http = () => env.api.http();

  /** Connect at a level → Microsoft's pages (the step given) → the API's callback. */
  async function connectAt(
    member: TestMember,
    kind: Kind,
    level: string,
    step: MicrosoftStep = { action: 'accept' },
  ) {
    const start = await startIndividual(env, member, kind, level);
    expect(start.status, JSON.stringify(start.body)).toBe(200);
    const { callback } = await microsoftSignIn(start.authorizeUrl, member.email, step);
    return finishAtApi(callback, start.cookie);
  }

  /** Connect at a level, and Microsoft refuses it (access_denied, not a cancel). */
  async function deniedAt(member: TestMember, kind: Kind, level: string) {
    const start = await startIndividual(env, member, kind, level);
    expect(start.status, JSON.stringify(start.body)).toBe(200);
    const callback = new URL(`${env.apiUrl}/api/v1/individual-connections/callback`);
    callback.searchParams.set('state', new URL(start.authorizeUrl).searchParams.get('state') ?? '');
    callback.searchParams.set('error', 'access_denied');
    callback.searchParams.set(
      'error_description',
      'AADSTS50105: Your administrator has configured the application to block users unless they are specifically granted access.',
    );
    return finishAtApi(callback, start.cookie);
  }

  /** Megan in a tenant of her own, with the admin consent workflow on, as a member of a new org. */
  async function meganInNewTenant(domain: string, userConsent: 'allowed' | 'notAllowed') {
    await env.emu.control.createTenant({
      domain,
      people: 'contoso',
      users: 29,
      consentPolicy: { userConsent, adminConsentWorkflow: true },
    });
    const tenant = `${domain}.com`;
    const o = await orgTokens(env, newOrgId(domain.slice(0, 6)));
    return { tenant, member: await addMember(env, o.orgId, 'megan', `megan.bowen@${tenant}`) };
  }

  async function connection(member: TestMember, kind: Kind) {
    const found = (await myConnections(env, member)).find((c) => c.kind === kind);
    expect(found, kind).toBeDefined();
    return found as { status: string; level: string | null; scopes: string[] };
  }

  async function scope(member: TestMember, kind: Kind): Promise<Scope & { route: string }> {
    const res = await http()
      .get('/api/v1/orgwide/members/me')
      .set('authorization', `Bearer ${member.token}`);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    return { ...(res.body[kind] as Scope), route: res.body.route as string };
  }

  it('a cancelled or refused calendar upgrade keeps read; writes stay refused until one completes', async () => {
    const o = await orgTokens(env, newOrgId('lvlcal'));
    const member = await addMember(env, o.orgId, 'megan', DEMO_TENANT.users.member);
    const day = 86_400_000;
    let n = 0;
    const write = () =>
      http()
        .post('/api/v1/calendar/members/megan/events')
        .set('authorization', `Bearer ${member.token}`)
        .send({
          idempotencyKey: `level-${Date.now()}-${(n += 1)}`,
          subject: 'Booked from Rox',
          start: new Date(Date.now() + 2 * day).toISOString(),
          end: new Date(Date.now() + 2 * day + 3_600_000).toISOString(),
        });

    expect((await connectAt(member, 'calendar', 'read')).outcome).toBe('connected');
    // Refused up front (not accepted, then failed at Graph), at the level the status shows.
    const readOnly = async () => {
      const refused = await write();
      expect(refused.status, JSON.stringify(refused.body)).toBe(403);
      expect(refused.body.code).toBe('CALENDAR_READ_ONLY');
      expect(await scope(member, 'calendar')).toMatchObject({
        route: 'individual',
        configured: 'read',
        effective: 'read',
        inScope: true,
      });
      expect(await connection(member, 'calendar')).toMatchObject({
        status: 'connected',
        level: 'read',
      });
      expect((await connection(member, 'calendar')).scopes).not.toContain('Calendars.ReadWrite');
    };
    await readOnly();

    // Two-way asked for, then cancelled on Microsoft's consent page.
    const cancelled = await connectAt(member, 'calendar', 'read_write', { action: 'cancel' });
    expect(cancelled).toMatchObject({ outcome: 'cancelled', code: 'AADSTS65004' });
    await readOnly();
    const [outcome] = (await auditActions(env, o, 'individual-connections.sign-in-outcome')).filter(
      (e) => e.details.outcome === 'cancelled',
    );
    expect(outcome?.details).toMatchObject({ level: 'read', requestedLevel: 'read_write' });

    // Refused by Microsoft.
    expect((await deniedAt(member, 'calendar', 'read_write')).outcome).toBe('denied');
    await readOnly();

    // Granted: the level, the member's scope and writes follow.
    expect((await connectAt(member, 'calendar', 'read_write')).outcome).toBe('connected');
    expect(await connection(member, 'calendar')).toMatchObject({
      status: 'connected',
      level: 'read_write',
    });
    expect((await connection(member, 'calendar')).scopes).toContain('Calendars.ReadWrite');
    expect(await scope(member, 'calendar')).toMatchObject({
      configured: 'read_write',
      effective: 'read_write',
      inScope: true,
    });
    const accepted = await write();
    expect(accepted.status, JSON.stringify(accepted.body)).toBe(202);
  });

  it('a cancelled mail upgrade keeps read; sending stays refused until one completes', async () => {
    const o = await orgTokens(env, newOrgId('lvlmail'));
    const member = await addMember(env, o.orgId, 'alex', 'alex.wilber@contoso.com');
    let n = 0;
    const send = () =>
      http()
        .post('/api/v1/mail/sends')
        .set('authorization', `Bearer ${o.service}`)
        .send({
          roxUserId: 'alex',
          idempotencyKey: `level-${Date.now()}-${(n += 1)}`,
          to: ['zoe@customer.example'],
          subject: 'From Rox',
          body: { contentType: 'text', content: 'Hello' },
        });

    expect((await connectAt(member, 'mail', 'read')).outcome).toBe('connected');
    const noSend = async () => {
      const refused = await send();
      expect(refused.status, JSON.stringify(refused.body)).toBe(403);
      expect(refused.body.code).toBe('MAIL_SEND_NOT_ALLOWED');
      expect(await scope(member, 'mail')).toMatchObject({ effective: 'read', inScope: true });
      expect(await connection(member, 'mail')).toMatchObject({
        status: 'connected',
        level: 'read',
      });
    };
    await noSend();

    const cancelled = await connectAt(member, 'mail', 'read_send', { action: 'cancel' });
    expect(cancelled.outcome).toBe('cancelled');
    await noSend();

    expect((await connectAt(member, 'mail', 'read_send')).outcome).toBe('connected');
    expect(await connection(member, 'mail')).toMatchObject({ level: 'read_send' });
    expect(await scope(member, 'mail')).toMatchObject({ effective: 'read_send', inScope: true });
    const accepted = await send();
    expect(accepted.status, JSON.stringify(accepted.body)).toBe(202);
  });

  it('a level its granted scopes do not cover is clamped on the member’s mailbox row', async () => {
    const o = await orgTokens(env, newOrgId('lvlclamp'));
    const member = await addMember(env, o.orgId, 'megan', DEMO_TENANT.users.member);
    const result = await connectAt(member, 'calendar', 'read');
    expect(result.outcome).toBe('connected');
    // A row an unfinished upgrade moved before this fix: the level says more than the grant.
    const conn = env.api.app.get(MikroORM).em.fork().getConnection();
    await conn.execute(
      `update "individual_connection" set "level" = 'read_write' where "org_id" = ? and "kind" = 'calendar'`,
      [o.orgId],
    );
    // The six-hourly safety net recomputes the rows of orgs reached only through members' own
    // connections too.
    const worker = await env.api.startWorker();
    expect(await worker.get(MailboxesScheduler).enqueueRefreshes()).toBeGreaterThanOrEqual(1);
    await mailboxesSettled(env, o.orgId);
    const clamped = await scope(member, 'calendar');
    expect(clamped).toMatchObject({ configured: 'read_write', effective: 'read', inScope: true });
    expect(clamped.reason).toContain('Calendars.ReadWrite');
    const refused = await http()
      .post('/api/v1/calendar/members/megan/events')
      .set('authorization', `Bearer ${member.token}`)
      .send({
        idempotencyKey: `clamp-${Date.now()}`,
        subject: 'Booked from Rox',
        start: new Date(Date.now() + 86_400_000).toISOString(),
        end: new Date(Date.now() + 90_000_000).toISOString(),
      });
    expect(refused.status, JSON.stringify(refused.body)).toBe(403);
  });

  it('a connected member’s upgrade that needs an admin keeps the connection running at its level until approved', async () => {
    const { tenant, member } = await meganInNewTenant('lvlupgrade', 'allowed');
    expect((await connectAt(member, 'calendar', 'read')).outcome).toBe('connected');

    // The tenant then stops letting members consent: two-way needs an admin.
    await env.emu.control.setConsentPolicy(tenant, {
      userConsent: 'notAllowed',
      adminConsentWorkflow: true,
    });
    const asked = await connectAt(member, 'calendar', 'read_write', {
      action: 'request-approval',
      justification: 'Book meetings from Rox',
    });
    expect(asked.outcome).toBe('approval_required');
    // The result page is told it is an upgrade: the connection still runs.
    expect(asked.location?.searchParams.get('upgrade')).toBe('1');
    const waiting = (await connection(member, 'calendar')) as unknown as {
      status: string;
      level: string;
      pendingLevel: string | null;
      approval: { adminSteps: string[] } | null;
    };
    expect(waiting).toMatchObject({
      status: 'connected',
      level: 'read',
      pendingLevel: 'read_write',
    });
    expect(waiting.approval?.adminSteps.join('\n')).toContain('(Calendars.ReadWrite');
    // Still synced, at the level granted.
    expect(await scope(member, 'calendar')).toMatchObject({
      route: 'individual',
      effective: 'read',
      inScope: true,
    });
    const id = String((await myConnections(env, member))[0]?.id);
    const check = await http()
      .post(`/api/v1/individual-connections/${id}/check`)
      .set('authorization', `Bearer ${member.token}`);
    expect(check.status, JSON.stringify(check.body)).toBe(200);
    expect(check.body.connection).toMatchObject({
      status: 'connected',
      pendingLevel: 'read_write',
    });

    // The admin approves; Connect again at the level waited for finishes the upgrade.
    const [request] = await env.emu.control.consentRequests(tenant);
    await env.emu.control.approveConsentRequest(tenant, request?.id ?? '');
    expect((await connectAt(member, 'calendar', 'read_write')).outcome).toBe('connected');
    expect(await connection(member, 'calendar')).toMatchObject({
      status: 'connected',
      level: 'read_write',
      pendingLevel: null,
      approval: null,
    });
    expect(await scope(member, 'calendar')).toMatchObject({
      effective: 'read_write',
      inScope: true,
    });

    // The grant then goes in Entra and the same level needs an admin again: nothing is left to
    // run on, so the connection waits (no upgrade recorded).
    await env.emu.control.revokeDelegated(tenant, 'AllPrincipals', 'Calendars.ReadWrite', {
      app: 'individual',
    });
    const again = await connectAt(member, 'calendar', 'read_write', {
      action: 'request-approval',
      justification: 'Again',
    });
    expect(again.outcome).toBe('approval_required');
    expect(again.location?.searchParams.get('upgrade')).toBeNull();
    expect(await connection(member, 'calendar')).toMatchObject({
      status: 'needs_admin_approval',
      level: 'read_write',
      pendingLevel: null,
    });
  });

  it('a first connect shows no level until Microsoft grants one; waiting for an admin, the one asked for', async () => {
    const o = await orgTokens(env, newOrgId('lvlnew'));
    const member = await addMember(env, o.orgId, 'diego', 'diego.siciliani@contoso.com');
    const cancelled = await connectAt(member, 'calendar', 'read', { action: 'cancel' });
    expect(cancelled.outcome).toBe('cancelled');
    expect(await connection(member, 'calendar')).toMatchObject({ status: 'pending', level: null });
    expect(await scope(member, 'calendar')).toMatchObject({ route: 'none', inScope: false });

    // A tenant whose members may not consent: the connection waits for the level it asked for.
    const { member: waiting } = await meganInNewTenant('lvlapproval', 'notAllowed');
    const asked = await connectAt(waiting, 'calendar', 'read', {
      action: 'request-approval',
      justification: 'Calendar sync',
    });
    expect(asked.outcome).toBe('approval_required');
    const row = (await myConnections(env, waiting))[0] as {
      status: string;
      level: string | null;
      approval: { adminSteps: string[] };
    };
    expect(row).toMatchObject({ status: 'needs_admin_approval', level: 'read' });
    expect(row.approval.adminSteps.join('\n')).toContain('(Calendars.Read)');
  });
});
