import { randomBytes } from 'node:crypto';

import { MikroORM } from '@mikro-orm/postgresql';
import Redis from 'ioredis';
import { Client } from 'pg';
import { type TestProject } from 'vitest/node';

import { DEFAULT_DATA_DIR, ensureEmulatorCa } from '@rox365/m365-emulator';

import { buildOrmOptions } from '../src/platform/database/mikro-orm.config';

const ADMIN_URL = 'postgres://postgres@127.0.0.1:5432/postgres';

declare module 'vitest' {
  export interface ProvidedContext {
    templateDatabaseUrl: string;
    redisUrl: string;
  }
}

// One throwaway database per test run, migrated with the committed migrations: the template each
// test file copies (test/file-database.ts). Nothing connects to it after this, or copies fail.
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  // Node reads NODE_EXTRA_CA_CERTS once at start-up, so it must be set here, in the main
  // process, before the test workers fork: then MSAL and fetch trust the emulator's TLS.
  process.env.NODE_EXTRA_CA_CERTS = ensureEmulatorCa(DEFAULT_DATA_DIR);

  const name = `rox365_test_${Date.now()}_${randomBytes(3).toString('hex')}`;
  const admin = new Client({ connectionString: ADMIN_URL });
  await admin.connect();
  await admin.query(`create database "${name}"`);
  await admin.end();

  const databaseUrl = `postgres://postgres@127.0.0.1:5432/${name}`;
  const orm = await MikroORM.init(
    buildOrmOptions({ database: { url: databaseUrl, poolMax: 2 }, nodeEnv: 'test' }),
  );
  await orm.getMigrator().up();
  await orm.close(true);

  const redisUrl = 'redis://127.0.0.1:6379';
  const redis = new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1 });
  await redis.connect();
  await redis.ping();
  redis.disconnect();

  project.provide('templateDatabaseUrl', databaseUrl);
  project.provide('redisUrl', redisUrl);

  return async () => {
    const client = new Client({ connectionString: ADMIN_URL });
    await client.connect();
    // Files drop their copies; a file that crashed leaves its copy for this sweep.
    const { rows } = await client.query<{ datname: string }>(
      'select datname from pg_database where datname = $1 or datname like $2',
      [name, `${name}\\_%`],
    );
    for (const { datname } of rows) {
      await client.query(`drop database if exists "${datname}" with (force)`);
    }
    await client.end();
  };
}
