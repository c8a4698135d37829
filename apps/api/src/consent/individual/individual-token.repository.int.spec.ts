import { randomUUID } from 'node:crypto';

import { type MikroORM } from '@mikro-orm/postgresql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { openTestOrm } from '../../../test/factories/test-orm';
import { newOrgId } from '../../../test/support/test-env';
import { IndividualToken } from './individual-token.entity';
import { IndividualTokenRepository } from './individual-token.repository';

// Sealing is covered by individual-token.int.spec.ts; here the column is an opaque string.
const SIGNED_IN = new Date('2026-11-28T09:00:00Z');
const ROTATED = new Date('2026-11-28T10:00:00Z');

function token(orgId: string, roxUserId: string, sealed = 'sealed-1'): IndividualToken {
  return new IndividualToken({
    connectionId: randomUUID(),
    orgId,
    roxUserId,
    tenantId: randomUUID(),
    refreshTokenSealed: sealed,
    now: SIGNED_IN,
  });
}

describe('IndividualTokenRepository on Postgres', () => {
  let orm: MikroORM;
  const repo = () => new IndividualTokenRepository(orm.em.fork());

  beforeAll(async () => {
    orm = await openTestOrm();
  });
  afterAll(() => orm.close(true));

  it('rotates only from the current version, and find sees a rotation made elsewhere', async () => {
    const orgId = newOrgId();
    const stored = token(orgId, 'pat');
    await repo().replace(stored);
    const { connectionId } = stored;

    // One unit of work reads the token, another process rotates it meanwhile.
    const reader = repo();
    expect(await reader.find(connectionId)).toMatchObject({ version: 1, rotatedAt: SIGNED_IN });
    expect(await repo().rotate(connectionId, 1, 'sealed-2', ROTATED)).toBe(true);
    expect(await reader.find(connectionId)).toMatchObject({
      version: 2,
      refreshTokenSealed: 'sealed-2',
      rotatedAt: ROTATED,
      issuedAt: SIGNED_IN,
    });

    // A refresh that read version 1 lost the race: its token is not stored.
    expect(await repo().rotate(connectionId, 1, 'stale', ROTATED)).toBe(false);
    expect(await repo().rotate(connectionId, 2, 'sealed-3', ROTATED)).toBe(true);
    expect(await repo().find(connectionId)).toMatchObject({
      version: 3,
      refreshTokenSealed: 'sealed-3',
    });
    expect(await repo().rotate(randomUUID(), 1, 'nobody', ROTATED)).toBe(false);
    expect(await repo().find(randomUUID())).toBeNull();
  });

  it('a fresh sign-in replaces the token of its connection and starts over at version 1', async () => {
    const orgId = newOrgId();
    const first = token(orgId, 'pat');
    await repo().replace(first);
    await repo().rotate(first.connectionId, 1, 'rotated', ROTATED);
    const again = new IndividualToken({
      connectionId: first.connectionId,
      orgId,
      roxUserId: 'pat',
      tenantId: first.tenantId,
      refreshTokenSealed: 'signed-in-again',
      now: ROTATED,
    });
    await repo().replace(again);
    expect(await repo().find(first.connectionId)).toMatchObject({
      version: 1,
      refreshTokenSealed: 'signed-in-again',
      issuedAt: ROTATED,
    });
    expect(await orm.em.fork().count(IndividualToken, { orgId })).toBe(1);
  });

  it('deletes per connection, per list of connections, and per member of one org', async () => {
    const orgId = newOrgId();
    const other = newOrgId();
    const [pat1, pat2, sam, otherPat] = [
      token(orgId, 'pat'),
      token(orgId, 'pat'),
      token(orgId, 'sam'),
      token(other, 'pat'),
    ];
    for (const t of [pat1, pat2, sam, otherPat]) await repo().replace(t);
    const count = (o: string) => orm.em.fork().count(IndividualToken, { orgId: o });

    expect(await repo().deleteForConnection(sam.connectionId)).toBe(1);
    expect(await repo().deleteForConnection(sam.connectionId)).toBe(0);
    expect(await repo().deleteForConnections([])).toBe(0);
    expect(await repo().deleteForConnections([pat1.connectionId, randomUUID()])).toBe(1);
    expect(await count(orgId)).toBe(1);

    // A removed member's tokens go in this org only.
    await repo().replace(token(orgId, 'sam'));
    expect(await repo().purgeMember(orgId, 'pat')).toBe(1);
    expect(await repo().find(pat2.connectionId)).toBeNull();
    expect(await repo().find(otherPat.connectionId)).not.toBeNull();
    expect(await count(orgId)).toBe(1);
    expect(await repo().purgeMember(orgId, 'pat')).toBe(0);
  });
});
