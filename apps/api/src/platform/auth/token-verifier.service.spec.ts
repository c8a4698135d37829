import { afterEach, describe, expect, it, vi } from 'vitest';

import { signTestToken } from '../../../test/support/test-app';
import { testConfig } from '../../../test/support/test-env';
import { TokenVerifier } from './token-verifier.service';

const caller = { roxUserId: 'u_1', orgId: 'org_1', role: 'member' as const };

// A verifier that has already verified (and so keeps) a token for `caller`.
async function verifierThatKnows(options: { expiresInSeconds?: number } = {}) {
  const config = testConfig();
  const verifier = new TokenVerifier(config);
  const token = await signTestToken(config, caller, options);
  expect(await verifier.verify(token)).toEqual({ ...caller, email: null });
  return { config, verifier, token };
}

describe('TokenVerifier', () => {
  afterEach(() => vi.useRealTimers());

  it('answers a known token again, and refuses it once it expires, before the cache would drop it', async () => {
    // 30 s: shorter than the 60 s a verified token is kept at most.
    const { verifier, token } = await verifierThatKnows({ expiresInSeconds: 30 });
    expect(await verifier.verify(token)).toEqual({ ...caller, email: null });
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(Date.now() + 31_000);
    await expect(verifier.verify(token)).rejects.toMatchObject({
      message: 'The token has expired.',
    });
  });

  it('refuses a known token with another signature, and one signed with another secret', async () => {
    const { config, verifier, token } = await verifierThatKnows();
    const [header, payload] = token.split('.');
    const forged = await signTestToken(
      config,
      { ...caller, role: 'admin' },
      { secret: 'x'.repeat(40) },
    );
    const invalid = { message: 'The token is not valid.' };
    await expect(
      verifier.verify(`${header}.${payload}.${forged.split('.')[2]}`),
    ).rejects.toMatchObject(invalid);
    await expect(verifier.verify(forged)).rejects.toMatchObject(invalid);
  });

  it('hands each request its own copy of the caller', async () => {
    const { verifier, token } = await verifierThatKnows();
    const first = await verifier.verify(token);
    (first as { orgId: string }).orgId = 'changed';
    expect((await verifier.verify(token)).orgId).toBe('org_1');
  });
});
