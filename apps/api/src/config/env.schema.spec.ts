import { describe, expect, it } from 'vitest';

import { InvalidEnvironmentError, parseEnv } from './env.schema';

const key = Buffer.alloc(32, 7).toString('base64');
const valid = {
  ROX_DEV_JWT_SECRET: 'x'.repeat(32),
  ENCRYPTION_KEYS: `k1:${key}`,
  ENCRYPTION_ACTIVE_KEY_ID: 'k1',
  MS_ORGWIDE_CLIENT_SECRET: 'secret',
  MS_INDIVIDUAL_CLIENT_SECRET: 'other-secret',
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

  it('defaults the push settings and refuses plain-http receivers in production', () => {
    expect(parseEnv(valid)).toMatchObject({
      PUSH_ATTEMPTS: 6,
      PUSH_RETRY_BASE_MS: 30_000,
      PUSH_TIMEOUT_MS: 5_000,
      PUSH_ALLOW_LOOPBACK_HTTP: false,
      PUSH_PRIVATE_NETWORKS: [],
    });
    expect(problems({ ...valid, PUSH_ALLOW_LOOPBACK_HTTP: 'true' })).toEqual([]);
    expect(
      parseEnv({ ...valid, PUSH_PRIVATE_NETWORKS: '10.20.0.0/16, fd12:3456::/48' })
        .PUSH_PRIVATE_NETWORKS,
    ).toEqual(['10.20.0.0/16', 'fd12:3456::/48']);
    expect(problems({ ...valid, PUSH_PRIVATE_NETWORKS: '10.20.0.0/16,10.30.0.0' })).toEqual([
      'PUSH_PRIVATE_NETWORKS.1: must be a CIDR such as 10.20.0.0/16',
    ]);
    const prod = {
      ...valid,
      NODE_ENV: 'production',
      ROX_AUTH_MODE: 'jwks',
      ROX_JWKS_URL: 'https://rox.example/jwks.json',
      ROX_JWT_ISSUER: 'https://rox.example',
    };
    expect(problems(prod)).toEqual([]);
    expect(problems({ ...prod, PUSH_ALLOW_LOOPBACK_HTTP: 'true' })).toEqual([
      'PUSH_ALLOW_LOOPBACK_HTTP: plain-http push endpoints are a development allowance; refused in production',
    ]);
  });

  it('takes an https notification origin, or loopback http outside production', () => {
    expect(parseEnv(valid).NOTIFICATIONS_PUBLIC_URL).toBeUndefined();
    expect(problems({ ...valid, NOTIFICATIONS_PUBLIC_URL: 'https://hooks.rox.example' })).toEqual(
      [],
    );
    expect(problems({ ...valid, NOTIFICATIONS_PUBLIC_URL: 'http://127.0.0.1:3000' })).toEqual([]);
    expect(problems({ ...valid, NOTIFICATIONS_PUBLIC_URL: 'http://hooks.rox.example' })).toEqual([
      expect.stringMatching(/^NOTIFICATIONS_PUBLIC_URL: must be https/),
    ]);
    expect(
      problems({ ...valid, NOTIFICATIONS_PUBLIC_URL: 'https://hooks.rox.example/?token=1' }),
    ).toEqual([expect.stringMatching(/^NOTIFICATIONS_PUBLIC_URL: an origin/)]);
    expect(
      problems({
        ...valid,
        NODE_ENV: 'production',
        ROX_AUTH_MODE: 'jwks',
        ROX_JWKS_URL: 'https://rox.example/jwks',
        ROX_JWT_ISSUER: 'https://rox.example',
        NOTIFICATIONS_PUBLIC_URL: 'http://127.0.0.1:3000',
      }),
    ).toEqual([expect.stringMatching(/^NOTIFICATIONS_PUBLIC_URL: must be https/)]);
  });

  it('takes a safety poll interval for notified channels: six hours by default, 0 to 1440', () => {
    expect(parseEnv(valid).NOTIFICATIONS_SAFETY_POLL_MINUTES).toBe(360);
    expect(parseEnv({ ...valid, NOTIFICATIONS_SAFETY_POLL_MINUTES: '0' })).toMatchObject({
      NOTIFICATIONS_SAFETY_POLL_MINUTES: 0,
    });
    for (const bad of ['-1', '1441', '1.5'])
      expect(problems({ ...valid, NOTIFICATIONS_SAFETY_POLL_MINUTES: bad })).toEqual([
        expect.stringMatching(/^NOTIFICATIONS_SAFETY_POLL_MINUTES:/),
      ]);
  });

  it('takes how old unfinished work must be to be queued again: 30 minutes by default, 1 to 1440', () => {
    expect(parseEnv(valid).STALE_JOB_MINUTES).toBe(30);
    expect(parseEnv({ ...valid, STALE_JOB_MINUTES: '2' })).toMatchObject({ STALE_JOB_MINUTES: 2 });
    for (const bad of ['0', '1441', '2.5'])
      expect(problems({ ...valid, STALE_JOB_MINUTES: bad })).toEqual([
        expect.stringMatching(/^STALE_JOB_MINUTES:/),
      ]);
  });

  it('takes how many mailboxes an org cycle handles at a time: 500 by default, 20 to 10,000', () => {
    expect(parseEnv(valid).ORG_CYCLE_CHUNK).toBe(500);
    expect(parseEnv({ ...valid, ORG_CYCLE_CHUNK: '20' })).toMatchObject({ ORG_CYCLE_CHUNK: 20 });
    for (const bad of ['19', '10001', '2.5'])
      expect(problems({ ...valid, ORG_CYCLE_CHUNK: bad })).toEqual([
        expect.stringMatching(/^ORG_CYCLE_CHUNK:/),
      ]);
  });

  it('requires the JWKS URL and issuer in jwks mode', () => {
    expect(problems({ ...valid, ROX_AUTH_MODE: 'jwks' }).sort()).toEqual([
      expect.stringMatching(/^ROX_JWKS_URL: required/),
      expect.stringMatching(/^ROX_JWT_ISSUER: required/),
    ]);
  });

  it.each(['MS_ORGWIDE', 'MS_INDIVIDUAL'])(
    'requires the credential the %s credential kind names',
    (prefix) => {
      const noSecret = Object.fromEntries(
        Object.entries(valid).filter(([name]) => name !== `${prefix}_CLIENT_SECRET`),
      );
      expect(problems(noSecret)).toEqual([
        expect.stringMatching(new RegExp(`^${prefix}_CLIENT_SECRET: required`)),
      ]);
      expect(problems({ ...valid, [`${prefix}_CREDENTIAL_KIND`]: 'certificate' }).sort()).toEqual([
        expect.stringMatching(new RegExp(`^${prefix}_CLIENT_CERT_FILE: required`)),
        expect.stringMatching(new RegExp(`^${prefix}_CLIENT_CERT_THUMBPRINT: required`)),
        expect.stringMatching(new RegExp(`^${prefix}_CLIENT_KEY_FILE: required`)),
      ]);
    },
  );

  it('keeps the two app registrations apart, and lets them share values', () => {
    const env = parseEnv({
      ...valid,
      MS_INDIVIDUAL_CLIENT_ID: '11111111-2222-4333-8444-555555555555',
    });
    expect(env.MS_ORGWIDE_CLIENT_ID).not.toBe(env.MS_INDIVIDUAL_CLIENT_ID);
    expect(env.MS_ORGWIDE_APP_DISPLAY_NAME).toBe('Rox Orgwide Integration');
    const same = parseEnv({ ...valid, MS_INDIVIDUAL_CLIENT_ID: env.MS_ORGWIDE_CLIENT_ID });
    expect(same.MS_INDIVIDUAL_CLIENT_ID).toBe(same.MS_ORGWIDE_CLIENT_ID);
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

  it('keeps metrics and the queue dashboard off, and demands their tokens when on', () => {
    const env = parseEnv(valid);
    expect([env.METRICS_ENABLED, env.OPS_DASHBOARD_ENABLED, env.WORKER_METRICS_PORT]).toEqual([
      false,
      false,
      undefined,
    ]);
    const token = 'm'.repeat(32);
    expect(problems({ ...valid, METRICS_ENABLED: 'true' })).toEqual([
      expect.stringMatching(/^METRICS_TOKEN: required when METRICS_ENABLED/),
    ]);
    expect(problems({ ...valid, METRICS_ENABLED: 'true', METRICS_TOKEN: 'short' })).toEqual([
      expect.stringMatching(/^METRICS_TOKEN: /),
    ]);
    expect(problems({ ...valid, WORKER_METRICS_PORT: '9464' })).toEqual([
      expect.stringMatching(/^WORKER_METRICS_PORT: set METRICS_ENABLED/),
    ]);
    expect(problems({ ...valid, OPS_DASHBOARD_ENABLED: 'true' })).toEqual([
      expect.stringMatching(/^OPS_TOKEN: required when OPS_DASHBOARD_ENABLED/),
    ]);
    expect(
      problems({
        ...valid,
        METRICS_ENABLED: 'true',
        METRICS_TOKEN: token,
        OPS_DASHBOARD_ENABLED: 'true',
        OPS_TOKEN: token,
      }),
    ).toEqual([expect.stringMatching(/^OPS_TOKEN: must differ from METRICS_TOKEN/)]);
  });
});
