import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { connectWithMembers, mailboxesSettled } from '../support/directory-env';
import { startApiWithEmulator, type ApiWithEmulator } from '../support/emulator';
import { emulatorUserId, mailCycle, mailDb } from '../support/mail-env';
import { orgTokens, saveSettings, type OrgTokens } from '../support/orgwide';
import { newOrgId } from '../support/test-env';

const PATH = 'inbox/customers';

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
  folder_id: string | null;
}

/**
 * User folders in `extraMailFolders` (MAIL-1 "others"): a display path resolved per mailbox
 * through `mailFolders/delta` when the channel is new, then followed by id; a mailbox without the
 * folder marks only that channel; moves keep the row; restrictions apply; a folder deleted in
 * Outlook is looked up again; taking the path out of the setting purges its links.
 */
describe('user mail folders', () => {
  let env: ApiWithEmulator;
  let org: OrgTokens;
  const upns = ['ufold0.mail@contoso.com', 'ufold1.mail@contoso.com', 'ufold2.mail@contoso.com'];
  const members = ['ufold0', 'ufold1', 'ufold2'];
  const WITH = 0;
  const WITHOUT = 1;
  // A restricted member who has the folder too: their mailbox is never read, not even listed.
  const RESTRICTED = 2;
  const settings = {
    calendarAccess: 'off',
    emailAccess: 'metadata',
    restrictedDomains: ['restricted.example'],
    restrictedUsers: [upns[RESTRICTED] as string],
    extraMailFolders: ['archive', 'inbox / customers'],
  };
  const ids: Record<string, string> = {};
  let customersId = '';

  const http = () => env.api.http();
  const db = () => mailDb(env);
  const userIdOf = (upn: string) => emulatorUserId(env, upn);
  const links = (roxUserId: string): Promise<Link[]> =>
    db().execute<Link[]>(
      `select graph_id, folder, message_id from mail_message_link
       where org_id = ? and rox_user_id = ? order by graph_id`,
      [org.orgId, roxUserId],
    );
  const channel = async (roxUserId: string): Promise<ChannelRow | undefined> =>
    (
      await db().execute<ChannelRow[]>(
        `select rox_user_id, folder, stage, last_error_code, folder_id from mail_channel
         where org_id = ? and rox_user_id = ? and folder = ?`,
        [org.orgId, roxUserId, PATH],
      )
    )[0];
  const cycle = () => mailCycle(env, org, members, { attempts: 1200, intervalMs: 50 });
  // As if the folder had been looked for (and not found) longer ago than MISSING_FOLDER_RECHECK_MS.
  const ageMissingCheck = async (roxUserId: string) => {
    await db().execute(
      `update mail_channel set last_error_at = now() - interval '7 hours'
       where org_id = ? and rox_user_id = ? and folder = ?`,
      [org.orgId, roxUserId, PATH],
    );
  };
  const folderListings = async () =>
    (await env.emu.control.requests()).filter((r) => r.path.includes('/mailFolders/delta'));
  const deliver = async (key: string, user: number, mail: Record<string, unknown> = {}) => {
    ids[key] = (
      await env.emu.control.deliverMail(env.tenantId, upns[user] as string, {
        subject: key,
        ...mail,
      })
    ).id;
  };

  beforeAll(async () => {
    env = await startApiWithEmulator({ env: { MAIL_PAGE_SIZE: '7' } });
    await env.api.startWorker();
    org = await orgTokens(env, newOrgId());
    for (const upn of upns) await env.emu.control.addUser(env.tenantId, { userPrincipalName: upn });
    const owner = upns[WITH] as string;
    customersId = (
      await env.emu.control.createMailFolder(env.tenantId, owner, 'Customers', 'inbox')
    ).id;
    // A top-level folder of the same name is another folder: the path names the one in Inbox.
    await env.emu.control.createMailFolder(env.tenantId, owner, 'Customers');
    await deliver('filed', WITH, { folder: customersId });
    await deliver('toMove', WITH);
    await deliver('restricted', WITH, {
      folder: customersId,
      from: { name: 'Rita', address: 'rita@restricted.example' },
    });
    await deliver('withoutInbox', WITHOUT);
    const theirs = await env.emu.control.createMailFolder(
      env.tenantId,
      upns[RESTRICTED] as string,
      'Customers',
      'inbox',
    );
    await deliver('restrictedUsers', RESTRICTED, { folder: theirs.id });
    await connectWithMembers(
      env,
      org,
      upns.map((email, i) => ({ roxUserId: members[i] as string, email })),
      settings,
    );
    await cycle();
  }, 180_000);
  afterAll(() => env.close());

  it('takes a folder path besides well-known names, tidied, and refuses a bad one with a field error', async () => {
    const put = (extraMailFolders: unknown) =>
      http()
        .put('/api/v1/orgwide/settings')
        .set('authorization', `Bearer ${org.admin}`)
        .send({ ...settings, tenant: 'contoso.com', extraMailFolders });
    const bad = await put(['archive', 'Inbox//Customers']);
    expect(bad.status).toBe(400);
    expect(bad.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(bad.body.errors).toEqual([
      expect.objectContaining({
        path: 'body.extraMailFolders.1',
        message: expect.stringMatching(/not a folder path/),
      }),
    ]);
    const twice = await put(['Inbox/Customers', 'INBOX/customers']);
    expect(twice.body.errors).toEqual([
      expect.objectContaining({ path: 'body.extraMailFolders.1' }),
    ]);
    const saved = await http()
      .get('/api/v1/orgwide/settings')
      .set('authorization', `Bearer ${org.admin}`);
    expect(saved.body.extraMailFolders).toEqual(['archive', 'inbox/customers']);
  });

  it("never sends a request for a restricted member's mailbox, not even to look for the folder", async () => {
    const restricted = userIdOf(upns[RESTRICTED] as string);
    // Mapped to their Entra user like the others: only the restriction keeps the mailbox unread.
    const rows = await db().execute<{ directory_user_id: string; mail_in_scope: boolean }[]>(
      `select directory_user_id, mail_in_scope from mailbox where org_id = ? and rox_user_id = ?`,
      [org.orgId, members[RESTRICTED]],
    );
    expect(rows).toEqual([{ directory_user_id: restricted, mail_in_scope: false }]);
    const requests = await env.emu.control.requests();
    // The log since the emulator started: connect, directory sync, the first rounds (batch items
    // included).
    expect(requests.some((r) => r.mailbox === userIdOf(upns[WITH] as string))).toBe(true);
    expect(
      requests.filter(
        (r) =>
          r.mailbox === restricted ||
          r.path.includes(restricted) ||
          r.path.toLowerCase().includes(upns[RESTRICTED] as string),
      ),
    ).toEqual([]);
    expect(await links(members[RESTRICTED] as string)).toEqual([]);
  });

  it("a user folder's mail is synced with that folder; restricted mail in it is not stored", async () => {
    const mine = await links(members[WITH] as string);
    expect(mine.find((l) => l.graph_id === ids.filed)?.folder).toBe('inbox/customers');
    expect(mine.find((l) => l.graph_id === ids.toMove)?.folder).toBe('inbox');
    expect(mine.map((l) => l.graph_id)).not.toContain(ids.restricted);
    expect(await channel(members[WITH] as string)).toMatchObject({
      stage: 'ok',
      folder_id: customersId,
    });
    // Resolved through the hierarchy delta once (the mailbox lacking it asks each run), then
    // addressed by id.
    const listings = await folderListings();
    expect(listings.filter((r) => r.mailbox === userIdOf(upns[WITH] as string))).toHaveLength(1);
    expect(listings.some((r) => r.mailbox === userIdOf(upns[WITHOUT] as string))).toBe(true);
    const requests = await env.emu.control.requests();
    expect(
      requests.some((r) => r.path.includes(`/mailFolders/${customersId}/messages/delta`)),
    ).toBe(true);
  });

  it('a mailbox without the folder shows that channel failed with the reason; its Inbox syncs', async () => {
    expect(await channel(members[WITHOUT] as string)).toMatchObject({
      stage: 'failed',
      last_error_code: 'MAIL_FOLDER_NOT_FOUND',
      folder_id: null,
    });
    expect((await links(members[WITHOUT] as string)).map((l) => l.graph_id)).toContain(
      ids.withoutInbox,
    );
    const res = await http()
      .get(`/api/v1/orgwide/mail/members/${members[WITHOUT] as string}`)
      .set('authorization', `Bearer ${org.admin}`);
    expect(res.body.channels).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ folder: 'inbox', stage: 'ok' }),
        expect.objectContaining({
          folder: 'inbox/customers',
          stage: 'failed',
          reason: 'MAIL_FOLDER_NOT_FOUND',
        }),
      ]),
    );
    const status = await http()
      .get('/api/v1/orgwide/status')
      .set('authorization', `Bearer ${org.admin}`);
    expect(status.body.mail.mailboxes).toMatchObject({ failed: 0 });
  });

  it('a move from Inbox to the user folder keeps one row; an idle mailbox does not list its folders again', async () => {
    const owner = upns[WITH] as string;
    const before = (await links(members[WITH] as string)).find((l) => l.graph_id === ids.toMove);
    await env.emu.control.moveMail(env.tenantId, owner, ids.toMove as string, customersId);
    await env.emu.control.clearRequests();
    await cycle();
    const after = (await links(members[WITH] as string)).filter(
      (l) => l.message_id === before?.message_id,
    );
    expect(after).toEqual([
      { graph_id: ids.toMove, folder: 'inbox/customers', message_id: before?.message_id },
    ]);
    // Not even the mailbox lacking the folder looks for it again so soon.
    expect(await folderListings()).toEqual([]);
  });

  it('a mailbox lacking the folder stays in the idle $batch instead of a job (and a listing) each cycle', async () => {
    const lacking = userIdOf(upns[WITHOUT] as string);
    await env.emu.control.clearRequests();
    await cycle();
    const all = await env.emu.control.requests();
    // Its other folders are read as batch items; nothing of it outside a batch.
    expect(all.filter((r) => !r.batchItem && r.mailbox === lacking)).toEqual([]);
    const items = all.filter((r) => r.batchItem && r.mailbox === lacking);
    expect(items.map((r) => r.path).sort()).toEqual([
      expect.stringMatching(/\/mailFolders\('archive'\)\/messages\/delta$/),
      expect.stringMatching(/\/mailFolders\('inbox'\)\/messages\/delta$/),
      expect.stringMatching(/\/mailFolders\('sentitems'\)\/messages\/delta$/),
    ]);
    // Still shown as missing, and looked for again once MISSING_FOLDER_RECHECK_MS has passed.
    expect(await channel(members[WITHOUT] as string)).toMatchObject({
      stage: 'failed',
      last_error_code: 'MAIL_FOLDER_NOT_FOUND',
    });
    await ageMissingCheck(members[WITHOUT] as string);
    await env.emu.control.clearRequests();
    await cycle();
    expect((await folderListings()).map((r) => r.mailbox)).toEqual([lacking]);
  });

  it('follows a renamed folder by id, without listing the folders', async () => {
    const owner = upns[WITH] as string;
    await env.emu.control.renameMailFolder(env.tenantId, owner, customersId, 'Clients');
    await deliver('afterRename', WITH, { folder: customersId });
    await env.emu.control.clearRequests();
    await cycle();
    const mine = await links(members[WITH] as string);
    expect(mine.find((l) => l.graph_id === ids.afterRename)?.folder).toBe('inbox/customers');
    expect((await folderListings()).map((r) => r.mailbox)).not.toContain(userIdOf(owner));
  });

  it('a refused folder lookup (403 ErrorQuotaExceeded on a full mailbox) marks only that folder; Inbox still syncs', async () => {
    // Microsoft documents mailFolders/delta answering 403 ErrorQuotaExceeded when a mailbox is at
    // its quota, while ordinary reads still work.
    const lacking = userIdOf(upns[WITHOUT] as string);
    await env.emu.control.addFault({
      match: `^GET /v1\\.0/users/${lacking}/mailFolders/delta`,
      status: 403,
      errorCode: 'ErrorQuotaExceeded',
      count: 1,
    });
    await ageMissingCheck(members[WITHOUT] as string);
    await deliver('whileFull', WITHOUT);
    await env.emu.control.clearRequests();
    await cycle();
    await env.emu.control.clearFaults();
    expect((await folderListings()).map((r) => [r.mailbox, r.status])).toEqual([[lacking, 403]]);
    expect((await links(members[WITHOUT] as string)).map((l) => l.graph_id)).toContain(
      ids.whileFull,
    );
    expect(await channel(members[WITHOUT] as string)).toMatchObject({
      stage: 'failed',
      last_error_code: 'MAIL_PERMISSION_DENIED',
      folder_id: null,
    });
    // Not asked again every cycle: the mailbox goes back to the idle $batch until the recheck.
    await env.emu.control.clearRequests();
    await cycle();
    expect(await folderListings()).toEqual([]);
    const all = await env.emu.control.requests();
    expect(all.filter((r) => !r.batchItem && r.mailbox === lacking)).toEqual([]);
  });

  it('a folder created later is found at the next look, through Inbox whatever its name in the mailbox language', async () => {
    const owner = upns[WITHOUT] as string;
    // A German mailbox: 'Inbox/customers' still means the folder in the Inbox.
    await env.emu.control.renameMailFolder(env.tenantId, owner, 'inbox', 'Posteingang');
    const created = await env.emu.control.createMailFolder(
      env.tenantId,
      owner,
      'customers',
      'inbox',
    );
    await deliver('lateFolder', WITHOUT, { folder: created.id });
    // Looked for again once the last look is MISSING_FOLDER_RECHECK_MS old.
    await ageMissingCheck(members[WITHOUT] as string);
    await cycle();
    expect(await channel(members[WITHOUT] as string)).toMatchObject({
      stage: 'ok',
      folder_id: created.id,
    });
    const theirs = await links(members[WITHOUT] as string);
    expect(theirs.find((l) => l.graph_id === ids.lateFolder)?.folder).toBe('inbox/customers');
  });

  it('a folder deleted in Outlook is looked up again (404), then marked missing and its links dropped', async () => {
    const owner = upns[WITH] as string;
    const head = await http()
      .get('/api/v1/mail/changes')
      .query({ cursor: '0', limit: 500 })
      .set('authorization', `Bearer ${org.service}`);
    await env.emu.control.removeMailFolder(env.tenantId, owner, customersId);
    await env.emu.control.clearRequests();
    await cycle();
    expect(await channel(members[WITH] as string)).toMatchObject({
      stage: 'failed',
      last_error_code: 'MAIL_FOLDER_NOT_FOUND',
      folder_id: null,
    });
    const mine = await links(members[WITH] as string);
    expect(mine.filter((l) => l.folder === 'inbox/customers')).toEqual([]);
    expect(mine.length).toBeGreaterThan(0);
    const requests = await env.emu.control.requests();
    const gone = requests.filter((r) => r.path.includes(customersId));
    expect(gone.map((r) => r.status)).toContain(404);
    expect((await folderListings()).map((r) => r.mailbox)).toContain(userIdOf(owner));
    // The feed says the folder's cursor was reset, then what left with it.
    const feed = await http()
      .get('/api/v1/mail/changes')
      .query({ cursor: head.body.nextCursor as string, limit: 500 })
      .set('authorization', `Bearer ${org.service}`);
    const items = feed.body.items as { change: string; roxUserId?: string; folder?: string }[];
    expect(items[0]).toMatchObject({
      change: 'cursor_reset',
      roxUserId: members[WITH],
      folder: PATH,
      reason: 'cursor_unusable',
    });
    expect(items.filter((i) => i.change === 'deleted').length).toBeGreaterThanOrEqual(3);
  });

  it('taking the path out of the setting purges its links and channels, with a receipt', async () => {
    const theirs = members[WITHOUT] as string;
    expect((await links(theirs)).filter((l) => l.folder === 'inbox/customers')).toHaveLength(1);
    await saveSettings(env, org, { ...settings, extraMailFolders: ['archive'] });
    await mailboxesSettled(env, org.orgId);
    await env.emu.control.clearRequests();
    await cycle();
    expect((await links(theirs)).filter((l) => l.folder === 'inbox/customers')).toEqual([]);
    expect(await channel(theirs)).toBeUndefined();
    type Receipt = { target_id: string; details: Record<string, unknown> };
    const receipts = await db().execute<Receipt[]>(
      `select target_id, details from audit_entry
       where org_id = ? and action = 'mail.folder_purged' and target_id = ?`,
      [org.orgId, theirs],
    );
    expect(receipts.map((r: Receipt) => r.details)).toEqual([
      expect.objectContaining({ folder: 'inbox/customers', links: 1, channels: 1 }),
    ]);
    expect(await folderListings()).toEqual([]);
  });
});
