import { MikroORM, RequestContext } from '@mikro-orm/postgresql';
import { type INestApplicationContext } from '@nestjs/common';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { DEMO_TENANT } from '@rox365/m365-emulator';

import { MailJobs } from '../../src/mail/mail-jobs.service';
import { mailboxesSettled, syncFinished } from '../support/directory-env';
import { startApiWithEmulator, type ApiWithEmulator } from '../support/emulator';
import { emulatorUserId, holdSyncRounds } from '../support/mail-env';
import {
  connectOrg,
  orgTokens,
  saveSettings,
  seedMembers,
  type OrgTokens,
} from '../support/orgwide';
import { holdRestrictionsLock } from '../support/restrictions-lock';
import { syncRoundsWithCode } from '../support/sync-metrics';
import { eventually } from '../support/test-app';
import { newOrgId } from '../support/test-env';

const MEGAN = DEMO_TENANT.users.member;
const ZOE = DEMO_TENANT.users.unicode;
// A restricted user with a mailbox of their own.
const RITA = DEMO_TENANT.users.globalAdmin;
const RESTRICTED_DOMAIN = 'restricted.example';
const SECRET = 'TOPSECRET-PLAINTEXT-4711';

interface MessageRow {
  id: string;
  subject: string | null;
  body_available: boolean;
  body_sealed: string | null;
  body_content_type: string | null;
}

/**
 * Mail sync against the emulator with a worker, real Postgres and Redis: the privacy promise
 * first (request log + database), then levels, dedupe, moves, scope and restriction changes,
 * the change feed and the data-removal request.
 */
