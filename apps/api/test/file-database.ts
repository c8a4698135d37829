import { randomBytes } from 'node:crypto';

import { Client } from 'pg';
import { afterAll, beforeAll, inject } from 'vitest';

import { TEST_DATABASE_URL_VARIABLE } from './support/test-database';

// Runs before every test file (vitest `setupFiles`): the file gets its own copy of the run's
// migrated template database and drops it when done. Files run in parallel, and a worker
// started in one file (its start-up sweeps, its crons) must not act on another file's orgs.
const template = new URL(inject('templateDatabaseUrl'));
const templateName = template.pathname.slice(1);
const name = `${templateName}_${randomBytes(4).toString('hex')}`;
const adminUrl = new URL(template);
adminUrl.pathname = '/postgres';

async function admin(sql: string): Promise<void> {
  const client = new Client({ connectionString: adminUrl.toString() });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

// The URL is known at once (a file's top level may build clients); it is created before the
// file's own hooks run.
const own = new URL(template);
own.pathname = `/${name}`;
process.env[TEST_DATABASE_URL_VARIABLE] = own.toString();

beforeAll(async () => {
  await admin(`create database "${name}" template "${templateName}"`);
});

afterAll(async () => {
  await admin(`drop database if exists "${name}" with (force)`);
});
