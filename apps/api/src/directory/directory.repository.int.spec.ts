import { type MikroORM } from '@mikro-orm/postgresql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { buildDirectoryUserFields } from '../../test/factories/directory.factory';
import { openTestOrm } from '../../test/factories/test-orm';
import { newOrgId } from '../../test/support/test-env';
import { markQueued, markRunning } from '../platform/sync/sync-channel';
import { DirectoryRepository } from './directory.repository';
import { type DirectorySyncState } from './entities/directory-sync-state.entity';

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
    expect((await repo().listUsers(orgId)).map((u) => u.id)).toEqual(['a', 'c']);
    expect(await repo().countUsers(otherOrg)).toBe(3);
    expect(await repo().purgeUsers(orgId)).toBe(2);
    expect(await repo().countUsers(otherOrg)).toBe(3);
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
