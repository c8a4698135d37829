import { randomBytes } from 'node:crypto';

import { MikroORM, RequestContext } from '@mikro-orm/postgresql';
import { type INestApplicationContext } from '@nestjs/common';
import { Client } from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { DEMO_TENANT } from '@rox365/m365-emulator';

import {
  emulatorEnv,
  startApiWithEmulator,
  type ApiWithEmulator,
} from '../../../test/support/emulator';
import { addMember, connectIndividual } from '../../../test/support/individual';
import { testDatabaseUrl } from '../../../test/support/test-database';
import { KEY_V1, KEY_V2, newOrgId, testConfig } from '../../../test/support/test-env';
import { createWorker } from '../../bootstrap';
import { Cipher } from '../../platform/crypto/cipher.service';
import { columnContext, ENCRYPTED_COLUMNS } from '../../platform/crypto/encrypted-columns';
import { KeyRing } from '../../platform/crypto/key-ring';
import { ReencryptService } from '../../platform/crypto/reencrypt.service';
import { IndividualGraph } from '../../platform/graph/graph.module';
import { DelegatedTokenProvider } from './delegated-token.provider';
import { IndividualTokenRepository } from './individual-token.repository';
import { REFRESH_TOKEN_COLUMN } from './individual.constants';

// Refresh tokens at rest, on the real column. Re-encryption walks the whole table: this file's own
// database (test/file-database.ts) holds only the rows it sealed.
const dbUrl = testDatabaseUrl();
let env: ApiWithEmulator;
let rotatedWorker: INestApplicationContext | null = null;
let connectionId = '';

async function sealedRows(): Promise<
  { connection_id: string; org_id: string; sealed: string; version: number }[]
> {
  const db = new Client({ connectionString: dbUrl });
  await db.connect();
  try {
    const res = await db.query<{
      connection_id: string;
      org_id: string;
      sealed: string;
      version: number;
    }>(
      'select connection_id, org_id, refresh_token_sealed as sealed, version from individual_token order by connection_id',
    );
    return res.rows;
  } finally {
    await db.end();
  }
}

async function sealedOf(id: string) {
  const row = (await sealedRows()).find((r) => r.connection_id === id);
  if (!row) throw new Error(`no token row for ${id}`);
  return row;
}

beforeAll(async () => {
  env = await startApiWithEmulator({
    env: { ENCRYPTION_KEYS: `v1:${KEY_V1}`, ENCRYPTION_ACTIVE_KEY_ID: 'v1' },
  });
  const member = await addMember(env, newOrgId('tok'), 'megan', DEMO_TENANT.users.member);
  const connected = await connectIndividual(env, member, member.email);
  expect(connected.outcome).toBe('connected');
  connectionId = connected.connectionId;
});

afterAll(async () => {
  await rotatedWorker?.close();
  await env.close();
});

/** Runs `work` in a MikroORM context of the given app, as a request or a job would. */
function inContext<T>(app: INestApplicationContext, work: () => Promise<T>): Promise<T> {
  return RequestContext.create(app.get(MikroORM).em, work);
}

