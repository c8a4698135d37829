import { MikroORM } from '@mikro-orm/postgresql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { mailboxesSettled, syncFinished } from '../support/directory-env';
import { startApiWithEmulator, type ApiWithEmulator } from '../support/emulator';
import { mailCycle } from '../support/mail-env';
import {
  connectOrg,
  orgTokens,
  saveSettings,
  seedMembers,
  type OrgTokens,
} from '../support/orgwide';
import { newOrgId } from '../support/test-env';

// Eight mailboxes; the last one has no Archive folder.
const MAILBOXES = 8;
const BATCH = 20;
const FOLDERS = 3; // Inbox, Sent Items and Archive: one channel, one batch item each.

interface Link {
  graph_id: string;
  folder: string;
  message_id: string;
}
interface ChannelRow {
  rox_user_id: string;
  folder: string;
  stage: string;
  last_error_code: string | null;
  delta_link: string | null;
}

/**
 * Extra mail folders (org setting `extraMailFolders`, here Archive): each in-scope mailbox gets a
 * channel for it; a mailbox without the folder marks only that folder; moves between synced
 * folders keep the row; the idle `$batch` pre-pass covers every folder; taking the folder out of
 * the setting purges what it alone held, with a receipt.
 */
describe('extra mail folders', () => {
  let env: ApiWithEmulator;
  let org: OrgTokens;
  const upns = Array.from(
    { length: MAILBOXES },
    (_, i) => `folders${String(i).padStart(2, '0')}.mail@contoso.com`,
  );
  const member = (i: number) => `fold${i}`;
  const members = upns.map((_, i) => member(i));
  const NO_ARCHIVE = MAILBOXES - 1;
  const settings = {
    calendarAccess: 'off',
    emailAccess: 'metadata',
    extraMailFolders: ['archive'],
  };
  const ids: Record<string, string> = {};

  const http = () => env.api.http();
  const db = () => env.api.app.get(MikroORM).em.fork().getConnection();
  const userIdOf = (upn: string) => env.emu.state.findTenant(env.tenantId)?.findUser(upn)?.id;
  const links = (roxUserId: string): Promise<Link[]> =>
    db().execute<Link[]>(
      `select graph_id, folder, message_id from mail_message_link
       where org_id = ? and rox_user_id = ? order by graph_id`,
      [org.orgId, roxUserId],
    );
  const channelRows = (): Promise<ChannelRow[]> =>
    db().execute<ChannelRow[]>(
      `select rox_user_id, folder, stage, last_error_code, delta_link from mail_channel
       where org_id = ? order by rox_user_id, folder`,
      [org.orgId],
    );
  const subjectOf = async (messageId: string) =>
    (
      await db().execute<{ subject: string }[]>(
        'select subject from mail_message where org_id = ? and id = ?',
        [org.orgId, messageId],
      )
    )[0]?.subject ?? null;
  const cycle = () => mailCycle(env, org, members, { attempts: 1200, intervalMs: 50 });
  const memberStatus = async (i: number) => {
    const res = await http()
      .get(`/api/v1/orgwide/mail/members/${member(i)}`)
      .set('authorization', `Bearer ${org.admin}`);
    expect(res.status).toBe(200);
    return res.body as {
      channels: { folder: string; stage: string; reason: string | null; messages: number }[];
    };
  };

  beforeAll(async () => {
    env = await startApiWithEmulator({ env: { MAIL_PAGE_SIZE: '7' } });
    await env.api.startWorker();
    org = await orgTokens(env, newOrgId());
    for (const upn of upns) await env.emu.control.addUser(env.tenantId, { userPrincipalName: upn });
    await env.emu.control.removeMailFolder(env.tenantId, upns[NO_ARCHIVE] as string, 'archive');
    const deliver = async (key: string, user: number, mail: Record<string, unknown>) => {
      ids[key] = (
        await env.emu.control.deliverMail(env.tenantId, upns[user] as string, {
          subject: key,
          ...mail,
        })
      ).id;
    };
    await deliver('filed', 0, { folder: 'archive' });
    await deliver('toMove', 0, {});
    // One message, two copies: Archive of mailbox 0 and Inbox of mailbox 1.
    await deliver('shared0', 0, { folder: 'archive', internetMessageId: '<shared@fab.example>' });
    await deliver('shared1', 1, { internetMessageId: '<shared@fab.example>' });
    await deliver('lacksArchive', NO_ARCHIVE, {});
    await seedMembers(
      env,
      org,
      upns.map((email, i) => ({ roxUserId: member(i), email })),
    );
    expect(await connectOrg(env, org, { settings })).toBe('connected');
    await syncFinished(env, org, null);
    await mailboxesSettled(env, org.orgId);
    await cycle();
    await env.emu.control.clearRequests();
    // The first rounds were full ones; this one resumes every stored link.
    await cycle();
  }, 180_000);
  afterAll(() => env.close());

  it('refuses a bad folder list with field errors, and audits the saved one', async () => {
    const put = (extraMailFolders: unknown) =>
      http()
        .put('/api/v1/orgwide/settings')
        .set('authorization', `Bearer ${org.admin}`)
        .send({ ...settings, tenant: 'contoso.com', extraMailFolders });
    // Besides well-known names a user folder path is taken (mail-user-folders.e2e-spec.ts); a
    // malformed one is refused.
    const unknown = await put(['archive', 'Projects//2026']);
    expect(unknown.status).toBe(400);
    expect(unknown.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(unknown.body.errors).toEqual([
      expect.objectContaining({ path: 'body.extraMailFolders.1' }),
    ]);
    expect(unknown.body.errors[0].message).toMatch(/not a folder path/);
    const twice = await put(['archive', 'junkemail', 'archive']);
    expect(twice.status).toBe(400);
    expect(twice.body.errors).toEqual([
      expect.objectContaining({
        path: 'body.extraMailFolders.2',
        message: expect.stringMatching(/listed twice/),
      }),
    ]);
    expect((await put('archive')).status).toBe(400);

    const saved = await http()
      .get('/api/v1/orgwide/settings')
      .set('authorization', `Bearer ${org.admin}`);
    expect(saved.body.extraMailFolders).toEqual(['archive']);
    type Audit = { details: { after: { extraMailFolders: string[] } } };
    const audits = await db().execute<Audit[]>(
      `select details from audit_entry where org_id = ? and action = 'orgwide.settings-updated'`,
      [org.orgId],
    );
    expect(audits.map((a: Audit) => a.details.after.extraMailFolders)).toContainEqual(['archive']);
  });

  it("an extra folder's mail arrives through its own channel; a mailbox without it marks only that folder", async () => {
    const mine = await links(member(0));
    expect(mine.find((l) => l.graph_id === ids.filed)?.folder).toBe('archive');
    expect(mine.find((l) => l.graph_id === ids.toMove)?.folder).toBe('inbox');
    expect(mine.find((l) => l.graph_id === ids.shared0)?.folder).toBe('archive');

    const rows = await channelRows();
    expect(rows).toHaveLength(MAILBOXES * FOLDERS);
    const lacking = rows.filter((r) => r.rox_user_id === member(NO_ARCHIVE));
    expect(lacking.map((r) => [r.folder, r.stage, r.last_error_code])).toEqual([
      ['archive', 'failed', 'MAIL_FOLDER_NOT_FOUND'],
      ['inbox', 'ok', null],
      ['sentitems', 'ok', null],
    ]);
    expect(rows.filter((r) => r.rox_user_id !== member(NO_ARCHIVE) && r.stage !== 'ok')).toEqual(
      [],
    );
    // Its Inbox still synced.
    expect((await links(member(NO_ARCHIVE))).map((l) => l.graph_id)).toContain(ids.lacksArchive);

    // The status endpoints show the extra folder with its own state.
    expect((await memberStatus(NO_ARCHIVE)).channels).toEqual([
      expect.objectContaining({ folder: 'inbox', stage: 'ok' }),
      expect.objectContaining({ folder: 'sentitems', stage: 'ok' }),
      expect.objectContaining({
        folder: 'archive',
        stage: 'failed',
        reason: 'MAIL_FOLDER_NOT_FOUND',
        messages: 0,
      }),
    ]);
    // Seeded mail sits in Inbox and Sent Items; Archive holds the two delivered there.
    const counts = (await memberStatus(0)).channels.map((c) => [c.folder, c.stage, c.messages]);
    expect(counts.map(([folder, stage]) => [folder, stage])).toEqual([
      ['inbox', 'ok'],
      ['sentitems', 'ok'],
      ['archive', 'ok'],
    ]);
    expect(counts[2]?.[2]).toBe(2);
    const status = await http()
      .get('/api/v1/orgwide/status')
      .set('authorization', `Bearer ${org.admin}`);
    expect(status.body.mail.reasons).toEqual([{ code: 'MAIL_FOLDER_NOT_FOUND', mailboxes: 1 }]);
    // The mailbox without Archive is not failed: its synced folders are up to date.
    expect(status.body.mail.mailboxes).toMatchObject({ ok: MAILBOXES, failed: 0 });
  });

  it(`the idle cycle with an extra folder costs ceil((3N + 2)/20) $batch requests (N = ${MAILBOXES - 1} mailboxes holding every folder, one resting without Archive)`, async () => {
    // The cycle in beforeAll ran after the log was cleared: batches only. The mailbox without
    // Archive was found without it lately, so it rests (no lookup, no job) and the batch settles
    // it by its Inbox and Sent Items.
    const all = await env.emu.control.requests();
    const envelopes = all.filter((r) => !r.batchItem && r.path.endsWith('/$batch'));
    const items = all.filter((r) => r.batchItem && r.path.includes('/messages/delta'));
    const holding = MAILBOXES - 1;
    expect(envelopes).toHaveLength(Math.ceil((FOLDERS * holding + 2) / BATCH));
    expect(items).toHaveLength(FOLDERS * holding + 2);
    for (const item of items) {
      expect(item.status).toBe(200);
      expect(item.path).toMatch(/\/mailFolders\('(inbox|sentitems|archive)'\)\/messages\/delta$/);
      expect(item.prefer).toMatch(/IdType="ImmutableId"/);
      expect(item.prefer).toMatch(/odata\.maxpagesize=7/);
    }
    expect(items.filter((r) => r.path.includes("('archive')"))).toHaveLength(holding);
    const lacking = userIdOf(upns[NO_ARCHIVE] as string);
    expect(items.filter((r) => r.mailbox === lacking)).toHaveLength(2);
    // No request of its own: not even the Archive lookup.
    expect(all.filter((r) => !r.batchItem && r.mailbox !== undefined)).toEqual([]);
  });

  it('every request carries the headers, and no folder that is not configured is read', async () => {
    await env.emu.control.clearRequests();
    await env.emu.control.deliverMail(env.tenantId, upns[2] as string, {
      subject: 'late',
      folder: 'archive',
    });
    await env.emu.control.expireDeltaTokens(env.tenantId, {
      resource: 'messages',
      user: upns[3] as string,
    });
    await cycle();
    const all = await env.emu.control.requests();
    const deltas = all.filter((r) => r.path.includes('/messages/delta'));
    expect(deltas.some((r) => !r.batchItem && r.path.includes('archive'))).toBe(true);
    for (const r of deltas) {
      expect(r.prefer).toMatch(/IdType="ImmutableId"/);
      expect(r.prefer).toMatch(/odata\.maxpagesize=7/);
      expect(r.query).not.toMatch(/\$top=/);
    }
    // A full round (410) bounds the archive's backfill like the others.
    const fresh = deltas.filter(
      (r) => !r.batchItem && r.mailbox === userIdOf(upns[3] as string) && r.status === 200,
    );
    expect(fresh.some((r) => r.path.includes('archive') && /receivedDateTime/.test(r.query))).toBe(
      true,
    );
    for (const r of all.filter((x) => x.mailbox !== undefined)) {
      expect(r.path).not.toMatch(/deleteditems|junkemail|drafts|outbox/i);
    }
    const late = (await links(member(2))).filter((l) => l.folder === 'archive');
    expect(late).toHaveLength(1);
    expect(await subjectOf(late[0]?.message_id ?? '')).toBe('late');
  });

  it('a move from Inbox to Archive keeps one row (same immutable id, same message)', async () => {
    const before = (await links(member(0))).find((l) => l.graph_id === ids.toMove);
    expect(before?.folder).toBe('inbox');
    const moved = await env.emu.control.moveMail(
      env.tenantId,
      upns[0] as string,
      ids.toMove as string,
      'archive',
    );
    expect(moved.id).toBe(ids.toMove);
    await cycle();
    const after = (await links(member(0))).filter((l) => l.message_id === before?.message_id);
    expect(after).toEqual([
      { graph_id: ids.toMove, folder: 'archive', message_id: before?.message_id },
    ]);
    expect(await subjectOf(before?.message_id ?? '')).toBe('toMove');
  });

  it('taking Archive out of the setting purges what it alone held within one cycle, with a receipt', async () => {
    const cursor = await http()
      .get('/api/v1/mail/changes')
      .query({ cursor: '0', limit: 500 })
      .set('authorization', `Bearer ${org.service}`);
    const start = cursor.body.nextCursor as string;
    const mine = await links(member(0));
    const filed = mine.find((l) => l.graph_id === ids.filed)?.message_id;
    const shared = mine.find((l) => l.graph_id === ids.shared0)?.message_id;
    const moved = mine.find((l) => l.graph_id === ids.toMove)?.message_id;

    await saveSettings(env, org, { ...settings, extraMailFolders: [] });
    await mailboxesSettled(env, org.orgId);
    await env.emu.control.clearRequests();
    await cycle();

    expect((await links(member(0))).filter((l) => l.folder === 'archive')).toEqual([]);
    expect((await links(member(0))).length).toBeGreaterThan(0);
    expect(await subjectOf(filed ?? '')).toBeNull();
    expect(await subjectOf(moved ?? '')).toBeNull();
    // The copy in mailbox 1's Inbox keeps the shared message.
    expect(await subjectOf(shared ?? '')).toBe('shared0');
    expect((await links(member(1))).find((l) => l.graph_id === ids.shared1)?.message_id).toBe(
      shared,
    );
    expect((await channelRows()).filter((r) => r.folder === 'archive')).toEqual([]);

    type Receipt = { target_id: string; details: Record<string, unknown> };
    const receipts = await db().execute<Receipt[]>(
      `select target_id, details from audit_entry
       where org_id = ? and action = 'mail.folder_purged' order by target_id`,
      [org.orgId],
    );
    const byMember = new Map(receipts.map((r: Receipt) => [r.target_id, r.details]));
    expect(byMember.size).toBe(MAILBOXES);
    expect(byMember.get(member(0))).toMatchObject({
      folder: 'archive',
      reason: 'folder_not_synced',
      links: 3,
      messages: 2,
      channels: 1,
    });
    expect(byMember.get(member(NO_ARCHIVE))).toMatchObject({ links: 0, channels: 1 });

    const feed = await http()
      .get('/api/v1/mail/changes')
      .query({ cursor: start, limit: 500 })
      .set('authorization', `Bearer ${org.service}`);
    const changes = (feed.body.items as { messageId: string; change: string }[]).map((c) => [
      c.messageId,
      c.change,
    ]);
    expect(changes).toEqual(
      expect.arrayContaining([
        [filed, 'deleted'],
        [moved, 'deleted'],
        [shared, 'updated'],
      ]),
    );
    expect((await memberStatus(0)).channels.map((c) => c.folder)).toEqual(['inbox', 'sentitems']);
    const status = await http()
      .get('/api/v1/orgwide/status')
      .set('authorization', `Bearer ${org.admin}`);
    expect(status.body.mail.reasons).toEqual([]);
    // Nothing reads Archive any more.
    for (const r of await env.emu.control.requests()) expect(r.path).not.toMatch(/archive/i);
  });
});
