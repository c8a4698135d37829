import { type MikroORM } from '@mikro-orm/postgresql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import {
  buildIncomingMessage,
  buildMailPage,
  buildMailSend,
} from '../../test/factories/mail.factory';
import { buildMailbox, ensureMailbox } from '../../test/factories/mailbox.factory';
import { openTestOrm } from '../../test/factories/test-orm';
import { newOrgId } from '../../test/support/test-env';
import { Mailbox } from '../mailboxes/entities/mailbox.entity';
import { MailboxRepository } from '../mailboxes/mailbox.repository';
import { markQueued, markRunning } from '../platform/sync/sync-channel';
import { type MailChannel, type MailFolderName } from './entities/mail-channel.entity';
import { MailMessageLink } from './entities/mail-message-link.entity';
import { MailMessage } from './entities/mail-message.entity';
import {
  heldKey,
  MailRepository,
  messagePageQuery,
  type IncomingMessage,
  type MailPage,
} from './mail.repository';

const NOW = new Date('2026-11-28T10:00:00Z');
const at = (hour: number) => new Date(Date.UTC(2026, 10, 28, hour));
const HTML = { sealed: 'enc:v2:v1:sealed-html', contentType: 'html' as const };

// Graph id `graphId` in one mailbox of the message `<key@contoso.com>`.
const copy = (graphId: string, key: string, over: Partial<IncomingMessage> = {}) =>
  buildIncomingMessage(graphId, { internetMessageId: `<${key}@contoso.com>`, ...over });

