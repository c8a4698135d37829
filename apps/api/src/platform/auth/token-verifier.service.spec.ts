import { afterEach, describe, expect, it, vi } from 'vitest';

import { signTestToken } from '../../../test/support/test-app';
import { testConfig } from '../../../test/support/test-env';
import { TokenVerifier } from './token-verifier.service';

const caller = { roxUserId: 'u_1', orgId: 'org_1', role: 'admin' as const };

describe('TokenVerifier', () => {
  afterEach(() => vi.useRealTimers());

  it('answers a token it has verified again, and never once the token has expired', async () => {
    const config = testConfig();
    const verifier = new TokenVerifier(config);
    const token = await signTestToken(config, caller, { expiresInSeconds: 120 });
    expect(await verifier.verify(token)).toEqual({ ...caller, email: null });
    expect(await verifier.verify(token)).toEqual({ ...caller, email: null });
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(Date.now() + 121_000);
    await expect(verifier.verify(token)).rejects.toMatchObject({
      message: 'The token has expired.',
    });
  });

  it('refuses a known token with another signature, and one signed with another secret', async () => {
    const config = testConfig();
    const verifier = new TokenVerifier(config);
    const token = await signTestToken(config, caller);
    await verifier.verify(token);
    const [header, payload] = token.split('.');
    const forged = await signTestToken(
      config,
      { ...caller, role: 'admin' },
      { secret: 'x'.repeat(40) },
    );
    await expect(
      verifier.verify(`${header}.${payload}.${forged.split('.')[2]}`),
    ).rejects.toMatchObject({
      message: 'The token is not valid.',
    });
    await expect(verifier.verify(forged)).rejects.toMatchObject({
      message: 'The token is not valid.',
    });
  });

  it('hands each request its own copy of the caller', async () => {
    const config = testConfig();
    const verifier = new TokenVerifier(config);
    const token = await signTestToken(config, caller);
    const first = await verifier.verify(token);
    (first as { orgId: string }).orgId = 'changed';
    expect((await verifier.verify(token)).orgId).toBe('org_1');
  });
});
