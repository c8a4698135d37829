import { randomBytes } from 'node:crypto';

import { inject } from 'vitest';

import { type AppConfig } from '../../src/config/app-config';
import { loadConfig } from '../../src/config/config.module';
import { testDatabaseUrl } from './test-database';

export const TEST_DEV_SECRET = 'test-secret-that-is-at-least-32-characters';
export const KEY_V1 = randomBytes(32).toString('base64');
export const KEY_V2 = randomBytes(32).toString('base64');

/** A config for one test file: the run's database, and a queue prefix of its own. */
export function testConfig(overrides: Record<string, string> = {}): AppConfig {
  return loadConfig(testEnv(overrides));
}

/** The environment behind {@link testConfig} (also what a spawned worker process gets). */
export function testEnv(overrides: Record<string, string> = {}): Record<string, string> {
  return {
    NODE_ENV: 'test',
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    HTTP_PORT: '0',
    DATABASE_URL: testDatabaseUrl(),
    DATABASE_POOL_MAX: '4',
    REDIS_URL: inject('redisUrl'),
    QUEUE_PREFIX: `test_${randomBytes(4).toString('hex')}`,
    WORKER_CRONS_ENABLED: 'false',
    ROX_AUTH_MODE: 'dev',
    ROX_DEV_JWT_SECRET: TEST_DEV_SECRET,
    ROX_DEV_ORG_ID: `org_demo_${randomBytes(3).toString('hex')}`,
    ENCRYPTION_KEYS: `v1:${KEY_V1}`,
    ENCRYPTION_ACTIVE_KEY_ID: 'v1',
    MS_ORGWIDE_CLIENT_SECRET: 'set-per-test-when-the-emulator-is-used',
    MS_INDIVIDUAL_CLIENT_SECRET: 'set-per-test-when-the-emulator-is-used',
    ...overrides,
  };
}

/** A fresh org id, so tests never see each other's rows. */
export function newOrgId(label = 'org'): string {
  return `${label}_${randomBytes(5).toString('hex')}`;
}
