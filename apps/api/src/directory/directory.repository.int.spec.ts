import { type MikroORM } from '@mikro-orm/postgresql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { buildDirectoryUserFields } from '../../test/factories/directory.factory';
import { buildMember } from '../../test/factories/member.factory';
import { openTestOrm } from '../../test/factories/test-orm';
import { newOrgId } from '../../test/support/test-env';
import { Member } from '../members/entities/member.entity';
import { markQueued, markRunning } from '../platform/sync/sync-channel';
import { DirectoryRepository } from './directory.repository';
import { type DirectorySyncState } from './entities/directory-sync-state.entity';
import { DIRECTORY_SEARCH_TEXT } from './entities/directory-user.entity';

const NOW = new Date('2026-11-22T04:00:00Z');
const fields = buildDirectoryUserFields;

describe('DirectoryRepository on Postgres', () => {
  let orm: MikroORM;
  const repo = () => new DirectoryRepository(orm.em.fork());

  beforeAll(async () => {
    orm = await openTestOrm();
  });
  afterAll(() => orm.close(true));

  it('upserts a page idempotently: duplicates in a page and replays count once', async () => {
    const orgId = newOrgId();
    const page = {
      users: [
        { id: 'u1', patch: fields({ displayName: 'first copy' }) },
        { id: 'u1', patch: fields() },
        {
          id: 'u2',
          patch: fields({ userPrincipalName: 'sam@contoso.com', mail: null, proxyAddresses: [] }),
        },
      ],
      removedIds: [],
    };
    expect(await repo().applyPage(orgId, page, 1, NOW)).toEqual({
      added: 2,
      updated: 0,
      removed: 0,
    });
    expect(await repo().applyPage(orgId, page, 1, NOW)).toEqual({
      added: 0,
      updated: 0,
      removed: 0,
    });
    const u1 = await repo().findUser(orgId, 'u1');
    expect(u1?.displayName).toBe('Pat');
    expect(
      await repo().applyPage(
        orgId,
        { users: [{ id: 'u1', patch: { accountEnabled: false } }], removedIds: ['u2'] },
        1,
        NOW,
      ),
    ).toEqual({ added: 0, updated: 1, removed: 1 });
    expect(await repo().countUsers(orgId)).toBe(1);
    // A minimal entry kept everything it did not carry.
    expect(await repo().findUser(orgId, 'u1')).toMatchObject({
      userPrincipalName: 'pat@contoso.com',
      accountEnabled: false,
      addresses: ['pat@contoso.com', 'pat.alias@contoso.com'],
    });
  });

  it('finds users by any of their addresses, case-insensitively, within the org only', async () => {
    const orgId = newOrgId();
    const otherOrg = newOrgId();
    await repo().applyPage(
      orgId,
      { users: [{ id: 'u1', patch: fields() }], removedIds: [] },
      1,
      NOW,
    );
    await repo().applyPage(
      otherOrg,
      { users: [{ id: 'u9', patch: fields() }], removedIds: [] },
      1,
      NOW,
    );
    expect((await repo().usersByAddress(orgId, 'PAT.ALIAS@contoso.com')).map((u) => u.id)).toEqual([
      'u1',
    ]);
    expect(await repo().usersByAddress(orgId, 'nobody@contoso.com')).toEqual([]);
  });

  it('a full round deletes the users it did not see, and nothing of other orgs', async () => {
    const orgId = newOrgId();
    const otherOrg = newOrgId();
    const users = ['a', 'b', 'c'].map((id) => ({
      id,
      patch: fields({ userPrincipalName: `${id}@contoso.com` }),
    }));
    await repo().applyPage(orgId, { users, removedIds: [] }, 1, NOW);
    await repo().applyPage(otherOrg, { users, removedIds: [] }, 1, NOW);
    // Round 2 sees a and c only.
    await repo().applyPage(orgId, { users: [users[0]!, users[2]!], removedIds: [] }, 2, NOW);
    expect(await repo().deleteUnseen(orgId, 2)).toBe(1);
    expect((await repo().userPage(orgId, { limit: 10, filter: 'all' })).map((u) => u.id)).toEqual([
      'a',
      'c',
    ]);
    expect(await repo().countUsers(otherOrg)).toBe(3);
    expect(await repo().purgeUsers(orgId)).toBe(2);
    expect(await repo().countUsers(otherOrg)).toBe(3);
  });

  // Users by id with their upn, mail and aliases; members by email.
  async function seed(
    orgId: string,
    users: { id: string; upn: string; mail?: string | null; alias?: string; enabled?: boolean }[],
    members: Record<string, string>,
  ): Promise<void> {
    const em = orm.em.fork();
    for (const [roxUserId, email] of Object.entries(members)) {
      em.persist(buildMember({ orgId, roxUserId, email }));
    }
    await em.flush();
    const state = await repo().syncState(orgId);
    await repo().saveSyncState(state);
    await repo().applyPage(
      orgId,
      {
        users: users.map((u) => ({
          id: u.id,
          patch: fields({
            userPrincipalName: u.upn,
            mail: u.mail === undefined ? u.upn : u.mail,
            proxyAddresses: u.alias ? [`smtp:${u.alias}`] : [],
            displayName: u.id,
            accountEnabled: u.enabled ?? true,
          }),
        })),
        removedIds: [],
      },
      1,
      NOW,
    );
  }
  const mappedOf = async (orgId: string) =>
    Object.fromEntries(
      (await repo().userPage(orgId, { limit: 100, filter: 'mapped' })).map((u) => [
        u.id,
        u.mappedRoxUserId,
      ]),
    );

  it('stores the mapping as a page is applied: mail before UPN before alias, enabled first', async () => {
    const orgId = newOrgId();
    await seed(
      orgId,
      [
        { id: 'u-alias', upn: 'x@contoso.com', mail: null, alias: 'kim@contoso.com' },
        { id: 'u-upn', upn: 'kim@contoso.com', mail: 'other@contoso.com' },
        { id: 'u-dis', upn: 'lee.old@contoso.com', mail: 'lee@contoso.com', enabled: false },
        { id: 'u-en', upn: 'lee.new@contoso.com', mail: null, alias: 'lee@contoso.com' },
        { id: 'u-b', upn: 'b@contoso.com', mail: 'sam@contoso.com' },
        { id: 'u-a', upn: 'a@contoso.com', mail: 'sam@contoso.com' },
      ],
      { kim: 'KIM@contoso.com', lee: 'lee@contoso.com', sam: 'sam@contoso.com', nobody: 'n@x.io' },
    );
    // Kim: UPN beats alias. Lee: a disabled account's mail still beats an enabled one's alias
    // (the kind of match first, then enabled). Sam: two mail matches, the lowest id.
    expect(await mappedOf(orgId)).toEqual({ 'u-upn': 'kim', 'u-dis': 'lee', 'u-a': 'sam' });
    expect((await repo().findSyncState(orgId))?.mappedMembers).toBe(3);
    const unmapped = await repo().userPage(orgId, { limit: 100, filter: 'unmapped' });
    expect(unmapped.map((u) => u.id).sort()).toEqual(['u-alias', 'u-b', 'u-en']);
  });

  it('moves the mapping when addresses change, users leave and members change', async () => {
    const orgId = newOrgId();
    await seed(
      orgId,
      [
        { id: 'u1', upn: 'pat@contoso.com' },
        { id: 'u2', upn: 'pat2@contoso.com', mail: null, alias: 'pat@contoso.com' },
      ],
      { pat: 'pat@contoso.com' },
    );
    expect(await mappedOf(orgId)).toEqual({ u1: 'pat' });
    // u1 renamed away from pat@: the alias holder u2 takes Pat over.
    await repo().applyPage(
      orgId,
      {
        users: [
          {
            id: 'u1',
            patch: { userPrincipalName: 'p1@contoso.com', mail: 'p1@contoso.com' },
          },
        ],
        removedIds: [],
      },
      1,
      NOW,
    );
    expect(await mappedOf(orgId)).toEqual({ u2: 'pat' });
    // u2 deleted: Pat maps to nobody.
    await repo().applyPage(orgId, { users: [], removedIds: ['u2'] }, 1, NOW);
    expect(await mappedOf(orgId)).toEqual({});
    expect((await repo().findSyncState(orgId))?.mappedMembers).toBe(0);
    // Pat's Rox email changes to u1's new address; then Pat leaves Rox.
    const em = orm.em.fork();
    const pat = await em.findOneOrFail(Member, { orgId, roxUserId: 'pat' });
    pat.update({ email: 'P1@contoso.com', displayName: 'Pat', role: 'member', now: NOW });
    await em.flush();
    expect(await repo().remap(orgId, { emails: [], roxUserIds: ['pat'] })).toBe(1);
    expect(await mappedOf(orgId)).toEqual({ u1: 'pat' });
    await em.removeAndFlush(pat);
    await repo().remap(orgId, { emails: [], roxUserIds: ['pat'] });
    expect(await mappedOf(orgId)).toEqual({});
    expect(await repo().purgeMemberMap(orgId)).toBe(0);
  });

  it('pages users by (UPN, id) with a keyset, searches with q, and stays in the org', async () => {
    const orgId = newOrgId();
    const otherOrg = newOrgId();
    const users = ['Dan', 'adele', 'Ben', 'cara', 'Ben'].map((name, i) => ({
      id: `u${i}`,
      upn: `${name}@contoso.com`,
    }));
    await seed(orgId, users, {});
    await seed(otherOrg, [{ id: 'z', upn: 'aaron@contoso.com' }], {});
    const first = await repo().userPage(orgId, { limit: 2, filter: 'all' });
    expect(first.map((u) => u.id)).toEqual(['u1', 'u2']);
    const last = first[1]!;
    const rest = await repo().userPage(orgId, {
      after: { upnKey: last.upnKey, id: last.id },
      limit: 10,
      filter: 'all',
    });
    expect(rest.map((u) => u.id)).toEqual(['u4', 'u3', 'u0']);
    expect(
      (await repo().userPage(orgId, { limit: 10, filter: 'all', q: 'BEN@' })).map((u) => u.id),
    ).toEqual(['u2', 'u4']);
    // LIKE wildcards are taken literally.
    expect(await repo().userPage(orgId, { limit: 10, filter: 'all', q: '%' })).toEqual([]);
  });

  it('searches UPN, mail and display name case-insensitively through the one trigram index', async () => {
    const orgId = newOrgId();
    await seed(
      orgId,
      [
        { id: 'Megan Bowen', upn: 'mb@contoso.com', mail: 'megan.bowen@contoso.com' },
        { id: 'Lee Gu', upn: 'lee.gu@contoso.com', mail: null },
        { id: 'Ærøskøbing Øst', upn: 'ae@contoso.com', mail: 'ae@contoso.com' },
      ],
      {},
    );
    const search = async (q: string) =>
      (await repo().userPage(orgId, { limit: 10, filter: 'all', q })).map((u) => u.id);
    expect(await search('MEGAN.bowen')).toEqual(['Megan Bowen']); // mail only
    expect(await search('bowen')).toEqual(['Megan Bowen']); // mail and name
    expect(await search('gu@CONTOSO')).toEqual(['Lee Gu']); // UPN, no mail
    expect(await search('lee g')).toEqual(['Lee Gu']); // name
    expect(await search('æRØSKØ')).toEqual(['Ærøskøbing Øst']); // beyond ASCII
    expect(await search('_')).toEqual([]);
    // What a sync leaves pending is merged into the index (and the search answers the same).
    expect(await repo().mergeSearchIndex()).toBeGreaterThanOrEqual(0);
    expect(await search('bowen')).toEqual(['Megan Bowen']);
    // The query's expression is the index's: with scans off, Postgres picks the index for it.
    const plan = await orm.em.fork().transactional(async (em) => {
      await em.execute('set local enable_seqscan = off');
      return em.execute<{ 'QUERY PLAN': string }[]>(
        `explain select id from directory_user where ${DIRECTORY_SEARCH_TEXT} like lower(?)`,
        ['%bowen%'],
      );
    });
    expect(plan.map((r) => r['QUERY PLAN']).join('\n')).toContain('directory_user_search_trgm');
  });

  it('keeps one sync channel per org and finds the ones busy since before a moment', async () => {
    const idle = newOrgId();
    const running = newOrgId();
    const queued = newOrgId();
    const recent = newOrgId();
    const at = (minute: number) => new Date(Date.UTC(2026, 10, 22, 4, minute));
    const save = async (orgId: string, move: (s: DirectorySyncState) => void) => {
      const state = await repo().syncState(orgId);
      move(state);
      await repo().saveSyncState(state);
    };
    await save(idle, (s) => {
      s.stage = 'ok';
      s.startedAt = at(1);
    });
    await save(running, (s) => markRunning(s, at(1)));
    await save(queued, (s) => markQueued(s, at(2)));
    await save(recent, (s) => markRunning(s, at(30)));

    const busy = (await repo().syncStatesBusySince(at(10))).map((s) => s.orgId);
    expect(busy).toEqual(expect.arrayContaining([running, queued]));
    expect(busy).not.toContain(idle);
    expect(busy).not.toContain(recent);
    // The cursor keeps its column (delta_link) under the engine's name.
    await save(idle, (s) => {
      s.cursor = 'https://graph.example/v1.0/users/delta?$deltatoken=abc';
    });
    expect((await repo().findSyncState(idle))?.cursor).toMatch(/deltatoken=abc$/);
    expect(await repo().purgeSyncState(idle)).toBe(1);
    expect(await repo().findSyncState(idle)).toBeNull();
  });
});