describe('MailRepository on Postgres', () => {
  let orm: MikroORM;
  const repo = () => new MailRepository(orm.em.fork());
  const apply = (
    orgId: string,
    roxUserId: string,
    page: MailPage,
    folder: MailFolderName = 'inbox',
    round = 1,
  ) =>
    ensureMailbox(orm.em, orgId, roxUserId).then(() =>
      repo().applyPage(orgId, roxUserId, folder, round, page, NOW),
    );
  const message = (orgId: string, key: string) =>
    orm.em.fork().findOne(MailMessage, { orgId, internetMessageId: `<${key}@contoso.com>` });
  const idOf = async (orgId: string, key: string) => (await message(orgId, key))?.id ?? 'missing';
  const feed = async (orgId: string) =>
    (await repo().changes(orgId, '0', 1000)).map((c) => [c.messageId, c.change]);
  const holders = async (orgId: string, key: string) =>
    (await repo().linksOf(orgId, [await idOf(orgId, key)])).map((l) => l.roxUserId);

  beforeAll(async () => {
    orm = await openTestOrm();
  });
  afterAll(() => orm.close(true));

  it('stores one message per internetMessageId with a link per mailbox, and replays in place', async () => {
    const orgId = newOrgId();
    const other = newOrgId();
    const patPage = buildMailPage([copy('pat-a', 'a'), copy('pat-b', 'b')]);
    expect(await apply(orgId, 'pat', patPage)).toEqual({ added: 2, updated: 0, removed: 0 });
    // Sam's Sent Items copy of a: the same message, one more link.
    expect(await apply(orgId, 'sam', buildMailPage([copy('sam-a', 'a')]), 'sentitems')).toEqual({
      added: 1,
      updated: 0,
      removed: 0,
    });
    expect(await holders(orgId, 'a')).toEqual(['pat', 'sam']);
    const [a, b] = [await idOf(orgId, 'a'), await idOf(orgId, 'b')];
    expect(await feed(orgId)).toEqual([
      [a, 'created'],
      [b, 'created'],
      [a, 'updated'],
    ]);

    // A replay (read now, subject edited, seen in round 2) updates the rows it has.
    const replay = buildMailPage([
      copy('pat-a', 'a', { isRead: true, subject: 'Edited' }),
      copy('pat-b', 'b'),
    ]);
    expect(await apply(orgId, 'pat', replay, 'inbox', 2)).toEqual({
      added: 0,
      updated: 2,
      removed: 0,
    });
    expect((await message(orgId, 'a'))?.subject).toBe('Edited');
    expect(await orm.em.fork().count(MailMessage, { orgId })).toBe(2);
    const patA = await orm.em
      .fork()
      .findOneOrFail(MailMessageLink, { orgId, roxUserId: 'pat', graphId: 'pat-a' });
    expect(patA).toMatchObject({ isRead: true, seenRound: 2, folder: 'inbox' });
    // An older round never lowers what a link was seen in.
    await apply(orgId, 'pat', replay, 'inbox', 1);
    expect(await repo().deleteUnseen(orgId, 'pat', 'inbox', 2, NOW)).toBe(0);

    // Within a page the last copy of an id wins.
    await apply(
      orgId,
      'pat',
      buildMailPage([
        copy('pat-c', 'c', { subject: 'first' }),
        copy('pat-c', 'c', { subject: 'last' }),
      ]),
    );
    expect((await message(orgId, 'c'))?.subject).toBe('last');
    expect(await repo().countLinks(orgId, 'pat')).toBe(3);

    // The same message in another org is a row of its own.
    await apply(other, 'pat', patPage);
    expect(await idOf(other, 'a')).not.toBe(a);
    expect(await holders(orgId, 'a')).toEqual(['pat', 'sam']);
    expect(await repo().countLinks(orgId, 'sam', 'sentitems')).toBe(1);
    expect(await repo().countLinks(orgId, 'sam', 'inbox')).toBe(0);
  });

  it("a message its sender's Sent Items copy shows restricted loses every copy from that sender, in every mailbox, and stores none later while the lists hold the entry", async () => {
    const orgId = newOrgId();
    const other = newOrgId();
    const PAT = 'pat@contoso.com'; // every copy here is from Pat (the factory's sender)
    const held = (org: string, keys: string[], entries: string[] | null = null) =>
      repo().restrictedMessages(
        org,
        keys.map((k) => ({ internetMessageId: `<${k}@contoso.com>`, sender: PAT })),
        entries,
      );
    // Zoe's Inbox copy shows no restricted participant: stored.
    await apply(orgId, 'zoe', buildMailPage([copy('zoe-a', 'a'), copy('zoe-b', 'b')]));
    await apply(other, 'zoe', buildMailPage([copy('zoe-a', 'a')]));
    const a = await idOf(orgId, 'a');
    // Pat's Sent Items copy shows a restricted Bcc: his copy is excluded, Zoe's goes too.
    const sent = buildMailPage([], {
      excludedGraphIds: ['pat-a'],
      restrictedMessages: [
        { internetMessageId: '<a@contoso.com>', sender: PAT, reason: 'partner.example' },
      ],
    });
    expect(await apply(orgId, 'pat', sent, 'sentitems')).toMatchObject({ removed: 1 });
    expect(await message(orgId, 'a')).toBeNull();
    expect((await feed(orgId)).at(-1)).toEqual([a, 'deleted']);
    expect(await held(orgId, ['a', 'b'])).toEqual(new Set([heldKey('<a@contoso.com>', PAT)]));
    // Only under lists that hold the entry.
    expect(await held(orgId, ['a'], ['x@y.example'])).toEqual(new Set());
    // A copy of it met later (Zoe's next round, another mailbox) is not stored; others are.
    expect(
      await apply(
        orgId,
        'zoe',
        buildMailPage([copy('zoe-a', 'a'), copy('zoe-c', 'c')]),
        'inbox',
        2,
      ),
    ).toMatchObject({ added: 1 });
    await apply(orgId, 'sam', buildMailPage([copy('sam-a', 'a')]));
    expect(await message(orgId, 'a')).toBeNull();
    expect(await holders(orgId, 'b')).toEqual(['zoe']);
    // Another org's copy is its own.
    expect(await holders(other, 'a')).toEqual(['zoe']);
    expect(await held(other, ['a'])).toEqual(new Set());
    // While the lists hold its reason the note stays; without it (laxer lists, the org's purge)
    // it goes, and the next copy is stored again.
    expect(await repo().forgetRestrictedMessages(orgId, ['partner.example', 'x@y.example'])).toBe(
      0,
    );
    expect(await repo().forgetRestrictedMessages(orgId, ['x@y.example'])).toBe(1);
    await apply(orgId, 'zoe', buildMailPage([copy('zoe-a', 'a')]), 'inbox', 3);
    expect(await holders(orgId, 'a')).toEqual(['zoe']);
  });

  it("someone else's mail reusing a message's id neither removes nor holds back that message", async () => {
    const orgId = newOrgId();
    await apply(orgId, 'zoe', buildMailPage([copy('zoe-a', 'a')]));
    // Mallory's own Sent Items copy of a message carrying the id of Pat's, restricted.
    const forged = buildMailPage([], {
      excludedGraphIds: ['mallory-a'],
      restrictedMessages: [
        {
          internetMessageId: '<a@contoso.com>',
          sender: 'mallory@contoso.com',
          reason: 'partner.example',
        },
      ],
    });
    expect(await apply(orgId, 'mallory', forged, 'sentitems')).toMatchObject({ removed: 0 });
    expect(await holders(orgId, 'a')).toEqual(['zoe']);
    await apply(orgId, 'sam', buildMailPage([copy('sam-a', 'a')]));
    expect(await holders(orgId, 'a')).toEqual(['sam', 'zoe']);
  });

  it('the retroactive purge notes what it removes, so a copy that does not show why stays out', async () => {
    const orgId = newOrgId();
    // Pat's Sent Items copy, stored first, shows the Bcc.
    await apply(
      orgId,
      'pat',
      buildMailPage([
        copy('pat-a', 'a', {
          bcc: [{ address: 'y@partner.example', name: null }],
          participants: ['pat@contoso.com', 'zoe@contoso.com', 'y@partner.example'],
        }),
      ]),
      'sentitems',
    );
    expect(await repo().purgeRestricted(orgId, ['partner.example'], [], NOW)).toBe(1);
    expect(
      await repo().restrictedMessages(
        orgId,
        [{ internetMessageId: '<a@contoso.com>', sender: 'pat@contoso.com' }],
        ['partner.example'],
      ),
    ).toEqual(new Set([heldKey('<a@contoso.com>', 'pat@contoso.com')]));
    await apply(orgId, 'zoe', buildMailPage([copy('zoe-a', 'a')]));
    expect(await message(orgId, 'a')).toBeNull();
  });

  it('keeps a fetched body until a mailbox drops it, and lists copies still without one', async () => {
    const orgId = newOrgId();
    const other = newOrgId();
    const odd = 'we"ird,{id}\\x';
    await apply(
      orgId,
      'pat',
      buildMailPage([
        copy('pat-a', 'a', { body: HTML, receivedAt: at(9) }),
        copy('pat-b', 'b', { receivedAt: at(11) }),
        copy('pat-c', 'c', { receivedAt: null }),
        copy('pat-d', 'd', { receivedAt: at(8) }),
        copy('pat-odd', odd, { body: HTML }),
      ]),
    );
    await apply(other, 'pat', buildMailPage([copy('pat-b', 'b', { body: HTML })]));
    // Array parameters survive quotes, commas, braces and backslashes.
    expect(
      await repo().withBody(orgId, ['<a@contoso.com>', '<b@contoso.com>', `<${odd}@contoso.com>`]),
    ).toEqual(new Set(['<a@contoso.com>', `<${odd}@contoso.com>`]));
    expect(await repo().withBody(orgId, [])).toEqual(new Set());

    // A later metadata-level copy (no body) keeps the stored body.
    await apply(orgId, 'sam', buildMailPage([copy('sam-a', 'a')]));
    expect(await message(orgId, 'a')).toMatchObject({
      bodyAvailable: true,
      bodySealed: HTML.sealed,
      bodyContentType: 'html',
    });

    // Newest first, messages without a received time last.
    const missing = await repo().linksWithoutBody(orgId, 'pat', 10);
    expect(missing.map((l) => l.graph_id)).toEqual(['pat-b', 'pat-d', 'pat-c']);
    expect(missing[0]?.message_id).toBe(await idOf(orgId, 'b'));
    expect((await repo().linksWithoutBody(orgId, 'pat', 1)).map((l) => l.graph_id)).toEqual([
      'pat-b',
    ]);
    expect(await repo().linksWithoutBody(orgId, 'sam', 10)).toEqual([]);

    await repo().setBody(
      orgId,
      await idOf(orgId, 'b'),
      { sealed: 'enc:text', contentType: 'text' },
      NOW,
    );
    expect(await message(orgId, 'b')).toMatchObject({
      bodyAvailable: true,
      bodySealed: 'enc:text',
      bodyContentType: 'text',
    });
    // setBody is scoped by org: another org's id changes nothing here.
    await repo().setBody(orgId, await idOf(other, 'b'), HTML, NOW);
    expect((await message(other, 'b'))?.bodySealed).toBe(HTML.sealed);

    // Sam goes down to metadata: bodies of the messages Sam holds go, Pat's others stay.
    expect(await repo().dropBodies(orgId, ['sam'], NOW)).toBe(1);
    expect(await message(orgId, 'a')).toMatchObject({
      bodyAvailable: false,
      bodySealed: null,
      bodyContentType: null,
    });
    expect((await message(orgId, 'b'))?.bodyAvailable).toBe(true);
    expect(await repo().dropBodies(orgId, ['sam'], NOW)).toBe(0);
    expect(await repo().dropBodies(orgId, [], NOW)).toBe(0);
    // Many mailboxes in one statement (an idle cycle's settled metadata-level mailboxes).
    expect(await repo().dropBodies(orgId, ['nobody', 'pat'], NOW)).toBe(2);
    expect((await message(orgId, 'b'))?.bodyAvailable).toBe(false);
    expect((await message(orgId, odd))?.bodyAvailable).toBe(false);
    expect((await message(other, 'b'))?.bodyAvailable).toBe(true);
  });

  it('applies moves, removals and exclusions, dropping messages no mailbox holds', async () => {
    const orgId = newOrgId();
    await apply(orgId, 'pat', buildMailPage(['a', 'b', 'c', 'd'].map((k) => copy(`pat-${k}`, k))));
    await apply(orgId, 'sam', buildMailPage([copy('sam-a', 'a')]));
    const [a, b, c] = [await idOf(orgId, 'a'), await idOf(orgId, 'b'), await idOf(orgId, 'c')];
    const seen = (await feed(orgId)).length;

    expect(
      await apply(
        orgId,
        'pat',
        buildMailPage([], { moved: [{ graphId: 'pat-b', folder: 'sentitems' }] }),
      ),
    ).toEqual({ added: 0, updated: 0, removed: 0 });
    expect(await repo().countLinks(orgId, 'pat', 'sentitems')).toBe(1);
    // A move of a copy Rox does not hold changes nothing.
    await apply(orgId, 'pat', buildMailPage([], { moved: [{ graphId: 'nope', folder: 'inbox' }] }));

    expect(
      await apply(
        orgId,
        'pat',
        buildMailPage([copy('pat-d', 'd')], {
          removedGraphIds: ['pat-a', 'pat-d'],
          excludedGraphIds: ['pat-c', 'pat-a'],
        }),
      ),
    ).toEqual({ added: 0, updated: 1, removed: 2 });
    // a lives on in Sam's mailbox; c is gone; d was listed in the same page, so it stays.
    expect(await holders(orgId, 'a')).toEqual(['sam']);
    expect(await message(orgId, 'c')).toBeNull();
    expect(await message(orgId, 'd')).not.toBeNull();
    const changes = (await feed(orgId)).slice(seen);
    expect(changes[0]).toEqual([b, 'updated']);
    expect(changes).toContainEqual([a, 'updated']);
    expect(changes).toContainEqual([c, 'deleted']);
    expect(changes).not.toContainEqual([a, 'deleted']);

    // Full round 2 of the inbox sees only d: the rest of the inbox goes, Sent Items stays.
    await apply(orgId, 'pat', buildMailPage([copy('pat-e', 'e')]), 'inbox', 1);
    await apply(orgId, 'pat', buildMailPage([copy('pat-d', 'd')]), 'inbox', 2);
    const e = await idOf(orgId, 'e');
    expect(await repo().deleteUnseen(orgId, 'pat', 'inbox', 2, NOW)).toBe(1);
    expect(await message(orgId, 'e')).toBeNull();
    expect(await repo().countLinks(orgId, 'pat', 'inbox')).toBe(1);
    expect(await repo().countLinks(orgId, 'pat', 'sentitems')).toBe(1);
    expect((await feed(orgId)).at(-1)).toEqual([e, 'deleted']);

    // A full round bounded by the backfill window (after a 410) judges only the window: f, older
    // than it and not asked for, stays; g, inside it and not seen, goes.
    await apply(
      orgId,
      'pat',
      buildMailPage([copy('pat-f', 'f', { receivedAt: at(1) })]),
      'inbox',
      2,
    );
    await apply(
      orgId,
      'pat',
      buildMailPage([copy('pat-g', 'g', { receivedAt: at(8) })]),
      'inbox',
      2,
    );
    await apply(orgId, 'pat', buildMailPage([copy('pat-d', 'd')]), 'inbox', 3);
    expect(await repo().deleteUnseen(orgId, 'pat', 'inbox', 3, NOW, at(6))).toBe(1);
    expect(await message(orgId, 'f')).not.toBeNull();
    expect(await message(orgId, 'g')).toBeNull();
    expect(await repo().countLinks(orgId, 'pat', 'inbox')).toBe(2);
  });

  it("a copy that changes folder takes the new folder's round, so that folder's full round judges it", async () => {
    const orgId = newOrgId();
    // In the Inbox since its round 5; the Archive's rounds are behind (2).
    await apply(orgId, 'pat', buildMailPage([copy('pat-m', 'm'), copy('pat-n', 'n')]), 'inbox', 5);
    // Moved to the Archive: m reported by the Archive's delta, n by a move of the Inbox's.
    await apply(orgId, 'pat', buildMailPage([copy('pat-m', 'm')]), 'archive', 2);
    await apply(
      orgId,
      'pat',
      buildMailPage([], { moved: [{ graphId: 'pat-n', folder: 'archive' }] }),
      'inbox',
      6,
    );
    expect(await repo().countLinks(orgId, 'pat', 'archive')).toBe(2);
    // Both deleted while the Archive's cursor was dead: its full round 3 sees neither.
    expect(await repo().deleteUnseen(orgId, 'pat', 'archive', 3, NOW)).toBe(2);
    expect(await message(orgId, 'm')).toBeNull();
    expect(await message(orgId, 'n')).toBeNull();
  });

  it('writes a page only while the mailbox is a mail target (left scope or purged: nothing stored)', async () => {
    const orgId = newOrgId();
    await apply(orgId, 'pat', buildMailPage([copy('pat-a', 'a')]));
    await orm.em.fork().nativeUpdate(Mailbox, { orgId, roxUserId: 'pat' }, { mailInScope: false });
    await expect(
      repo().applyPage(orgId, 'pat', 'inbox', 1, buildMailPage([copy('pat-b', 'b')]), NOW),
    ).rejects.toMatchObject({ code: 'MAIL_MEMBER_NOT_FOUND' });
    await orm.em.fork().nativeDelete(Mailbox, { orgId, roxUserId: 'pat' });
    await expect(
      repo().applyPage(orgId, 'pat', 'inbox', 1, buildMailPage([copy('pat-c', 'c')]), NOW),
    ).rejects.toMatchObject({ code: 'MAIL_MEMBER_NOT_FOUND' });
    expect(await message(orgId, 'b')).toBeNull();
    expect(await message(orgId, 'c')).toBeNull();
    expect(await repo().countLinks(orgId, 'pat')).toBe(1);
  });

  it('writes a page unless a purge applied other lists since its round read them (MAIL-S3)', async () => {
    const orgId = newOrgId();
    const partner = { domains: ['partner.example'], addresses: ['bob@contoso.com'] };
    type Judged = typeof partner & { appliedAt: Date | null };
    const judged = (key: string, restrictions: Judged) =>
      apply(orgId, 'pat', { ...buildMailPage([copy(`pat-${key}`, key)]), restrictions });
    // Before the first purge any lists pass.
    await judged('a', { domains: [], addresses: [], appliedAt: null });
    const state = await repo().orgState(orgId);
    Object.assign(state, {
      restrictedDomains: partner.domains,
      restrictedUsers: partner.addresses,
      checkedAt: NOW,
    });
    await repo().saveOrgState(state);
    expect(await new MailboxRepository(orm.em.fork()).restrictionsAppliedAt(orgId, 'mail')).toEqual(
      NOW,
    );
    await judged('b', { ...partner, appliedAt: null });
    // Read after the purge: stricter lists pass (the next purge applies them); laxer ones wait
    // for the purge that applies them.
    await judged('c', {
      ...partner,
      domains: ['other.example', 'partner.example'],
      appliedAt: NOW,
    });
    await expect(judged('f', { ...partner, addresses: [], appliedAt: NOW })).rejects.toMatchObject({
      code: 'MAIL_RESTRICTIONS_CHANGED',
    });
    // Read before it, with a user added to (or a domain lifted from) the lists since: nothing.
    await expect(judged('d', { ...partner, addresses: [], appliedAt: null })).rejects.toMatchObject(
      { code: 'MAIL_RESTRICTIONS_CHANGED' },
    );
    await expect(judged('e', { ...partner, domains: [], appliedAt: null })).rejects.toMatchObject({
      code: 'MAIL_RESTRICTIONS_CHANGED',
    });
    expect(await message(orgId, 'd')).toBeNull();
    expect(await message(orgId, 'e')).toBeNull();
    expect(await message(orgId, 'f')).toBeNull();
    expect(await repo().countLinks(orgId, 'pat')).toBe(3);
  });

  it('pages newest first on (receivedAt, id), by mailbox, address and conversation', async () => {
    const orgId = newOrgId();
    const other = newOrgId();
    await apply(
      orgId,
      'pat',
      buildMailPage([
        copy('pat-n1', 'n1', { receivedAt: at(12), conversationId: 'c1' }),
        copy('pat-n2', 'n2', { receivedAt: at(10), conversationId: 'c2' }),
        copy('pat-n3', 'n3', { receivedAt: at(10), conversationId: 'c2' }),
        copy('pat-n4', 'n4', { receivedAt: null, conversationId: 'c1' }),
      ]),
    );
    await apply(
      orgId,
      'sam',
      buildMailPage([
        copy('sam-s1', 's1', {
          receivedAt: at(11),
          participants: ['sam@fabrikam.com', 'kim@contoso.com'],
        }),
        copy('sam-n1', 'n1', { receivedAt: at(12), conversationId: 'c1' }),
      ]),
    );
    await apply(other, 'pat', buildMailPage([copy('pat-o1', 'o1', { receivedAt: at(13) })]));
    const ids = Object.fromEntries(
      await Promise.all(['n1', 'n2', 'n3', 'n4', 's1'].map(async (k) => [k, await idOf(orgId, k)])),
    ) as Record<string, string>;
    // n2 and n3 arrived at the same moment: the larger id first.
    const [tieHigh, tieLow] = [ids.n2!, ids.n3!].sort().reverse();

    const first = await repo().page(orgId, { roxUserId: 'pat' }, null, 2);
    expect(first.map((m) => m.id)).toEqual([ids.n1, tieHigh]);
    const last = first[1]!;
    const second = await repo().page(
      orgId,
      { roxUserId: 'pat' },
      { receivedAt: last.receivedAt ?? new Date(0), id: last.id },
      2,
    );
    expect(second.map((m) => m.id)).toEqual([tieLow, ids.n4]);
    // Past a message without a received time (the cursor holds the epoch for it): nothing left.
    expect(
      await repo().page(orgId, { roxUserId: 'pat' }, { receivedAt: new Date(0), id: ids.n4! }, 2),
    ).toEqual([]);

    expect((await repo().page(orgId, {}, null, 10)).map((m) => m.id)).toEqual([
      ids.n1,
      ids.s1,
      tieHigh,
      tieLow,
      ids.n4,
    ]);
    expect(
      (await repo().page(orgId, { address: 'kim@contoso.com' }, null, 10)).map((m) => m.id),
    ).toEqual([ids.s1]);
    expect((await repo().page(orgId, { conversationId: 'c2' }, null, 10)).map((m) => m.id)).toEqual(
      [tieHigh, tieLow],
    );
    expect(await repo().page(orgId, { roxUserId: 'sam', conversationId: 'c2' }, null, 10)).toEqual(
      [],
    );
    expect(await repo().page(orgId, { roxUserId: 'nobody' }, null, 10)).toEqual([]);
    // The listed columns under the entity's property names, with every mailbox's copy in
    // member order; neither the sealed body nor the participants column is read.
    expect(first[0]).toMatchObject({
      internetMessageId: '<n1@contoso.com>',
      toRecipients: [{ address: 'sam@fabrikam.com', name: 'Sam' }],
      receivedAt: at(12),
      copies: [
        { roxUserId: 'pat', folder: 'inbox', isRead: false },
        { roxUserId: 'sam', folder: 'inbox', isRead: false },
      ],
    });
    // (A read column would be null or a value here, never undefined.)
    const listed = first[0] as unknown as Record<string, unknown>;
    expect([listed.bodySealed, listed.participants]).toEqual([undefined, undefined]);
    expect(await repo().findMessage(orgId, ids.s1!)).toMatchObject({ subject: 'Subject sam-s1' });
    // The single read: every column, and the copies.
    expect(await repo().messageWithCopies(orgId, ids.n1!)).toMatchObject({
      internetMessageId: '<n1@contoso.com>',
      participants: expect.any(Array),
      bodySealed: null,
      copies: [
        { roxUserId: 'pat', folder: 'inbox', isRead: false },
        { roxUserId: 'sam', folder: 'inbox', isRead: false },
      ],
    });
    expect(await repo().messageWithCopies(other, ids.n1!)).toBeNull();
    expect(await repo().findMessage(other, ids.s1!)).toBeNull();
    expect(await repo().linksOf(orgId, [])).toEqual([]);
  });

  it('purges a mailbox (counts, orphans only) and restricted messages, one org only', async () => {
    const orgId = newOrgId();
    const other = newOrgId();
    const restrictedPage = buildMailPage([
      copy('pat-r1', 'r1', { participants: ['pat@contoso.com', 'lee@fabrikam.com'] }),
      copy('pat-r2', 'r2', { participants: ['pat@contoso.com', 'kim@eu.fabrikam.com'] }),
      copy('pat-r3', 'r3', { participants: ['pat@contoso.com', 'x@notfabrikam.com'] }),
      copy('pat-r4', 'r4', { participants: ['pat@contoso.com', 'boss@contoso.com'] }),
      copy('pat-r5', 'r5', { participants: ['pat@contoso.com'] }),
    ]);
    for (const o of [orgId, other]) {
      await apply(o, 'pat', restrictedPage);
      await apply(o, 'sam', buildMailPage([copy('sam-r1', 'r1'), copy('sam-r5', 'r5')]));
    }
    const [r1, r2, r4] = [
      await idOf(orgId, 'r1'),
      await idOf(orgId, 'r2'),
      await idOf(orgId, 'r4'),
    ];
    const seen = (await feed(orgId)).length;

    expect(await repo().purgeRestricted(orgId, [], [], NOW)).toBe(0);
    expect(await repo().purgeRestricted(orgId, ['fabrikam.com'], ['boss@contoso.com'], NOW)).toBe(
      3,
    );
    expect((await feed(orgId)).slice(seen).sort()).toEqual(
      [
        [r1, 'deleted'],
        [r2, 'deleted'],
        [r4, 'deleted'],
      ].sort(),
    );
    expect(await message(orgId, 'r3')).not.toBeNull();
    expect(await repo().countLinks(orgId, 'pat')).toBe(2);
    expect(await repo().countLinks(orgId, 'sam')).toBe(1);
    expect(await repo().purgeRestricted(orgId, ['fabrikam.com'], ['boss@contoso.com'], NOW)).toBe(
      0,
    );

    // Pat leaves: r3 (Pat's alone) goes, r5 stays with Sam.
    for (const folder of ['inbox', 'sentitems'] as const) {
      await repo().saveChannel(await repo().channel(orgId, 'pat', folder));
    }
    const r3 = await idOf(orgId, 'r3');
    const r5 = await idOf(orgId, 'r5');
    const before = (await feed(orgId)).length;
    expect(await repo().purgeMailbox(orgId, 'pat', NOW)).toEqual({
      links: 2,
      messages: 1,
      channels: 2,
    });
    expect((await feed(orgId)).slice(before).sort()).toEqual(
      [
        [r3, 'deleted'],
        [r5, 'updated'],
      ].sort(),
    );
    expect(await holders(orgId, 'r5')).toEqual(['sam']);
    expect(await repo().purgeMailbox(orgId, 'pat', NOW)).toEqual({
      links: 0,
      messages: 0,
      channels: 0,
    });

    // The other org kept all of it.
    expect(await repo().countLinks(other, 'pat')).toBe(5);
    expect(await orm.em.fork().count(MailMessage, { orgId: other })).toBe(5);
  });

  it("keeps the org's message count exact through every write and purge path (a maintained counter)", async () => {
    const orgId = newOrgId();
    const other = newOrgId();
    const counted = async (o: string) => [
      await repo().countMessages(o),
      await orm.em.fork().count(MailMessage, { orgId: o }),
    ];
    expect(await counted(orgId)).toEqual([0, 0]);

    // Pages: new messages count, a second copy and a replay do not, the other org is apart.
    await apply(orgId, 'pat', buildMailPage(['a', 'b', 'c', 'd'].map((k) => copy(`pat-${k}`, k))));
    await apply(orgId, 'sam', buildMailPage([copy('sam-a', 'a'), copy('sam-e', 'e')]));
    await apply(
      orgId,
      'pat',
      buildMailPage([copy('pat-a', 'a', { subject: 'Edited' })]),
      'inbox',
      2,
    );
    await apply(other, 'pat', buildMailPage([copy('pat-a', 'a')]));
    expect(await counted(orgId)).toEqual([5, 5]);
    expect(await counted(other)).toEqual([1, 1]);

    // Removals: b goes, a keeps Sam's link; an unseen sweep takes c and d.
    await apply(
      orgId,
      'pat',
      buildMailPage([], { removedGraphIds: ['pat-a', 'pat-b'] }),
      'inbox',
      2,
    );
    expect(await counted(orgId)).toEqual([4, 4]);
    expect(await repo().deleteUnseen(orgId, 'pat', 'inbox', 2, NOW)).toBe(2);
    expect(await counted(orgId)).toEqual([2, 2]);

    // Restricted mail, a mailbox's purge, then the whole org's.
    await apply(
      orgId,
      'pat',
      buildMailPage([
        copy('pat-r', 'r', { participants: ['pat@contoso.com', 'lee@northwind.com'] }),
      ]),
      'inbox',
      3,
    );
    expect(await counted(orgId)).toEqual([3, 3]);
    expect(await repo().purgeRestricted(orgId, ['northwind.com'], [], NOW)).toBe(1);
    expect(await counted(orgId)).toEqual([2, 2]);
    await repo().purgeMailbox(orgId, 'sam', NOW);
    expect(await counted(orgId)).toEqual([0, 0]);
    await apply(orgId, 'pat', buildMailPage([copy('pat-f', 'f')]), 'inbox', 4);
    await repo().purgeOrgLinks(orgId);
    expect(await repo().purgeOrgMessages(orgId)).toBe(1);
    expect(await counted(orgId)).toEqual([0, 0]);
    // The org's purge takes the counter row too; the other org keeps its own.
    expect(await repo().purgeOrgCount(orgId)).toBe(1);
    expect(await repo().purgeOrgCount(orgId)).toBe(0);
    expect(await counted(other)).toEqual([1, 1]);
  });

  it('an extra folder: a move from Inbox keeps the row; taken out of the setting, its channel and the copies it alone held go', async () => {
    const orgId = newOrgId();
    const other = newOrgId();
    for (const o of [orgId, other]) {
      await apply(o, 'pat', buildMailPage([copy('pat-f1', 'f1'), copy('pat-f2', 'f2')]));
      await apply(o, 'pat', buildMailPage([copy('pat-f3', 'f3')]), 'archive');
      // Sam holds a copy of f2 in his own Inbox.
      await apply(o, 'sam', buildMailPage([copy('sam-f2', 'f2')]));
      for (const folder of ['inbox', 'sentitems', 'archive'] as const)
        await repo().saveChannel(await repo().channel(o, 'pat', folder));
    }
    // Inbox → Archive: the same link row, its folder changed.
    const f2 = await idOf(orgId, 'f2');
    await apply(
      orgId,
      'pat',
      buildMailPage([], { moved: [{ graphId: 'pat-f2', folder: 'archive' }] }),
    );
    const moved = await orm.em
      .fork()
      .find(MailMessageLink, { orgId, roxUserId: 'pat', graphId: 'pat-f2' });
    expect(moved.map((l) => [l.folder, l.messageId])).toEqual([['archive', f2]]);
    expect(await repo().countLinks(orgId, 'pat', 'archive')).toBe(2);
    expect(await repo().countLinks(orgId, 'pat', 'inbox')).toBe(1);

    // Still configured: nothing is outside the set.
    expect(await repo().foldersOutside(orgId, ['inbox', 'sentitems', 'archive'])).toEqual([]);
    expect(await repo().foldersOutside(orgId, ['inbox', 'sentitems'])).toEqual([
      { roxUserId: 'pat', folder: 'archive' },
    ]);
    const f3 = await idOf(orgId, 'f3');
    const before = (await feed(orgId)).length;
    expect(await repo().purgeFolder(orgId, 'pat', 'archive', NOW)).toEqual({
      links: 2,
      messages: 1,
      channels: 1,
    });
    // f3 was held by Pat's Archive alone; f2 stays (Sam's copy), without Pat.
    expect((await feed(orgId)).slice(before).sort()).toEqual(
      [
        [f3, 'deleted'],
        [f2, 'updated'],
      ].sort(),
    );
    expect(await message(orgId, 'f3')).toBeNull();
    expect(await holders(orgId, 'f2')).toEqual(['sam']);
    expect(await repo().countLinks(orgId, 'pat', 'inbox')).toBe(1);
    expect((await repo().channels(orgId, ['pat'])).map((c) => c.folder)).toEqual([
      'inbox',
      'sentitems',
    ]);
    expect(await repo().foldersOutside(orgId, ['inbox', 'sentitems'])).toEqual([]);
    // The other org kept its Archive.
    expect(await repo().countLinks(other, 'pat', 'archive')).toBe(1);
    expect((await repo().channels(other, ['pat'])).map((c) => c.folder)).toContain('archive');
  });

  it('keeps channels per folder, resets cursors, keeps restriction state, and purges an org', async () => {
    const orgId = newOrgId();
    const other = newOrgId();
    const fresh = await repo().channel(orgId, 'pat', 'inbox');
    expect(fresh).toMatchObject({ stage: 'never', cursor: null, folder: 'inbox' });
    const minute = (m: number) => new Date(Date.UTC(2026, 10, 28, 9, m));
    const save = async (
      o: string,
      roxUserId: string,
      folder: MailFolderName,
      move: (c: MailChannel) => void,
    ) => {
      const channel = await repo().channel(o, roxUserId, folder);
      move(channel);
      channel.cursor = `https://graph.example/delta?$deltatoken=${roxUserId}-${folder}`;
      channel.cursorAt = minute(0);
      await repo().saveChannel(channel);
    };
    await save(orgId, 'pat', 'sentitems', (c) => markRunning(c, minute(1)));
    await save(orgId, 'pat', 'inbox', (c) => markQueued(c, minute(2)));
    await save(orgId, 'ann', 'inbox', (c) => markRunning(c, minute(30)));
    await save(other, 'pat', 'inbox', (c) => markRunning(c, minute(1)));

    expect((await repo().channels(orgId)).map((c) => `${c.roxUserId}/${c.folder}`)).toEqual([
      'ann/inbox',
      'pat/inbox',
      'pat/sentitems',
    ]);
    expect((await repo().channels(orgId, ['ann'])).map((c) => c.folder)).toEqual(['inbox']);
    const busy = (await repo().channelsBusySince(minute(10)))
      .filter((c) => [orgId, other].includes(c.orgId))
      .map((c) => `${c.orgId}/${c.roxUserId}/${c.folder}`)
      .sort();
    expect(busy).toEqual(
      [`${orgId}/pat/inbox`, `${orgId}/pat/sentitems`, `${other}/pat/inbox`].sort(),
    );

    await apply(orgId, 'sam', buildMailPage([copy('sam-a', 'a')]));
    // A member's status read: channels as plain rows and the messages each folder holds.
    const pats = await repo().memberChannels(orgId, 'pat');
    expect(pats.channels.map((c) => [c.folder, c.stage, c.cursorAt])).toEqual([
      ['inbox', 'queued', minute(0)],
      ['sentitems', 'running', minute(0)],
    ]);
    expect(pats.counts).toEqual(new Map());
    const sams = await repo().memberChannels(orgId, 'sam');
    expect(sams).toEqual({ channels: [], counts: new Map([['inbox', 1]]) });
    expect((await repo().mailboxesWithMail(orgId)).sort()).toEqual(['ann', 'pat', 'sam']);
    expect(await repo().resetCursors(orgId, NOW)).toBe(3);
    expect((await repo().channels(orgId)).map((c) => [c.cursor, c.cursorAt])).toEqual([
      [null, null],
      [null, null],
      [null, null],
    ]);
    // Each folder that had a cursor says so in the feed; a second reset finds none left.
    const resets = (await repo().changes(orgId, '0', 100)).filter(
      (c) => c.change === 'cursor_reset',
    );
    expect(resets.map((c) => [c.roxUserId, c.folder, c.reason, c.messageId]).sort()).toEqual([
      ['ann', 'inbox', 'restrictions_lifted', null],
      ['pat', 'inbox', 'restrictions_lifted', null],
      ['pat', 'sentitems', 'restrictions_lifted', null],
    ]);
    expect(await repo().resetCursors(orgId, NOW)).toBe(0);
    expect((await repo().channel(other, 'pat', 'inbox')).cursor).toMatch(/deltatoken=pat-inbox$/);

    // Restriction state: a default until saved, then what was saved.
    expect(await repo().orgState(orgId)).toMatchObject({ restrictedDomains: [], checkedAt: null });
    const state = await repo().orgState(orgId);
    state.restrictedDomains = ['fabrikam.com'];
    state.restrictedUsers = ['boss@contoso.com'];
    state.checkedAt = NOW;
    await repo().saveOrgState(state);
    expect(await repo().orgState(orgId)).toMatchObject({
      restrictedDomains: ['fabrikam.com'],
      restrictedUsers: ['boss@contoso.com'],
      checkedAt: NOW,
    });
    expect((await repo().orgState(other)).restrictedDomains).toEqual([]);

    // Sends: per member, then per org.
    const em = orm.em.fork();
    for (const o of [orgId, other]) {
      em.persist([buildMailSend(o, 'pat', 'k1'), buildMailSend(o, 'sam', 'k1')]);
    }
    await em.flush();
    expect(await repo().purgeMemberSends(orgId, 'pat')).toBe(1);

    await apply(other, 'sam', buildMailPage([copy('sam-a', 'a')]));
    expect(await repo().purgeOrgLinks(orgId)).toBe(1);
    expect(await repo().purgeOrgMessages(orgId)).toBe(1);
    expect(await repo().purgeOrgChannels(orgId)).toBe(3);
    expect(await repo().purgeOrgChanges(orgId)).toBe(4);
    expect(await repo().purgeOrgState(orgId)).toBe(1);
    expect(await repo().purgeOrgSends(orgId)).toBe(1);
    expect(await repo().mailboxesWithMail(orgId)).toEqual([]);
    // Nothing of the other org went.
    expect((await repo().mailboxesWithMail(other)).sort()).toEqual(['pat', 'sam']);
    expect(await repo().purgeOrgSends(other)).toBe(2);
  });

  it("lists the ids user folders' channels found, for the org or one member, never another org's", async () => {
    const orgId = newOrgId();
    const other = newOrgId();
    const resolve = async (o: string, roxUserId: string, folder: string, id: string | null) => {
      const channel = await repo().channel(o, roxUserId, folder);
      channel.folderId = id;
      channel.directoryUserId = `dir-${roxUserId}`;
      await repo().saveChannel(channel);
    };
    await resolve(orgId, 'pat', 'Inbox/Customers', 'AAMk-pat-customers');
    await resolve(orgId, 'pat', 'inbox', 'AAMk-pat-inbox');
    await resolve(orgId, 'ann', 'Inbox/Customers', 'AAMk-ann-customers');
    // Looked for and not found: no id, nothing to watch.
    await resolve(orgId, 'sam', 'Inbox/Customers', null);
    await resolve(other, 'pat', 'Inbox/Customers', 'AAMk-other-org');
    const rows = await repo().resolvedFolders(orgId, ['Inbox/Customers', 'Projects']);
    expect(rows.map((r) => [r.roxUserId, r.folder, r.folderId, r.directoryUserId]).sort()).toEqual([
      ['ann', 'Inbox/Customers', 'AAMk-ann-customers', 'dir-ann'],
      ['pat', 'Inbox/Customers', 'AAMk-pat-customers', 'dir-pat'],
    ]);
    expect(
      (await repo().resolvedFolders(orgId, ['Inbox/Customers'], 'ann')).map((r) => r.folderId),
    ).toEqual(['AAMk-ann-customers']);
    expect(await repo().resolvedFolders(orgId, [])).toEqual([]);
  });

  it("locks an idle batch's folder channel rows and counts their links: by member and folder, other folders stay free", async () => {
    const orgId = newOrgId();
    const pat = (folder: MailFolderName) => ({ roxUserId: 'pat', folder });
    expect(await repo().lockChannelsProgress(orgId, [pat('inbox')])).toEqual(new Map());
    const cursor = (folder: string) =>
      `https://graph.example/v1.0/users/u1/mailFolders('${folder}')/messages/delta?$deltatoken=t`;
    const channels = [];
    for (const folder of ['inbox', 'sentitems'] as const) {
      const channel = await repo().channel(orgId, 'pat', folder);
      channel.stage = 'ok';
      channel.cursor = cursor(folder);
      channels.push(channel);
    }
    await repo().saveChannels(channels);
    await apply(orgId, 'pat', buildMailPage([copy('pat-a', 'a'), copy('pat-b', 'b')]));
    await apply(orgId, 'pat', buildMailPage([copy('pat-c', 'c')]), 'sentitems');
    await apply(orgId, 'sam', buildMailPage([copy('sam-a', 'a')]));
    expect(
      await repo().linkCounts(orgId, [pat('inbox'), pat('sentitems'), pat('archive')]),
    ).toEqual(
      new Map([
        ['pat:inbox', 2],
        ['pat:sentitems', 1],
      ]),
    );
    const tryLock = (folder: MailFolderName) =>
      orm.em.fork().transactional(async (other) => {
        await other.execute(`set local lock_timeout = '100ms'`);
        return new MailRepository(other).lockChannelsProgress(orgId, [pat(folder)]);
      });
    await orm.em.fork().transactional(async (em) => {
      expect(
        await new MailRepository(em).lockChannelsProgress(orgId, [
          pat('sentitems'),
          pat('archive'),
        ]),
      ).toEqual(new Map([['pat:sentitems', { stage: 'ok', cursor: cursor('sentitems') }]]));
      await expect(tryLock('sentitems')).rejects.toThrow(/lock timeout/);
      // Only that folder's row is held.
      expect((await tryLock('inbox')).get('pat:inbox')).toMatchObject({ stage: 'ok' });
    });
  });

  it('counts the org status in SQL: out of scope and restricted, the most pressing folder stage, reasons, last sync', async () => {
    const orgId = newOrgId();
    const other = newOrgId();
    const at = (h: number) => new Date(Date.UTC(2026, 10, 28, h));
    await new MailboxRepository(orm.em.fork()).upsertAll([
      buildMailbox(orgId, 'ok1'),
      buildMailbox(orgId, 'failing'),
      buildMailbox(orgId, 'busy'),
      buildMailbox(orgId, 'fresh'),
      buildMailbox(orgId, 'noarchive'),
      buildMailbox(orgId, 'off', { mailEffective: 'off' }),
      buildMailbox(orgId, 'outside', { mailInScope: false }),
      // Restricted by its directory address, written as a mail header would have it.
      buildMailbox(orgId, 'boss', {
        email: 'boss@rox.example',
        directoryUpn: ' <Boss@Contoso.com>',
      }),
      buildMailbox(other, 'ok1'),
    ]);
    const set = async (
      o: string,
      id: string,
      folder: MailFolderName,
      fields: Partial<Pick<MailChannel, 'stage' | 'lastErrorCode' | 'lastSyncAt'>>,
    ) => {
      const channel = await repo().channel(o, id, folder);
      Object.assign(channel, fields);
      await repo().saveChannel(channel);
    };
    for (const folder of ['inbox', 'sentitems', 'archive'] as const) {
      await set(orgId, 'ok1', folder, { stage: 'ok', lastSyncAt: at(9) });
      await set(orgId, 'boss', folder, { stage: 'failed', lastErrorCode: 'X', lastSyncAt: at(12) });
      await set(other, 'ok1', folder, { stage: 'failed', lastErrorCode: 'Y', lastSyncAt: at(12) });
    }
    await set(orgId, 'failing', 'inbox', { stage: 'ok', lastSyncAt: at(10) });
    await set(orgId, 'failing', 'sentitems', {
      stage: 'failed',
      lastErrorCode: 'MAIL_PERMISSION_DENIED',
    });
    await set(orgId, 'failing', 'archive', { stage: 'queued', lastErrorCode: 'MAIL_THROTTLED' });
    await set(orgId, 'busy', 'inbox', { stage: 'running' });
    await set(orgId, 'busy', 'sentitems', { stage: 'queued', lastErrorCode: 'MAIL_THROTTLED' });
    await set(orgId, 'fresh', 'inbox', { stage: 'ok' }); // sentitems and archive: no channel yet
    for (const folder of ['inbox', 'sentitems'] as const)
      await set(orgId, 'noarchive', folder, { stage: 'ok' });
    await set(orgId, 'noarchive', 'archive', { stage: 'failed', lastErrorCode: 'NOT_FOUND' });

    expect(
      await repo().mailboxSummary(
        orgId,
        ['inbox', 'sentitems', 'archive'],
        ['boss@contoso.com'],
        'NOT_FOUND',
      ),
    ).toEqual({
      mailboxes: { notInScope: 3, never: 1, queued: 0, running: 1, ok: 2, failed: 1 },
      reasons: expect.arrayContaining([
        { code: 'MAIL_PERMISSION_DENIED', mailboxes: 1 },
        { code: 'MAIL_THROTTLED', mailboxes: 2 },
        { code: 'NOT_FOUND', mailboxes: 1 },
      ]),
      lastSyncAt: at(10),
    });
    // Only the folders synced count: without archive, noarchive has nothing to report.
    const two = await repo().mailboxSummary(orgId, ['inbox', 'sentitems'], [], 'NOT_FOUND');
    expect(two.mailboxes).toEqual({
      notInScope: 2,
      never: 1,
      queued: 0,
      running: 1,
      ok: 2,
      failed: 2,
    });
    expect(two.reasons).toHaveLength(3);
    expect(two.lastSyncAt).toEqual(at(12));
    expect(await repo().mailboxSummary(newOrgId(), ['inbox'], [], 'NOT_FOUND')).toEqual({
      mailboxes: { notInScope: 0, never: 0, queued: 0, running: 0, ok: 0, failed: 0 },
      reasons: [],
      lastSyncAt: null,
    });
  });

  it('pages a contact newest first off the participant index, kept by triggers through writes and deletes', async () => {
    const orgId = newOrgId();
    const other = newOrgId();
    // 300 messages with the busy contact (a few undated), 100 with another; Pat and Sam hold some
    // of the same ones (one row per message and address, whatever the copies).
    for (let part = 0; part < 4; part += 1) {
      const copies = Array.from({ length: 100 }, (_, k) => {
        const n = part * 100 + k;
        const contact = part < 3 ? 'busy@fabrikam.com' : 'quiet@fabrikam.com';
        return copy(`part-${n}`, `part-${n}`, {
          participants: ['pat@contoso.com', contact, ...(n % 7 === 0 ? [contact] : [])],
          receivedAt: n % 50 === 3 ? null : new Date(Date.UTC(2026, 9, 1, 0, n)),
        });
      });
      await apply(orgId, 'pat', buildMailPage(copies));
      await apply(orgId, 'sam', buildMailPage(copies.slice(0, 10)));
    }
    await apply(
      other,
      'pat',
      buildMailPage([copy('x-1', 'x-1', { participants: ['busy@fabrikam.com'] })]),
    );
    const em = orm.em.fork();
    await em.execute('analyze mail_message_participant');
    const { sql, params } = messagePageQuery(orgId, { address: 'busy@fabrikam.com' }, null, 51);
    const plan = (await em.execute<Record<string, string>[]>(`explain ${sql}`, params))
      .map((row) => Object.values(row).join(''))
      .join('\n');
    // Walked backwards under the limit: the page never reads or sorts the contact's other rows.
    expect(plan).toMatch(
      /Limit[^\n]*\n\s*->\s+Index (Only )?Scan Backward using mail_message_participant_pkey/,
    );

    const walk = async (org: string, address: string) => {
      const seen: string[] = [];
      let after: { receivedAt: Date; id: string } | null = null;
      for (;;) {
        const rows = await repo().page(org, { address }, after, 60);
        seen.push(...rows.map((m) => m.internetMessageId));
        const last = rows.at(-1);
        if (rows.length < 60 || !last) break;
        after = { receivedAt: last.receivedAt ?? new Date(0), id: last.id };
      }
      return seen;
    };
    const dated = Array.from({ length: 300 }, (_, k) => 299 - k).filter((n) => n % 50 !== 3);
    const undated = (await walk(orgId, 'busy@fabrikam.com')).slice(dated.length);
    expect(await walk(orgId, 'busy@fabrikam.com')).toEqual([
      ...dated.map((n) => `<part-${n}@contoso.com>`),
      ...undated,
    ]);
    expect(undated.sort()).toEqual(
      [3, 53, 103, 153, 203, 253].map((n) => `<part-${n}@contoso.com>`).sort(),
    );
    expect(await walk(orgId, 'quiet@fabrikam.com')).toHaveLength(100);
    expect(await walk(other, 'busy@fabrikam.com')).toEqual(['<x-1@contoso.com>']);

    // Deletes through every path take their rows along: a restriction purge, a mailbox purge
    // (the messages only Pat held), the org's purge.
    expect(await repo().purgeRestricted(orgId, [], ['quiet@fabrikam.com'], NOW)).toBe(100);
    expect(await walk(orgId, 'quiet@fabrikam.com')).toEqual([]);
    await repo().purgeMailbox(orgId, 'pat', NOW);
    const sams = [200, 100, 0].flatMap((base) =>
      Array.from({ length: 10 }, (_, k) => base + 9 - k),
    );
    const left = await walk(orgId, 'busy@fabrikam.com');
    expect(left.slice(0, 27)).toEqual(
      sams.filter((n) => n % 50 !== 3).map((n) => `<part-${n}@contoso.com>`),
    );
    expect(left.slice(27).sort()).toEqual(
      [3, 103, 203].map((n) => `<part-${n}@contoso.com>`).sort(),
    );
    const rowsOf = async (org: string) =>
      Number(
        (
          await em.execute<{ n: string }[]>(
            'select count(*) as n from mail_message_participant where org_id = ?',
            [org],
          )
        )[0]?.n,
      );
    expect(await rowsOf(orgId)).toBe(60);
    // A writer that changes the date or the participants moves the message in the index.
    await em.execute(
      `update mail_message set received_at = ?, participants = array['pat@contoso.com', 'new@fabrikam.com']
        where org_id = ? and internet_message_id = '<part-5@contoso.com>'`,
      [new Date(Date.UTC(2027, 0, 1)), orgId],
    );
    expect(await walk(orgId, 'new@fabrikam.com')).toEqual(['<part-5@contoso.com>']);
    expect(await walk(orgId, 'busy@fabrikam.com')).not.toContain('<part-5@contoso.com>');
    expect(await repo().purgeOrgMessages(orgId)).toBe(30);
    expect(await rowsOf(orgId)).toBe(0);
    expect(await rowsOf(other)).toBe(1);
  });

  it('keeps each folder’s copy count equal to its links through writes, moves, deletes and purges', async () => {
    const orgId = newOrgId();
    const em = orm.em.fork();
    const kept = async () =>
      (
        await em.execute<{ k: string; n: string }[]>(
          `select rox_user_id || ':' || folder as k, links as n from mail_link_count
            where org_id = ? order by 1`,
          [orgId],
        )
      ).map((r) => [r.k, Number(r.n)]);
    const actual = async () =>
      (
        await em.execute<{ k: string; n: string }[]>(
          `select rox_user_id || ':' || folder as k, count(*) as n from mail_message_link
            where org_id = ? group by 1 order by 1`,
          [orgId],
        )
      ).map((r) => [r.k, Number(r.n)]);
    const same = async () => expect(await kept()).toEqual(await actual());

    await apply(orgId, 'pat', buildMailPage([1, 2, 3, 4].map((n) => copy(`c-${n}`, `c-${n}`))));
    await apply(orgId, 'pat', buildMailPage([copy('s-1', 'c-1'), copy('s-5', 'c-5')]), 'sentitems');
    await apply(orgId, 'sam', buildMailPage([copy('x-1', 'c-1')]));
    // A replay changes nothing; a move carries its count from Inbox to Sent Items.
    await apply(orgId, 'pat', buildMailPage([copy('c-1', 'c-1'), copy('c-2', 'c-2')]));
    await apply(orgId, 'pat', buildMailPage([copy('c-3', 'c-3')]), 'sentitems', 2);
    expect(await kept()).toEqual([
      ['pat:inbox', 3],
      ['pat:sentitems', 3],
      ['sam:inbox', 1],
    ]);
    await same();
    expect(await repo().countLinks(orgId, 'pat')).toBe(6);
    expect(await repo().countLinks(orgId, 'pat', 'sentitems')).toBe(3);
    expect(
      await repo().linkCounts(orgId, [
        { roxUserId: 'pat', folder: 'inbox' },
        { roxUserId: 'sam', folder: 'sentitems' },
      ]),
    ).toEqual(new Map([['pat:inbox', 3]]));

    // A full round that saw only c-1 in Pat's Inbox removes the rest of that folder.
    await apply(orgId, 'pat', buildMailPage([copy('c-1', 'c-1')]), 'inbox', 3);
    expect(await repo().deleteUnseen(orgId, 'pat', 'inbox', 3, NOW)).toBe(2);
    await same();
    await repo().purgeMailbox(orgId, 'pat', NOW);
    expect(await kept()).toEqual([['sam:inbox', 1]]);
    expect(await repo().countLinks(orgId, 'pat')).toBe(0);
    // The org's purge: the counts first (counted on the receipt), then the links.
    expect(await repo().purgeOrgLinkCounts(orgId)).toBe(1);
    expect(await repo().purgeOrgLinks(orgId)).toBe(1);
    expect(await kept()).toEqual([]);
  });

  it("pages a mailbox newest first off its links' index; two copies of one message count once", async () => {
    const orgId = newOrgId();
    for (let part = 0; part < 4; part += 1) {
      const copies = Array.from({ length: 100 }, (_, k) => {
        const n = part * 100 + k;
        return copy(`box-${n}`, `box-${n}`, { receivedAt: new Date(Date.UTC(2026, 9, 1, 0, n)) });
      });
      await apply(orgId, part % 2 ? 'sam' : 'pat', buildMailPage(copies));
    }
    // Pat's Sent Items copy of the newest message Pat holds in the Inbox (its own receivedAt
    // differs: the message's first one is what counts), and a message without a date.
    await apply(orgId, 'pat', buildMailPage([copy('box-sent-299', 'box-299')]), 'sentitems');
    await apply(
      orgId,
      'pat',
      buildMailPage([copy('box-undated', 'undated', { receivedAt: null })]),
    );
    const em = orm.em.fork();
    await em.execute('analyze mail_message_link');
    const { sql, params } = messagePageQuery(orgId, { roxUserId: 'pat' }, null, 51);
    const plan = (await em.execute<Record<string, string>[]>(`explain ${sql}`, params))
      .map((row) => Object.values(row).join(''))
      .join('\n');
    expect(plan).toContain('mail_message_link_member_received_index');

    const seen: string[] = [];
    let after: { receivedAt: Date; id: string } | null = null;
    for (;;) {
      const rows = await repo().page(orgId, { roxUserId: 'pat' }, after, 60);
      seen.push(...rows.map((m) => m.internetMessageId));
      const last = rows.at(-1);
      if (rows.length < 60 || !last) break;
      after = { receivedAt: last.receivedAt ?? new Date(0), id: last.id };
    }
    const expected = [
      ...Array.from({ length: 100 }, (_, k) => `<box-${299 - k}@contoso.com>`),
      ...Array.from({ length: 100 }, (_, k) => `<box-${99 - k}@contoso.com>`),
      '<undated@contoso.com>',
    ];
    expect(seen).toEqual(expected);
  });

  it('writes a page as one set: two copies of one email are one message, and the feed keeps page order', async () => {
    const orgId = newOrgId();
    const keys = Array.from({ length: 40 }, (_, i) => `bulk-${String(i).padStart(2, '0')}`);
    // Two copies of bulk-07 in the page (a duplicate the mailbox holds twice); the last wins.
    const page = buildMailPage([
      ...keys.map((k) => copy(`g-${k}`, k, { subject: `Subject ${k}` })),
      copy('g-bulk-07-again', 'bulk-07', { subject: 'Second copy' }),
    ]);
    expect(await apply(orgId, 'pat', page)).toEqual({ added: 41, updated: 0, removed: 0 });
    const ids = await Promise.all(keys.map((k) => idOf(orgId, k)));
    expect(new Set(ids).size).toBe(40);
    expect((await message(orgId, 'bulk-07'))?.subject).toBe('Second copy');
    expect(await holders(orgId, 'bulk-07')).toEqual(['pat', 'pat']);
    expect(await feed(orgId)).toEqual([...ids.map((id) => [id, 'created']), [ids[7], 'updated']]);
  });

  it('reads the change feed after a sequence, in commit order, per org', async () => {
    const orgId = newOrgId();
    const other = newOrgId();
    await apply(orgId, 'pat', buildMailPage([copy('pat-a', 'a'), copy('pat-b', 'b')]));
    await apply(other, 'pat', buildMailPage([copy('pat-z', 'z')]));
    await apply(orgId, 'pat', buildMailPage([], { removedGraphIds: ['pat-a'] }));
    const all = await repo().changes(orgId, '0', 100);
    expect(all.map((c) => c.change)).toEqual(['created', 'created', 'deleted']);
    const firstTwo = await repo().changes(orgId, '0', 2);
    const rest = await repo().changes(orgId, firstTwo[1]!.sequence, 2);
    expect([...firstTwo, ...rest].map((c) => c.sequence)).toEqual(all.map((c) => c.sequence));
    expect(await repo().changes(orgId, all[2]!.sequence, 10)).toEqual([]);

    // A reset folder: an entry of its own, in order with the message changes around it.
    await repo().cursorReset(orgId, 'pat', 'inbox', 'cursor_expired', NOW);
    await apply(orgId, 'pat', buildMailPage([copy('pat-c', 'c')]));
    const after = await repo().changes(orgId, all[2]!.sequence, 10);
    expect(after.map((c) => [c.change, c.roxUserId, c.folder, c.reason])).toEqual([
      ['cursor_reset', 'pat', 'inbox', 'cursor_expired'],
      ['created', null, null, null],
    ]);
    expect(after[0]?.messageId).toBeNull();
    expect(await repo().changes(other, '0', 10)).toHaveLength(1);
    // The head is the org's newest sequence (a cursor_reset counts), '0' for an empty feed.
    expect(await repo().feedHead(orgId)).toBe(after[1]?.sequence);
    expect(await repo().feedHead(other)).toBe((await repo().changes(other, '0', 10))[0]?.sequence);
    expect(await repo().feedHead(newOrgId())).toBe('0');
  });
});
