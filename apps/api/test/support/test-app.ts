import { MikroORM } from '@mikro-orm/postgresql';
import { type INestApplication, type INestApplicationContext } from '@nestjs/common';
import { SignJWT } from 'jose';
import { type Logger } from 'pino';
import request from 'supertest';
import type TestAgent from 'supertest/lib/agent';

import { type RoxRole } from '@rox365/contracts';

import { createHttpApp, createWorker } from '../../src/bootstrap';
import { type AppConfig } from '../../src/config/app-config';
import { loadConfig } from '../../src/config/config.module';
import { TEST_DEV_SECRET, testEnv } from './test-env';
import { spawnWorker, type WorkerProcess } from './worker-process';

export interface TestCaller {
  roxUserId: string;
  orgId: string;
  role: RoxRole;
  email?: string;
}

export interface TestApp {
  config: AppConfig;
  /** The environment the config was loaded from (what a worker process gets too). */
  env: Record<string, string>;
  app: INestApplication;
  http: () => TestAgent;
  /** Raw SQL on the app's database, for what a test checks underneath the API. */
  sql: <T extends object>(query: string, params?: unknown[]) => Promise<T[]>;
  tokenFor: (
    caller: TestCaller,
    options?: { expiresInSeconds?: number; secret?: string },
  ) => Promise<string>;
  startWorker: () => Promise<INestApplicationContext>;
  /** A worker as a separate OS process on the same database and queues (stopped by close). */
  spawnWorker: (env?: Record<string, string>) => WorkerProcess;
  close: () => Promise<void>;
}

/**
 * Boots the real HTTP app (and, on demand, a separate worker) on the run's Postgres and Redis.
 * `logger` replaces the root logger of the app and of in-process workers (to capture their logs).
 */
export async function startTestApp(
  overrides: Record<string, string> = {},
  options: { logger?: Logger } = {},
): Promise<TestApp> {
  const env = testEnv(overrides);
  const config = loadConfig(env);
  const boot = options.logger ? { logger: options.logger } : {};
  const app = await createHttpApp(config, boot);
  await app.init();
  const workers: INestApplicationContext[] = [];
  const processes: WorkerProcess[] = [];
  return {
    config,
    env,
    app,
    http: () => request(app.getHttpServer()),
    sql: <T extends object>(query: string, params: unknown[] = []) =>
      app.get(MikroORM).em.fork().getConnection().execute<T[]>(query, params),
    tokenFor: (caller, options = {}) => signTestToken(config, caller, options),
    startWorker: async () => {
      const worker = await createWorker(config, boot);
      await worker.init();
      workers.push(worker);
      return worker;
    },
    spawnWorker: (extra = {}) => {
      const worker = spawnWorker({ ...env, ...extra });
      processes.push(worker);
      return worker;
    },
    close: async () => {
      for (const worker of processes) await worker.stop();
      for (const worker of workers) await worker.close();
      await app.close();
    },
  };
}

export async function signTestToken(
  config: AppConfig,
  caller: TestCaller,
  options: { expiresInSeconds?: number; secret?: string } = {},
): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({
    org: caller.orgId,
    role: caller.role,
    ...(caller.email ? { email: caller.email } : {}),
  })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(caller.roxUserId)
    .setIssuer(config.auth.issuer)
    .setAudience(config.auth.audience)
    .setIssuedAt(now)
    .setExpirationTime(now + (options.expiresInSeconds ?? 600))
    .sign(new TextEncoder().encode(options.secret ?? TEST_DEV_SECRET));
}

/** Polls until `check` returns a value; for work a separate worker finishes asynchronously. */
export async function eventually<T>(
  check: () => Promise<T | undefined | null | false>,
  { attempts = 100, intervalMs = 100 } = {},
): Promise<T> {
  for (let i = 0; i < attempts; i += 1) {
    const value = await check();
    if (value) return value;
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
  throw new Error(`condition not met after ${attempts} attempts`);
}
