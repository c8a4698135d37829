import { MikroORM } from '@mikro-orm/postgresql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { mailboxesSettled, syncFinished } from '../support/directory-env';
import { startApiWithEmulator, type ApiWithEmulator } from '../support/emulator';
import { mailCycle } from '../support/mail-env';
import { connectOrg, orgTokens, seedMembers, type OrgTokens } from '../support/orgwide';
import { newOrgId } from '../support/test-env';

const MAILBOXES = 25;
const FOLDERS = 2; // Inbox and Sent Items: one channel, one batch item each.
const BATCH = 20;

interface ChannelRow {
  rox_user_id: string;
  folder: string;
  stage: string;
  delta_link: string | null;
  last_sync_at: string | null;
}

/**
 * Idle mail rounds over many mailboxes: once every folder channel holds a deltaLink, the org
 * cycle reads them in `$batch`es of 20 (two items per mailbox) instead of one job and two delta
 * requests per mailbox; a mailbox with new mail still gets it through its own job.
 */
describe('mail idle rounds in $batch', () => {
  let env: ApiWithEmulator;
  let org: OrgTokens;
  const upns = Array.from(
    { length: MAILBOXES },
    (_, i) => `idle${String(i).padStart(2, '0')}.mail@contoso.com`,
  );
  const member = (i: number) => `mail${i}`;
  const members = upns.map((_, i) => member(i));
  const userIdOf = (upn: string) => env.emu.state.findTenant(env.tenantId)?.findUser(upn)?.id;

  const db = () => env.api.app.get(MikroORM).em.fork().getConnection();
  const channelRows = (): Promise<ChannelRow[]> =>
    db().execute<ChannelRow[]>(
      `select rox_user_id, folder, stage, delta_link, last_sync_at from mail_channel
       where org_id = ?`,
      [org.orgId],
    );
  const subjectsOf = async (roxUserId: string): Promise<string[]> =>
    (
      await db().execute<{ subject: string }[]>(
        `select m.subject from mail_message m join mail_message_link l
           on l.org_id = m.org_id and l.message_id = m.id
         where m.org_id = ? and l.rox_user_id = ?`,
        [org.orgId, roxUserId],
      )
    ).map((r: { subject: string }) => r.subject);
  // Runs the org's cycle and waits until it and every mailbox sync it queued are done.
  const cycle = () => mailCycle(env, org, members, { attempts: 1200, intervalMs: 50 });
  const log = async () => {
    const all = await env.emu.control.requests();
    return {
      envelopes: all.filter((r) => !r.batchItem && r.path.endsWith('/$batch')),
      items: all.filter((r) => r.batchItem && r.path.includes('/messages/delta')),
      gets: all.filter((r) => !r.batchItem && r.path.includes('/messages/delta')),
    };
  };

  beforeAll(async () => {
    // Cycles in chunks of 20 mailboxes (20 + 5 here): chunking keeps ceil(2N/20) $batch requests.
    env = await startApiWithEmulator({ env: { MAIL_PAGE_SIZE: '7', ORG_CYCLE_CHUNK: '20' } });
    await env.api.startWorker();
    org = await orgTokens(env, newOrgId());
    for (const upn of upns) await env.emu.control.addUser(env.tenantId, { userPrincipalName: upn });
    await env.emu.control.deliverMail(env.tenantId, upns[0] as string, { subject: 'Seeded' });
    await seedMembers(
      env,
      org,
      upns.map((email, i) => ({ roxUserId: member(i), email })),
    );
    expect(
      await connectOrg(env, org, { settings: { calendarAccess: 'off', emailAccess: 'metadata' } }),
    ).toBe('connected');
    await syncFinished(env, org, null);
    await mailboxesSettled(env, org.orgId);
    // The first rounds are full ones, one job per mailbox; then every folder holds a deltaLink.
    await cycle();
    const rows = await channelRows();
    expect(rows).toHaveLength(MAILBOXES * FOLDERS);
    expect(rows.every((r) => r.stage === 'ok' && /deltatoken=/.test(r.delta_link ?? ''))).toBe(
      true,
    );
    expect(await subjectsOf(member(0))).toContain('Seeded');
  }, 180_000);
  afterAll(() => env.close());

  it(`an idle cycle over ${MAILBOXES} mailboxes costs ceil(${MAILBOXES}×${FOLDERS}/${BATCH}) $batch requests and no delta request of its own`, async () => {
    const before = new Map((await channelRows()).map((r) => [`${r.rox_user_id}/${r.folder}`, r]));
    await env.emu.control.clearRequests();

    await cycle();

    const { envelopes, items, gets } = await log();
    expect(envelopes).toHaveLength(Math.ceil((MAILBOXES * FOLDERS) / BATCH));
    expect(gets).toEqual([]);
    expect(items).toHaveLength(MAILBOXES * FOLDERS);
    expect(new Set(items.map((r) => r.mailbox))).toEqual(new Set(upns.map(userIdOf)));
    for (const item of items) {
      expect(item.status).toBe(200);
      // The stored link as Graph wrote it: mailFolders('inbox') / mailFolders('sentitems').
      expect(item.path).toMatch(/\/mailFolders\('(inbox|sentitems)'\)\/messages\/delta$/);
      expect(item.query).toMatch(/^\$deltatoken=/);
      // The same headers a round of the folder's own sends.
      expect(item.prefer).toMatch(/IdType="ImmutableId"/);
      expect(item.prefer).toMatch(/odata\.maxpagesize=7/);
    }
    // No job ran: nothing but the batches reached Outlook.
    expect(
      (await env.emu.control.requests()).filter((r) => !r.batchItem && r.mailbox !== undefined),
    ).toEqual([]);
    for (const row of await channelRows()) {
      const was = before.get(`${row.rox_user_id}/${row.folder}`);
      expect(row.stage).toBe('ok');
      expect(Date.parse(row.last_sync_at ?? '')).toBeGreaterThan(
        Date.parse(was?.last_sync_at ?? ''),
      );
    }
    const status = await env.api
      .http()
      .get(`/api/v1/orgwide/mail/members/${member(7)}`)
      .set('authorization', `Bearer ${org.admin}`);
    expect(status.status).toBe(200);
    expect(status.body.channels.map((c: { stage: string }) => c.stage)).toEqual(['ok', 'ok']);
    expect(await env.emu.control.throttleViolations()).toEqual([]);
  });

  it('new mail in one mailbox still arrives, once (its job replays the stored links), and a dead link runs a full round', async () => {
    const changed = upns[4] as string;
    const expired = upns[17] as string;
    await env.emu.control.deliverMail(env.tenantId, changed, {
      subject: 'Arrives through the job',
    });
    await env.emu.control.expireDeltaTokens(env.tenantId, { resource: 'messages', user: expired });
    await env.emu.control.clearRequests();

    await cycle();

    const { envelopes, items, gets } = await log();
    expect(envelopes).toHaveLength(Math.ceil((MAILBOXES * FOLDERS) / BATCH));
    expect(items).toHaveLength(MAILBOXES * FOLDERS);
    expect(items.filter((r) => r.mailbox === userIdOf(expired)).map((r) => r.status)).toEqual([
      410, 410,
    ]);
    // Only the two mailboxes the batches could not settle were read on their own.
    expect(new Set(gets.map((r) => r.mailbox))).toEqual(
      new Set([userIdOf(changed), userIdOf(expired)]),
    );
    // The changed mailbox's job read its Inbox from the very link the batch item read.
    const inboxItem = items.find(
      (r) => r.mailbox === userIdOf(changed) && r.path.includes("('inbox')"),
    );
    expect(gets.map((r) => r.query)).toContain(inboxItem?.query);
    expect(gets.some((r) => r.mailbox === userIdOf(expired) && r.status === 410)).toBe(true);

    const arrived = (await subjectsOf(member(4))).filter((s) => s === 'Arrives through the job');
    expect(arrived).toHaveLength(1);
    const rows = await channelRows();
    expect(rows.filter((r) => r.stage !== 'ok')).toEqual([]);

    // The next idle cycle is back to batches only, and nothing arrives twice.
    await env.emu.control.clearRequests();
    await cycle();
    const after = await log();
    expect(after.envelopes).toHaveLength(Math.ceil((MAILBOXES * FOLDERS) / BATCH));
    expect(after.gets).toEqual([]);
    expect(
      (await subjectsOf(member(4))).filter((s) => s === 'Arrives through the job'),
    ).toHaveLength(1);
  });
});