describe('refresh tokens at rest', () => {
  it('are ciphertext that only the key ring opens, for this column and org only', async () => {
    const { sealed, version, org_id: orgId } = await sealedOf(connectionId);
    expect(sealed).toMatch(/^enc:v2:v1:/);
    expect(version).toBe(1);

    const refreshToken = env.api.app.get(Cipher).decrypt(sealed, REFRESH_TOKEN_COLUMN, orgId);
    expect(refreshToken.length).toBeGreaterThan(20);
    expect(sealed).not.toContain(refreshToken);
    // What it opens to is the live refresh token Microsoft issued.
    const graph = env.api.app.get(IndividualGraph);
    const refreshed = await graph.delegated.refresh({
      tenant: env.tenantId,
      refreshToken,
      scopes: ['Calendars.ReadWrite'],
    });
    expect(refreshed.username).toBe(DEMO_TENANT.users.member);

    // The same key id with other key material, another column or another org cannot open it.
    const stranger = new KeyRing([{ keyId: 'v1', key: randomBytes(32) }], 'v1');
    expect(() => stranger.decrypt(sealed, { column: REFRESH_TOKEN_COLUMN, orgId })).toThrow();
    expect(() =>
      env.api.app.get(Cipher).decrypt(sealed, 'auth_state.code_verifier_sealed', orgId),
    ).toThrow();
    expect(() =>
      env.api.app.get(Cipher).decrypt(sealed, REFRESH_TOKEN_COLUMN, newOrgId('other')),
    ).toThrow(/another column or org/);
  });

  it('rotate on use: a refresh stores the new refresh token, sealed, in place of the old one', async () => {
    const before = await sealedOf(connectionId);
    const cipher = env.api.app.get(Cipher);
    const provider = env.api.app.get(DelegatedTokenProvider);

    const accessToken = await inContext(env.api.app, () =>
      provider.accessTokenFor(connectionId, { forceRefresh: true }),
    );
    expect(accessToken.split('.')).toHaveLength(3);

    const after = await sealedOf(connectionId);
    expect(after.version).toBe(before.version + 1);
    expect(after.sealed).toMatch(/^enc:v2:v1:/);
    expect(cipher.decrypt(after.sealed, REFRESH_TOKEN_COLUMN, after.org_id)).not.toBe(
      cipher.decrypt(before.sealed, REFRESH_TOKEN_COLUMN, before.org_id),
    );
    // Cached in memory now: no second refresh, the stored token stays.
    await inContext(env.api.app, () => provider.accessTokenFor(connectionId));
    expect((await sealedOf(connectionId)).version).toBe(after.version);
    // Other features reach the member's mailbox through the same provider.
    const me = await inContext(env.api.app, async () =>
      (await provider.clientFor(connectionId)).get<{ userPrincipalName: string }>('/me'),
    );
    expect(me.userPrincipalName).toBe(DEMO_TENANT.users.member);
  });

  it('two rotations from the same read: exactly one is stored', async () => {
    const { version, org_id: orgId } = await sealedOf(connectionId);
    const cipher = env.api.app.get(Cipher);
    const orm = env.api.app.get(MikroORM);
    const fork = () => orm.em.fork() as ConstructorParameters<typeof IndividualTokenRepository>[0];
    const [a, b] = ['first', 'second'].map((n) => cipher.encrypt(n, REFRESH_TOKEN_COLUMN, orgId));
    const results = await Promise.all(
      [a, b].map((sealed) =>
        new IndividualTokenRepository(fork()).rotate(
          connectionId,
          version,
          sealed ?? '',
          new Date(),
        ),
      ),
    );
    expect(results.filter(Boolean)).toHaveLength(1);
    const stored = await sealedOf(connectionId);
    expect(stored.version).toBe(version + 1);
    expect(stored.sealed).toBe(results[0] ? a : b);
    // Put a live token back for the next test (a fresh sign-in replaces the row).
    const member = await addMember(env, newOrgId('tok2'), 'megan', DEMO_TENANT.users.member);
    const again = await connectIndividual(env, member, member.email);
    expect(again.outcome).toBe('connected');
    connectionId = again.connectionId;
  });

  it('a cached access token is not handed out once the connection is gone', async () => {
    const member = await addMember(env, newOrgId('tok3'), 'alex', 'alex.wilber@contoso.com');
    const connected = await connectIndividual(env, member, member.email);
    const provider = env.api.app.get(DelegatedTokenProvider);
    await inContext(env.api.app, () => provider.accessTokenFor(connected.connectionId));
    const gone = await env.api
      .http()
      .delete(`/api/v1/individual-connections/${connected.connectionId}`)
      .set('authorization', `Bearer ${member.token}`);
    expect(gone.status).toBe(200);
    await expect(
      inContext(env.api.app, () => provider.accessTokenFor(connected.connectionId)),
    ).rejects.toMatchObject({ code: 'INDIVIDUAL_NOT_CONNECTED' });
  });

  it('re-encrypt moves every token to the new key, and the new ring still refreshes', async () => {
    const column = ENCRYPTED_COLUMNS.find((c) => columnContext(c) === REFRESH_TOKEN_COLUMN);
    expect(column).toEqual({
      table: 'individual_token',
      idColumn: 'connection_id',
      column: 'refresh_token_sealed',
      orgColumn: 'org_id',
    });
    const count = (await sealedRows()).length;
    expect(count).toBeGreaterThanOrEqual(2);

    rotatedWorker = await createWorker(
      testConfig({
        ...emulatorEnv(env.emu),
        ENCRYPTION_KEYS: `v1:${KEY_V1},v2:${KEY_V2}`,
        ENCRYPTION_ACTIVE_KEY_ID: 'v2',
      }),
    );
    const reports = await rotatedWorker.get(ReencryptService).run(column ? [column] : []);
    expect(reports).toEqual([
      { column: REFRESH_TOKEN_COLUMN, rewritten: count, skipped: 0, failed: 0 },
    ]);
    for (const row of await sealedRows()) expect(row.sealed).toMatch(/^enc:v2:v2:/);

    // The old ring (v1 only) no longer opens them; the rotated one refreshes and re-seals with v2.
    const { sealed, version, org_id: orgId } = await sealedOf(connectionId);
    expect(() => env.api.app.get(Cipher).decrypt(sealed, REFRESH_TOKEN_COLUMN, orgId)).toThrow();
    const worker = rotatedWorker;
    await inContext(worker, () =>
      worker.get(DelegatedTokenProvider).accessTokenFor(connectionId, { forceRefresh: true }),
    );
    const after = await sealedOf(connectionId);
    expect(after.version).toBe(version + 1);
    expect(after.sealed).toMatch(/^enc:v2:v2:/);
  });
});