describe('mail sync', () => {
  let env: ApiWithEmulator;
  let org: OrgTokens;
  let worker: INestApplicationContext;
  let settings: Record<string, unknown>;
  const ids: Record<string, string> = {};

  const http = () => env.api.http();
  const db = () => env.api.app.get(MikroORM).em.fork().getConnection();
  type Link = { graph_id: string; folder: string; message_id: string };
  type Audit = { action: string; details: Record<string, unknown> };
  const userId = (upn: string) => {
    const id = env.emu.state.findTenant('contoso.com')?.findUser(upn)?.id;
    if (!id) throw new Error(`no user ${upn}`);
    return id;
  };
  const deliver = async (
    key: string,
    user: string,
    mail: Parameters<ApiWithEmulator['emu']['control']['deliverMail']>[2],
  ) => {
    ids[key] = (await env.emu.control.deliverMail(env.tenantId, user, mail)).id;
  };
  const messages = async (): Promise<MessageRow[]> =>
    db().execute<MessageRow[]>(
      'select id, subject, body_available, body_sealed, body_content_type from mail_message where org_id = ? order by subject',
      [org.orgId],
    );
  const subjects = async () => (await messages()).map((m) => m.subject ?? '');
  const links = async (roxUserId: string): Promise<Link[]> =>
    db().execute<Link[]>(
      'select graph_id, folder, message_id from mail_message_link where org_id = ? and rox_user_id = ?',
      [org.orgId, roxUserId],
    );
  const auditActions = async (): Promise<Audit[]> =>
    (
      await db().execute<Audit[]>(
        'select action, details from audit_entry where org_id = ? order by created_at',
        [org.orgId],
      )
    ).filter((a: Audit) => a.action.startsWith('mail.'));

  // Runs the org's cycle and waits until it and every mailbox sync it queued are done.
  const cycle = async () => {
    const res = await http()
      .post('/api/v1/orgwide/mail/sync')
      .set('authorization', `Bearer ${org.admin}`);
    expect(res.status, JSON.stringify(res.body)).toBe(202);
    const jobs = env.api.app.get(MailJobs);
    await eventually(async () => !(await jobs.isBusy(org.orgId, ['megan', 'zoe', 'rita'])), {
      attempts: 600,
      intervalMs: 50,
    });
  };
  const changeSettings = async (patch: Record<string, unknown>) => {
    settings = { ...settings, ...patch };
    await saveSettings(env, org, settings);
    await syncFinishedRefresh();
  };
  const syncFinishedRefresh = () => mailboxesSettled(env, org.orgId);
  const mailSection = async () => {
    const res = await http()
      .get('/api/v1/orgwide/status')
      .set('authorization', `Bearer ${org.admin}`);
    expect(res.status).toBe(200);
    return res.body.mail as Record<string, unknown>;
  };
  type Change = {
    sequence: string;
    change: string;
    messageId: string | null;
    roxUserId?: string;
    folder?: string;
    reason?: string;
  };
  // The change feed after a cursor, every page of it.
  const feedAfter = async (cursor: string): Promise<{ items: Change[]; next: string }> => {
    const items: Change[] = [];
    let next = cursor;
    for (;;) {
      const res = await http()
        .get('/api/v1/mail/changes')
        .query({ cursor: next, limit: 500 })
        .set('authorization', `Bearer ${org.service}`);
      expect(res.status).toBe(200);
      items.push(...(res.body.items as Change[]));
      if (res.body.nextCursor === next) return { items, next };
      next = res.body.nextCursor as string;
    }
  };
  const resetsIn = (items: Change[]) =>
    items
      .filter((c) => c.change === 'cursor_reset')
      .map((c) => [c.roxUserId, c.folder, c.reason, c.messageId])
      .sort();

  beforeAll(async () => {
    env = await startApiWithEmulator({ env: { MAIL_PAGE_SIZE: '5', MAIL_BACKFILL_DAYS: '30' } });
    worker = await env.api.startWorker();
    org = await orgTokens(env, newOrgId());
    await seedMembers(env, org, [
      { roxUserId: 'megan', email: MEGAN },
      { roxUserId: 'zoe', email: ZOE },
      { roxUserId: 'rita', email: RITA },
    ]);
    await deliver('plain', MEGAN, {
      subject: 'A plain customer mail',
      from: { name: 'Ann', address: 'ann@customer.example' },
      body: SECRET,
    });
    await deliver('ccDomain', MEGAN, {
      subject: 'B cc a restricted subdomain',
      from: { name: 'Ann', address: 'ann@customer.example' },
      cc: ['Bob@Sub.Restricted.EXAMPLE'],
    });
    await deliver('bccSent', MEGAN, {
      subject: 'C bcc only, sent copy',
      from: { name: 'Megan', address: MEGAN },
      to: ['ann@customer.example'],
      bcc: [`x@${RESTRICTED_DOMAIN}`],
      folder: 'sentitems',
    });
    await deliver('replyTo', MEGAN, {
      subject: 'D reply-to restricted',
      from: { name: 'Ann', address: 'ann@customer.example' },
      replyTo: [`"a@b"@${RESTRICTED_DOMAIN}`],
    });
    await deliver('ritaCc', MEGAN, {
      subject: 'E restricted user in cc',
      from: { name: 'Ann', address: 'ann@customer.example' },
      cc: [RITA.toUpperCase()],
    });
    await deliver('old', MEGAN, {
      subject: 'F older than the backfill window',
      from: { name: 'Ann', address: 'ann@customer.example' },
      receivedDateTime: '2001-01-01T00:00:00Z',
    });
    await deliver('ritaOwn', RITA, { subject: 'R in the restricted user mailbox' });
    settings = {
      calendarAccess: 'off',
      emailAccess: 'metadata',
      restrictedDomains: [RESTRICTED_DOMAIN],
      restrictedUsers: [RITA],
    };
    // The connect's first rounds wait until the request log is cleared.
    const release = await holdSyncRounds(env, org.orgId);
    expect(await connectOrg(env, org, { settings })).toBe('connected');
    await syncFinished(env, org, null);
    await env.emu.control.clearRequests();
    await release();
    await cycle();
  }, 120_000);
  afterAll(() => env.close());

  it('privacy at the metadata level: nothing restricted stored, no body asked for, R never read', async () => {
    const stored = await subjects();
    expect(stored.some((s) => s.startsWith('A plain'))).toBe(true);
    for (const prefix of ['B ', 'C ', 'D ', 'E ', 'F ', 'R ']) {
      expect(stored.filter((s) => s.startsWith(prefix))).toEqual([]);
    }
    for (const m of await messages()) {
      expect(m.body_available).toBe(false);
      expect(m.body_sealed).toBeNull();
      expect(m.body_content_type).toBeNull();
    }
    // Not one request to the restricted user's mailbox paths, batch items included.
    expect(await env.emu.control.requests({ pathContains: `/users/${userId(RITA)}` })).toEqual([]);
    const all = await env.emu.control.requests();
    expect(all.filter((r) => r.path.toLowerCase().includes(RITA.toLowerCase()))).toEqual([]);
    const deltas = all.filter((r) => r.path.includes('/messages/delta'));
    expect(deltas.length).toBeGreaterThan(0);
    for (const r of deltas) {
      expect(r.prefer).toMatch(/IdType="ImmutableId"/);
      expect(r.prefer).toMatch(/odata\.maxpagesize=5/);
      expect(decodeURIComponent(r.query)).not.toMatch(/\$top|body|uniqueBody/i);
    }
    // Metadata level fetches no body at all.
    expect(all.filter((r) => r.batchItem)).toEqual([]);
    // the shared per-mailbox limit kept every mailbox within Outlook's limits.
    expect(await env.emu.control.throttleViolations()).toEqual([]);
    const listed = await http()
      .get('/api/v1/mail/messages')
      .query({ roxUserId: 'megan' })
      .set('authorization', `Bearer ${org.service}`);
    expect(listed.status).toBe(200);
    const plain = (listed.body.items as { subject: string; bodyAvailable: boolean }[]).find((m) =>
      m.subject.startsWith('A plain'),
    );
    expect(plain?.bodyAvailable).toBe(false);
  });

  it('X-6: a mailbox Graph refuses fails alone, with its reason; the others keep syncing', async () => {
    await env.emu.control.addFault({
      match: `GET /v1.0/users/${userId(ZOE)}/`,
      status: 403,
      errorCode: 'ErrorAccessDenied',
    });
    try {
      await deliver('isolated', MEGAN, {
        subject: 'K still syncing',
        from: { name: 'Ann', address: 'ann@customer.example' },
      });
      await cycle();
      expect(await subjects()).toContain('K still syncing');
      const zoe = await http()
        .get('/api/v1/orgwide/mail/members/zoe')
        .set('authorization', `Bearer ${org.admin}`);
      expect(zoe.body.channels[0]).toMatchObject({
        stage: 'failed',
        reason: 'MAIL_BLOCKED_BY_ACCESS_POLICY',
      });
      // The org status counts mailboxes per state, with the reason of the failed one.
      expect(await mailSection()).toMatchObject({
        mailboxes: { notInScope: 1, never: 0, queued: 0, running: 0, ok: 1, failed: 1 },
        reasons: [{ code: 'MAIL_BLOCKED_BY_ACCESS_POLICY', mailboxes: 1 }],
        messages: (await messages()).length,
        lastSyncAt: expect.any(String),
      });
      // A user without an Exchange Online mailbox says so, apart from a refused permission.
      await env.emu.control.clearFaults();
      await env.emu.control.addFault({
        match: `GET /v1.0/users/${userId(ZOE)}/`,
        status: 404,
        errorCode: 'MailboxNotEnabledForRESTAPI',
      });
      await cycle();
      expect(
        (
          await http()
            .get('/api/v1/orgwide/mail/members/zoe')
            .set('authorization', `Bearer ${org.admin}`)
        ).body.channels[0],
      ).toMatchObject({ stage: 'failed', reason: 'MAIL_NO_MAILBOX' });
    } finally {
      await env.emu.control.clearFaults();
    }
    await cycle();
    const zoe = await http()
      .get('/api/v1/orgwide/mail/members/zoe')
      .set('authorization', `Bearer ${org.admin}`);
    expect(zoe.body.channels.map((c: { stage: string }) => c.stage)).toEqual(['ok', 'ok']);
    expect(await mailSection()).toMatchObject({
      mailboxes: { notInScope: 1, never: 0, queued: 0, running: 0, ok: 2, failed: 0 },
      reasons: [],
    });
  });

  it('X-8: a channel left running by a dead job is detected, queued again with the reason, and recovers', async () => {
    await db().execute(
      `update mail_channel set stage = 'running', started_at = now() - interval '2 hours'
       where org_id = ? and rox_user_id = 'megan' and folder = 'inbox'`,
      [org.orgId],
    );
    const jobs = env.api.app.get(MailJobs);
    // As the cron does it, in a context of its own.
    const requeued = await RequestContext.create(env.api.app.get(MikroORM).em, () =>
      jobs.requeueStale(),
    );
    expect(requeued).toContain(`${org.orgId}:megan:inbox`);
    await eventually(async () => !(await jobs.isBusy(org.orgId, ['megan'])), {
      attempts: 600,
      intervalMs: 50,
    });
    const [channel] = await db().execute<{ stage: string; last_error_code: string | null }[]>(
      `select stage, last_error_code from mail_channel
       where org_id = ? and rox_user_id = 'megan' and folder = 'inbox'`,
      [org.orgId],
    );
    expect(channel).toEqual({ stage: 'ok', last_error_code: null });
  });

  it('full level: bodies only for stored mail, in $batch of at most 20, sealed at rest, decrypted and audited on read', async () => {
    // Cleared first: the level change itself may start a sync that fetches the bodies.
    await env.emu.control.clearRequests();
    await changeSettings({ emailAccess: 'read' });
    await cycle();
    const rows = await messages();
    const plain = rows.find((m) => m.subject?.startsWith('A plain'));
    expect(plain?.body_available).toBe(true);
    expect(plain?.body_sealed).not.toContain(SECRET);
    const dump = await db().execute<{ t: string }[]>(
      "select (select string_agg(m::text, '') from mail_message m where org_id = ?) as t",
      [org.orgId],
    );
    expect(dump[0]?.t ?? '').not.toContain(SECRET);
    const items = (await env.emu.control.requests()).filter((r) => r.batchItem);
    expect(items.length).toBeGreaterThan(0);
    for (const key of ['ccDomain', 'bccSent', 'replyTo', 'ritaCc']) {
      expect(items.filter((r) => r.path.includes(ids[key] ?? '-'))).toEqual([]);
    }
    const batches = (await env.emu.control.requests({ pathContains: '$batch' })).filter(
      (r) => !r.batchItem,
    );
    expect(items.length).toBeLessThanOrEqual(batches.length * 20);
    const res = await http()
      .get(`/api/v1/mail/messages/${plain?.id}`)
      .set('authorization', `Bearer ${org.service}`);
    expect(res.status).toBe(200);
    expect(res.body.body.content).toContain(SECRET);
    expect((await auditActions()).map((a) => a.action)).toContain('mail.body_read');
  });

  it('dedupes one email across mailboxes, keeps one row on a move between synced folders, removes a copy moved out', async () => {
    await deliver('sharedSent', MEGAN, {
      subject: 'G shared',
      from: { name: 'Megan', address: MEGAN },
      to: [ZOE],
      folder: 'sentitems',
      internetMessageId: '<shared-g@contoso.com>',
    });
    await deliver('sharedInbox', ZOE, {
      subject: 'G shared',
      from: { name: 'Megan', address: MEGAN },
      to: [ZOE],
      internetMessageId: '<shared-g@contoso.com>',
    });
    await cycle();
    const shared = (await messages()).filter((m) => m.subject === 'G shared');
    expect(shared).toHaveLength(1);
    expect((await links('megan')).filter((l) => l.message_id === shared[0]?.id)).toHaveLength(1);
    expect((await links('zoe')).filter((l) => l.message_id === shared[0]?.id)).toHaveLength(1);

    await env.emu.control.moveMail(env.tenantId, MEGAN, ids.plain ?? '', 'sentitems');
    await cycle();
    const moved = (await links('megan')).filter((l) => l.graph_id === ids.plain);
    expect(moved).toEqual([expect.objectContaining({ folder: 'sentitems' })]);
    expect((await subjects()).filter((s) => s.startsWith('A plain'))).toHaveLength(1);

    const plainId = (await messages()).find((m) => m.subject?.startsWith('A plain'))?.id;
    const { next: beforeMoveOut } = await feedAfter('0');
    await env.emu.control.moveMail(env.tenantId, MEGAN, ids.plain ?? '', 'archive');
    await cycle();
    expect((await links('megan')).filter((l) => l.graph_id === ids.plain)).toEqual([]);
    expect((await subjects()).filter((s) => s.startsWith('A plain'))).toEqual([]);
    // MAIL-5: the feed says the message left the synced folders (it is still in Outlook).
    const movedOut = (await feedAfter(beforeMoveOut)).items.filter((c) => c.messageId === plainId);
    expect(movedOut).toEqual([
      expect.objectContaining({ change: 'deleted', reason: 'removed_from_synced_folders' }),
    ]);

    // Deleted for good in Outlook (Deleted Items, then emptied): a plain deletion.
    await deliver('deletedInOutlook', MEGAN, {
      subject: 'G deleted in Outlook',
      from: { name: 'Ann', address: 'ann@customer.example' },
    });
    await cycle();
    const deletedId = (await messages()).find((m) => m.subject === 'G deleted in Outlook')?.id;
    const { next: beforeDelete } = await feedAfter('0');
    await env.emu.control.deleteMail(env.tenantId, MEGAN, ids.deletedInOutlook ?? '');
    await env.emu.control.deleteMail(env.tenantId, MEGAN, ids.deletedInOutlook ?? '');
    await cycle();
    const deleted = (await feedAfter(beforeDelete)).items.filter((c) => c.messageId === deletedId);
    expect(deleted).toHaveLength(1);
    expect(deleted[0]).toMatchObject({ change: 'deleted' });
    expect(deleted[0]).not.toHaveProperty('reason');
  });

  it('a dead cursor (410) runs a full round reconciled by set difference', async () => {
    await deliver('doomed', MEGAN, {
      subject: 'H doomed',
      from: { name: 'Ann', address: 'ann@customer.example' },
    });
    await cycle();
    expect(await subjects()).toContain('H doomed');
    const doomedId = (await messages()).find((m) => m.subject === 'H doomed')?.id;
    // Stored while inside the backfill window, then time passes: it is older than the window now
    // (in the mailbox and in Rox), so the reset's bounded round does not list it.
    await deliver('aged', MEGAN, {
      subject: 'K aged past the window',
      from: { name: 'Ann', address: 'ann@customer.example' },
    });
    await cycle();
    const longAgo = '2020-01-01T00:00:00Z';
    const tenant = env.emu.state.findTenant('contoso.com');
    const megan = tenant?.findUser(MEGAN);
    const aged = megan
      ? tenant
          ?.mailbox(megan)
          ?.folder('inbox')
          ?.messages.get(ids.aged ?? '')
      : undefined;
    if (!aged) throw new Error('the aged message is not in the emulator');
    aged.receivedDateTime = longAgo;
    for (const table of ['mail_message_link', 'mail_message']) {
      await db().execute(
        `update ${table} set received_at = ? where org_id = ? and ${
          table === 'mail_message' ? 'id' : 'message_id'
        } = (select id from mail_message where org_id = ? and subject = 'K aged past the window')`,
        [longAgo, org.orgId, org.orgId],
      );
    }
    const { next: before } = await feedAfter('0');
    await env.emu.control.deleteMail(env.tenantId, MEGAN, ids.doomed ?? '');
    await env.emu.control.deleteMail(env.tenantId, MEGAN, ids.doomed ?? '');
    await env.emu.control.expireDeltaTokens(env.tenantId, { resource: 'messages', user: MEGAN });
    await env.emu.control.clearRequests();
    await cycle();
    expect(
      (await env.emu.control.requests({ pathContains: '/messages/delta' })).some(
        (r) => r.status === 410,
      ),
    ).toBe(true);
    expect(await subjects()).not.toContain('H doomed');
    // Not asked for, so not judged: the copy older than the window stays.
    expect(await subjects()).toContain('K aged past the window');
    // One cursor_reset per folder whose cursor died, before the deletion only the reconcile saw.
    const { items, next } = await feedAfter(before);
    expect(resetsIn(items)).toEqual([
      ['megan', 'inbox', 'cursor_expired', null],
      ['megan', 'sentitems', 'cursor_expired', null],
    ]);
    const reset = items.findIndex((c) => c.change === 'cursor_reset' && c.folder === 'inbox');
    const deleted = items.findIndex((c) => c.change === 'deleted' && c.messageId === doomedId);
    expect(deleted).toBeGreaterThan(reset);
    // The next round resumes from its new cursor: no reset again.
    await cycle();
    const { items: resumed, next: later } = await feedAfter(next);
    expect(resetsIn(resumed)).toEqual([]);
    // A cursor too old to try is a reset too (once: it is forgotten with it).
    await db().execute(
      `update mail_channel set delta_link_at = now() - interval '7 days'
       where org_id = ? and rox_user_id = 'megan' and folder = 'inbox'`,
      [org.orgId],
    );
    await cycle();
    await cycle();
    expect(resetsIn((await feedAfter(later)).items)).toEqual([
      ['megan', 'inbox', 'cursor_unusable', null],
    ]);
  });

  it('restrictions apply retroactively (purge counted) and lifting one re-imports', async () => {
    await deliver('before', MEGAN, {
      subject: 'J customer before',
      from: { name: 'Ann', address: 'ann@Customer.Example' },
    });
    await cycle();
    expect(await subjects()).toContain('J customer before');
    await changeSettings({ restrictedDomains: [RESTRICTED_DOMAIN, 'customer.example'] });
    await cycle();
    expect(await subjects()).not.toContain('J customer before');
    expect((await subjects()).filter((s) => s.startsWith('H ') || s.startsWith('G '))).toEqual([
      'G shared',
    ]);
    const purge = (await auditActions()).find((a) => a.action === 'mail.restricted_purged');
    expect(Number(purge?.details.messages)).toBeGreaterThan(0);

    await deliver('afterLift', MEGAN, {
      subject: 'I customer again',
      from: { name: 'Ann', address: 'ann@customer.example' },
    });
    const { next: beforeLift } = await feedAfter('0');
    await changeSettings({ restrictedDomains: [RESTRICTED_DOMAIN] });
    await cycle();
    expect(await subjects()).toContain('I customer again');
    // Lifting forgets every cursor; the feed says so per folder, before the re-import.
    const { items } = await feedAfter(beforeLift);
    expect(resetsIn(items)).toEqual([
      ['megan', 'inbox', 'restrictions_lifted', null],
      ['megan', 'sentitems', 'restrictions_lifted', null],
      ['zoe', 'inbox', 'restrictions_lifted', null],
      ['zoe', 'sentitems', 'restrictions_lifted', null],
    ]);
  });

  it('lists that change while a round runs: its page stores nothing under the old lists and the round runs again (MAIL-S3)', async () => {
    const megan = emulatorUserId(env, MEGAN);
    await deliver('late', MEGAN, {
      subject: 'K customer late',
      from: { name: 'Ann', address: 'ann@customer.example' },
    });
    // Megan's Inbox round (a full one: no idle $batch reads it first) waits on Graph while the
    // admin restricts the customer's domain.
    await db().execute(
      `update mail_channel set delta_link = null where org_id = ? and rox_user_id = 'megan' and folder = 'inbox'`,
      [org.orgId],
    );
    await env.emu.control.addFault({
      match: `GET /v1\\.0/users/${megan}/mailFolders/inbox/messages/delta`,
      latencyMs: 6_000,
      count: 1,
    });
    const changedRounds = () => syncRoundsWithCode(worker, 'MAIL_RESTRICTIONS_CHANGED');
    const before = await changedRounds();
    const started = await http()
      .post('/api/v1/orgwide/mail/sync')
      .set('authorization', `Bearer ${org.admin}`);
    expect(started.status).toBe(202);
    await eventually(
      async () =>
        (
          await db().execute<{ stage: string }[]>(
            `select stage from mail_channel where org_id = ? and rox_user_id = 'megan' and folder = 'inbox'`,
            [org.orgId],
          )
        )[0]?.stage === 'running',
      { attempts: 200, intervalMs: 25 },
    );
    await changeSettings({ restrictedDomains: [RESTRICTED_DOMAIN, 'customer.example'] });
    await cycle();

    expect(await subjects()).not.toContain('K customer late');
    expect(await changedRounds()).toBeGreaterThan(before);
    await changeSettings({ restrictedDomains: [RESTRICTED_DOMAIN] });
    await cycle();
    expect(await subjects()).toContain('K customer late');
  });

  it('a restricted Bcc only the sender’s copy shows keeps every copy of that message out (MAIL-S1)', async () => {
    const subject = 'M bcc the sender alone sees';
    const internetMessageId = '<bcc-sender-only@contoso.com>';
    // Zoe's copy carries no trace of the Bcc: stored.
    await deliver('bccZoe', ZOE, {
      subject,
      from: { name: 'Megan', address: MEGAN },
      to: [ZOE],
      internetMessageId,
    });
    await cycle();
    expect(await subjects()).toContain(subject);
    // Megan's Sent Items copy shows it went to a restricted domain too.
    await deliver('bccMegan', MEGAN, {
      subject,
      from: { name: 'Megan', address: MEGAN },
      to: [ZOE],
      bcc: [`y@${RESTRICTED_DOMAIN}`],
      folder: 'sentitems',
      internetMessageId,
    });
    await cycle();
    expect(await subjects()).not.toContain(subject);
    expect((await links('zoe')).map((l) => l.graph_id)).not.toContain(ids.bccZoe);
    // Zoe's next full round meets her copy again: still not stored.
    await db().execute(
      `update mail_channel set delta_link = null where org_id = ? and rox_user_id = 'zoe' and folder = 'inbox'`,
      [org.orgId],
    );
    await cycle();
    expect(await subjects()).not.toContain(subject);
  });

  it('reads by contact and by conversation, paged; a reply lands in the same thread for both mailboxes', async () => {
    const get = (query: Record<string, string | number>) =>
      http()
        .get('/api/v1/mail/messages')
        .query(query)
        .set('authorization', `Bearer ${org.service}`);
    await env.emu.control.replyToMail(env.tenantId, ZOE, ids.sharedInbox ?? '', 'Thanks!');
    await cycle();
    const shared = (await get({ address: MEGAN.toUpperCase() })).body.items as {
      subject: string;
      conversationId: string;
      mailboxes: { roxUserId: string }[];
    }[];
    const original = shared.find((m) => m.subject === 'G shared');
    expect(original).toBeDefined();
    const thread = (await get({ conversationId: original?.conversationId ?? '' })).body.items as {
      subject: string;
      mailboxes: { roxUserId: string }[];
    }[];
    expect(thread.map((m) => m.subject).sort()).toEqual(['G shared', 'RE: G shared']);
    const reply = thread.find((m) => m.subject === 'RE: G shared');
    expect(reply?.mailboxes.map((l) => l.roxUserId).sort()).toEqual(['megan', 'zoe']);

    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page = await get({ roxUserId: 'megan', limit: 1, ...(cursor ? { cursor } : {}) });
      expect(page.status).toBe(200);
      seen.push(...(page.body.items as { id: string }[]).map((m) => m.id));
      cursor = page.body.nextCursor as string | null;
    } while (cursor);
    const all = await get({ roxUserId: 'megan', limit: 200 });
    expect(seen).toEqual((all.body.items as { id: string }[]).map((m) => m.id));

    const bad = await get({ roxUserId: 'megan', cursor: 'not-a-cursor' });
    expect(bad.status).toBe(400);
    expect(bad.headers['content-type']).toMatch(/problem\+json/);
    const two = await get({ roxUserId: 'megan', address: MEGAN });
    expect(two.status).toBe(400);
    expect(two.headers['content-type']).toMatch(/problem\+json/);
  });

  it('a mailbox that leaves scope is purged with a receipt; the change feed says so in order', async () => {
    const before = await http()
      .get('/api/v1/mail/changes')
      .set('authorization', `Bearer ${org.service}`);
    expect(before.status).toBe(200);
    const res = await http()
      .put('/api/v1/orgwide/overrides/zoe')
      .set('authorization', `Bearer ${org.admin}`)
      .send({ calendarAccess: null, emailAccess: 'off' });
    expect(res.status).toBe(200);
    await cycle();
    expect(await links('zoe')).toEqual([]);
    const receipt = (await auditActions()).find((a) => a.action === 'mail.mailbox_purged');
    expect(receipt?.details).toMatchObject({ links: expect.any(Number) });
    const feed = await http()
      .get('/api/v1/mail/changes')
      .query({ cursor: before.body.nextCursor })
      .set('authorization', `Bearer ${org.service}`);
    const sequences = (feed.body.items as { sequence: string }[]).map((i) => BigInt(i.sequence));
    expect(sequences.length).toBeGreaterThan(0);
    expect([...sequences].sort((a, b) => (a < b ? -1 : 1))).toEqual(sequences);
  });

  it('status: the member sees their mail channels, the admin sees any member’s', async () => {
    const megan = await env.api.tokenFor({ roxUserId: 'megan', orgId: org.orgId, role: 'member' });
    const mine = await http().get('/api/v1/mail/status/me').set('authorization', `Bearer ${megan}`);
    expect(mine.status).toBe(200);
    expect(mine.body).toMatchObject({ roxUserId: 'megan', level: 'read', inScope: true });
    expect(
      mine.body.channels.map((c: { folder: string; stage: string }) => [c.folder, c.stage]),
    ).toEqual([
      ['inbox', 'ok'],
      ['sentitems', 'ok'],
    ]);
    expect(mine.body.messages).toBeGreaterThan(0);
    const zoe = await http()
      .get('/api/v1/orgwide/mail/members/zoe')
      .set('authorization', `Bearer ${org.admin}`);
    expect(zoe.body).toMatchObject({ inScope: false, level: 'off', messages: 0 });
    expect(zoe.body.reason).toEqual(expect.any(String));
    const forbidden = await http()
      .get('/api/v1/orgwide/mail/members/zoe')
      .set('authorization', `Bearer ${megan}`);
    expect(forbidden.status).toBe(403);
  });

  it('a data-removal request purges everything synced about one person, with a receipt', async () => {
    const res = await http()
      .post('/api/v1/orgwide/mail/data-removal-requests')
      .set('authorization', `Bearer ${org.admin}`)
      .send({ roxUserId: 'megan', reason: 'GDPR request' });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    expect(res.body).toMatchObject({ roxUserId: 'megan', auditAction: 'mail.data_removed' });
    expect(await links('megan')).toEqual([]);
    expect((await auditActions()).map((a) => a.action)).toContain('mail.data_removed');
    const refused = await http()
      .post('/api/v1/orgwide/mail/data-removal-requests')
      .set('authorization', `Bearer ${org.admin}`)
      .send({ roxUserId: 'nobody' });
    expect(refused.status).toBe(404);
    expect(refused.headers['content-type']).toMatch(/problem\+json/);
    expect(worker).toBeDefined();
  });

  it('a member restricted while a page of theirs waits: the cycle takes what that page stored with the old lists (MAIL-S3)', async () => {
    // Through a list (Zoe is no participant), so only the purge of her mailbox can find it.
    await deliver('zoeWaits', ZOE, {
      subject: 'L waits for the lists',
      from: { name: 'Ann', address: 'ann@customer.example' },
      to: ['team@contoso.com'],
    });
    await db().execute(
      `update mail_channel set delta_link = null where org_id = ? and rox_user_id = 'zoe' and folder = 'inbox'`,
      [org.orgId],
    );
    // Another worker's purge of the lists holds them: Zoe's Inbox round, judging with lists
    // that do not restrict her, waits with its first page.
    const held = await holdRestrictionsLock('mail', org.orgId);
    try {
      const started = await http()
        .post('/api/v1/orgwide/mail/sync')
        .set('authorization', `Bearer ${org.admin}`);
      expect(started.status).toBe(202);
      await eventually(async () => (await held.waiters('shared')) >= 1, {
        attempts: 400,
        intervalMs: 25,
      });
      // Zoe is restricted; the cycle that follows waits for the lists too.
      await changeSettings({ restrictedUsers: [RITA, ZOE] });
      await eventually(async () => (await held.waiters('exclusive')) === 1, {
        attempts: 400,
        intervalMs: 25,
      });
    } finally {
      await held.release();
    }
    const jobs = env.api.app.get(MailJobs);
    await eventually(async () => !(await jobs.isBusy(org.orgId, ['megan', 'zoe', 'rita'])), {
      attempts: 600,
      intervalMs: 50,
    });

    // The page stored Zoe's copy before the cycle applied the lists, and the purge of her
    // mailbox that followed took it (before, it ran first and the copy stayed a cycle).
    expect(await links('zoe')).toEqual([]);
    const [receipt] = await db().execute<{ details: Record<string, number> }[]>(
      `select details from audit_entry where org_id = ? and action = 'mail.mailbox_purged'
        and target_id = 'zoe' order by id desc limit 1`,
      [org.orgId],
    );
    expect(receipt?.details.links).toBeGreaterThan(0);
  });
});
