import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { DEMO_TENANT } from '@rox365/m365-emulator';

import { syncFinished } from '../support/directory-env';
import { startApiWithEmulator, type ApiWithEmulator } from '../support/emulator';
import { holdSyncRounds, mailCycle, mailDb } from '../support/mail-env';
import { connectOrg, orgTokens, seedMembers, type OrgTokens } from '../support/orgwide';
import { newOrgId } from '../support/test-env';

const MEGAN = DEMO_TENANT.users.member;
const DAY = 86_400_000;
const BULK = 6_000;
const RESTRICTED_DOMAIN = 'restricted.example';

const iso = (ms: number) => new Date(ms).toISOString().slice(0, 19) + 'Z';

/**
 * MAIL-1's backfill past Graph's cap: a `$filter`ed first delta round returns at most 5,000
 * messages, so an inbox with more mail inside the window must still arrive whole (the older part
 * listed through `/mailFolders/{f}/messages` windows), nothing outside the window, and the full
 * round's reconcile must keep what the listing saw.
 */
describe('mail backfill past the 5,000-message cap', () => {
  let env: ApiWithEmulator;
  let org: OrgTokens;
  const now = Date.now();

  const inboxLinks = async () =>
    Number(
      (
        await mailDb(env).execute<{ n: string }[]>(
          `select count(*) as n from mail_message_link
           where org_id = ? and rox_user_id = 'megan' and folder = 'inbox'`,
          [org.orgId],
        )
      )[0]?.n,
    );
  const storedSubjects = async (like: string) =>
    (
      await mailDb(env).execute<{ subject: string }[]>(
        `select subject from mail_message where org_id = ? and subject like ?`,
        [org.orgId, like],
      )
    ).map((r: { subject: string }) => r.subject);
  // What the emulator's inbox holds inside the window, restricted mail left out.
  const expectedInbox = () => {
    const tenant = env.emu.state.findTenant(env.tenantId);
    const user = tenant?.findUser(MEGAN);
    const inbox = user ? tenant?.mailbox(user)?.folder('inbox') : undefined;
    let n = 0;
    for (const m of inbox?.messages.values() ?? []) {
      const restricted = m.from.address.endsWith(`@${RESTRICTED_DOMAIN}`);
      if (!restricted && Date.parse(m.receivedDateTime) >= now - 89 * DAY) n += 1;
    }
    return n;
  };

  beforeAll(async () => {
    env = await startApiWithEmulator({
      env: { MAIL_PAGE_SIZE: '500', MAIL_BACKFILL_DAYS: '90' },
    });
    await env.api.startWorker();
    org = await orgTokens(env, newOrgId());
    await seedMembers(env, org, [{ roxUserId: 'megan', email: MEGAN }]);
    // Inside the window: 6,000 messages over 60 days, arriving oldest first.
    await env.emu.control.deliverBulkMail(env.tenantId, MEGAN, {
      count: BULK,
      receivedFrom: iso(now - 60 * DAY),
      receivedTo: iso(now - 3_600_000),
      subjectPrefix: 'Bulk',
    });
    // Outside the window: never fetched.
    await env.emu.control.deliverBulkMail(env.tenantId, MEGAN, {
      count: 20,
      receivedFrom: iso(now - 200 * DAY),
      receivedTo: iso(now - 199 * DAY),
      subjectPrefix: 'Ancient',
    });
    // In the older part (beyond the newest 5,000): the restriction filter applies there too.
    await env.emu.control.deliverMail(env.tenantId, MEGAN, {
      subject: 'Older part, restricted sender',
      from: { name: 'R', address: `someone@${RESTRICTED_DOMAIN}` },
      receivedDateTime: iso(now - 59 * DAY),
    });
    await env.emu.control.deliverMail(env.tenantId, MEGAN, {
      subject: 'Older part, kept',
      from: { name: 'Ann', address: 'ann@customer.example' },
      receivedDateTime: iso(now - 59.5 * DAY),
    });
    // The connect's first rounds wait until the request log is cleared.
    const release = await holdSyncRounds(env, org.orgId);
    expect(
      await connectOrg(env, org, {
        settings: {
          calendarAccess: 'off',
          emailAccess: 'metadata',
          restrictedDomains: [RESTRICTED_DOMAIN],
        },
      }),
    ).toBe('connected');
    await syncFinished(env, org, null);
    await env.emu.control.clearRequests();
    await release();
    await mailCycle(env, org, ['megan']);
  }, 600_000);
  afterAll(() => env.close());

  it('stores every message of the window, none outside it, none restricted', async () => {
    const expected = expectedInbox();
    expect(expected).toBeGreaterThan(BULK);
    expect(await inboxLinks()).toBe(expected);
    const bulk = await storedSubjects('Bulk %');
    expect(bulk).toHaveLength(BULK);
    expect(bulk).toContain('Bulk 0');
    expect(bulk).toContain(`Bulk ${BULK - 1}`);
    expect(await storedSubjects('Ancient %')).toEqual([]);
    expect(await storedSubjects('Older part%')).toEqual(['Older part, kept']);
  });

  it('asked Graph for the newest 5,000 by delta, then listed the older part through nextLinks', async () => {
    // Delta nextLinks name the folder as mailFolders('inbox').
    const inbox = (await env.emu.control.requests({ pathContains: '/mailFolders' }))
      .filter((r) => /mailFolders(\/inbox|\('inbox'\))\/messages/.test(r.path))
      .map((r) => ({ ...r, query: decodeURIComponent(r.query.replace(/\+/g, ' ')) }));
    const deltas = inbox.filter((r) => r.path.endsWith('/messages/delta'));
    const first = deltas[0];
    expect(first?.query).toContain('$orderby=receivedDateTime desc');
    expect(first?.query).toMatch(/\$filter=receivedDateTime ge /);
    expect(deltas.length).toBeGreaterThanOrEqual(10);
    for (const r of deltas) {
      expect(r.query).not.toMatch(/\$top/);
      expect(r.prefer).toMatch(/odata\.maxpagesize=500/);
    }
    const lists = inbox.filter((r) => r.path.endsWith('/messages'));
    // 1,000-odd older messages at 500 a page: the first request and the nextLinks it led to.
    expect(lists.length).toBeGreaterThanOrEqual(3);
    for (const r of lists) {
      expect(r.status).toBe(200);
      expect(r.prefer).toMatch(/IdType="ImmutableId"/);
      expect(r.query).toMatch(/receivedDateTime ge \S+ and receivedDateTime lt \S+/);
      expect(r.query).toContain('$orderby=receivedDateTime desc');
    }
    expect(lists[0]?.query).not.toContain('$skip');
    expect(lists.slice(1).every((r) => r.query.includes('$skip'))).toBe(true);
    expect(await env.emu.control.throttleViolations()).toEqual([]);
  });

  it('an incremental round lists nothing; a reset (410) backfills again and reconciles by set difference', async () => {
    await env.emu.control.clearRequests();
    await mailCycle(env, org, ['megan']);
    expect(
      (await env.emu.control.requests({ pathContains: '/mailFolders/inbox/messages' })).filter(
        (r) => !r.path.endsWith('/delta'),
      ),
    ).toEqual([]);

    // Deleted for good while the cursor is dead: only the reconcile can notice.
    const tenant = env.emu.state.findTenant(env.tenantId);
    const user = tenant?.findUser(MEGAN);
    const inbox = user ? tenant?.mailbox(user)?.folder('inbox') : undefined;
    const doomed = [...(inbox?.messages.values() ?? [])].find((m) => m.subject === 'Bulk 7');
    expect(doomed).toBeDefined();
    await env.emu.control.deleteMail(env.tenantId, MEGAN, doomed?.id ?? '');
    await env.emu.control.deleteMail(env.tenantId, MEGAN, doomed?.id ?? '');
    await env.emu.control.expireDeltaTokens(env.tenantId, { resource: 'messages', user: MEGAN });
    await mailCycle(env, org, ['megan']);
    expect(await storedSubjects('Bulk 7')).toEqual([]);
    expect(await inboxLinks()).toBe(expectedInbox());
    expect(await storedSubjects('Bulk 0')).toEqual(['Bulk 0']);
  });
});
