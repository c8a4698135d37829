import { describe, expect, it } from 'vitest';

import { InvalidEnvironmentError, parseEnv } from './env.schema';

const key = Buffer.alloc(32, 7).toString('base64');
const valid = {
  ROX_DEV_JWT_SECRET: 'x'.repeat(32),
  ENCRYPTION_KEYS: `k1:${key}`,
  ENCRYPTION_ACTIVE_KEY_ID: 'k1',
  MS_CLIENT_SECRET: 'secret',
};

function problems(env: Record<string, string>): string[] {
  try {
    parseEnv(env);
  } catch (error) {
    if (error instanceof InvalidEnvironmentError) return error.problems;
    throw error;
  }
  return [];
}

describe('environment schema', () => {
  it('accepts a minimal dev environment with defaults', () => {
    const env = parseEnv(valid);
    expect(env.HTTP_PORT).toBe(3000);
    expect(env.ROX_AUTH_MODE).toBe('dev');
    expect(env.ENCRYPTION_KEYS).toEqual([{ keyId: 'k1', key: Buffer.alloc(32, 7) }]);
  });

  it('names every missing or bad variable', () => {
    expect(problems({})).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^ENCRYPTION_KEYS: /),
        expect.stringMatching(/^ENCRYPTION_ACTIVE_KEY_ID: /),
      ]),
    );
    expect(problems({ ...valid, HTTP_PORT: 'eighty' })).toEqual([
      expect.stringMatching(/^HTTP_PORT: /),
    ]);
    expect(problems({ ...valid, DATABASE_URL: 'not a url' })).toEqual([
      expect.stringMatching(/^DATABASE_URL: /),
    ]);
  });

  it('refuses dev sign-in in production', () => {
    expect(problems({ ...valid, NODE_ENV: 'production' })).toEqual([
      expect.stringMatching(/^ROX_AUTH_MODE: dev sign-in is refused/),
    ]);
  });

  it('requires the JWKS URL and issuer in jwks mode', () => {
    expect(problems({ ...valid, ROX_AUTH_MODE: 'jwks' }).sort()).toEqual([
      expect.stringMatching(/^ROX_JWKS_URL: required/),
      expect.stringMatching(/^ROX_JWT_ISSUER: required/),
    ]);
  });

  it('requires the credential the Microsoft credential kind names', () => {
    const { MS_CLIENT_SECRET: _, ...noSecret } = valid;
    expect(problems(noSecret)).toEqual([expect.stringMatching(/^MS_CLIENT_SECRET: required/)]);
    expect(problems({ ...valid, MS_CREDENTIAL_KIND: 'certificate' }).sort()).toEqual([
      expect.stringMatching(/^MS_CLIENT_CERT_FILE: required/),
      expect.stringMatching(/^MS_CLIENT_CERT_THUMBPRINT: required/),
      expect.stringMatching(/^MS_CLIENT_KEY_FILE: required/),
    ]);
  });

  it('checks the key ring: length, duplicates and the active key', () => {
    expect(problems({ ...valid, ENCRYPTION_KEYS: 'k1:c2hvcnQ=' })).toEqual([
      expect.stringMatching(/^ENCRYPTION_KEYS: key "k1" must be 32 bytes/),
    ]);
    expect(problems({ ...valid, ENCRYPTION_KEYS: `k1:${key},k1:${key}` })).toEqual([
      expect.stringMatching(/appears twice/),
    ]);
    expect(problems({ ...valid, ENCRYPTION_ACTIVE_KEY_ID: 'k9' })).toEqual([
      expect.stringMatching(/^ENCRYPTION_ACTIVE_KEY_ID: "k9" is not a key id/),
    ]);
  });
});
