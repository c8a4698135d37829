// Starts the whole product locally: the Microsoft emulator (demo tenant), the API, the worker
// and the SPA behind one origin that proxies /api to the API. Used by the demo and by the SPA's
// end-to-end tests. Everything runs from built output (`pnpm build` first).
import { execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  createReadStream,
  existsSync,
  mkdirSync,
  readFileSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { createServer, request as httpRequest } from 'node:http';
import { extname, join, resolve } from 'node:path';

const ROOT = resolve(import.meta.dirname, '../..');
const EMULATOR_CLI = join(ROOT, 'tooling/m365-emulator/dist/cli.js');
const API_DIST = join(ROOT, 'apps/api/dist/src');
const WEB_DIST = join(ROOT, 'apps/web/dist');
// The API's heap flags, as `pnpm --filter @rox365/api start` sets them: every request's work is
// bounded by its page, so a small old space makes V8 collect early instead of growing the
// process towards the machine's memory under load; within it, the old space may double between
// full collections, which otherwise came every few seconds at 500 requests/s and made most of
// the p99 (docs/architecture.md, "Processes").
const API_HEAP_FLAGS = ['--max-old-space-size=256', '--heap-growing-percent=100'];
// The worker's, as `start:worker` sets it: its jobs hold a page or a `$batch` at a time, yet
// without a limit V8 lets garbage pile up to 350-490 MB during long syncs (docs/mail.md,
// "Benchmark"; docs/calendar.md). Extra flags given later override it.
const WORKER_HEAP_LIMIT = '--max-old-space-size=160';

// The emulator's fixed registrations of Rox's two apps (not secrets: they exist only locally).
// A real deployment sets MS_ORGWIDE_* and MS_INDIVIDUAL_* in the environment instead.
const EMULATOR_APPS = {
  orgwide: {
    clientId: '6f8b2c1e-3d4a-4b5c-9e7f-0a1b2c3d4e5f',
    clientSecret: 'Rox~emulator.client.secret-0123456789abcdef',
  },
  individual: {
    clientId: '2dbe5ee1-88d7-4d96-ad78-16806759492f',
    clientSecret: 'Rox~emulator.individual.secret-fedcba9876543210',
  },
};

const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.json': 'application/json',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
};

/**
 * @param {object} [options]
 * @param {number} [options.webPort] port of the SPA origin (default 5173)
 * @param {number} [options.apiPort] (default 3000)
 * @param {number} [options.emulatorPort] (default 4010)
 * @param {string} [options.database] database name (default rox365)
 * @param {boolean} [options.freshDatabase] drop and recreate the database first
 * @param {string} [options.queuePrefix]
 * @param {string} [options.emulatorTenantFile] tenants to generate instead of the demo seed (JSON
 *   TenantSpec[]), e.g. a 100,000-user Contoso for benchmarks
 * @param {boolean} [options.notifications] Graph change notifications from the emulator to the
 *   local API (default false: benchmarks measure polling alone)
 * @param {Record<string, string>} [options.env] extra environment for the API and worker
 * @param {string[]} [options.apiNodeArgs] Node flags for the API process (benchmarks: --inspect)
 * @param {string[]} [options.workerNodeArgs] Node flags for the worker process
 * @param {number} [options.workers] worker processes to start (default 1; the soak runs several)
 * @param {number} [options.apiProcesses] API processes (default 1); the others listen on the next
 *   ports (apiPort + 1, …), as several instances behind a load balancer (the reads benchmark)
 * @param {(line: string) => void} [options.log]
 */
export async function startStack(options = {}) {
  const webPort = options.webPort ?? 5173;
  const apiPort = options.apiPort ?? 3000;
  const emulatorPort = options.emulatorPort ?? 4010;
  const database = options.database ?? 'rox365';
  const log = options.log ?? ((line) => process.stdout.write(`${line}\n`));
  const children = [];
  const servers = [];

  for (const [what, path] of [
    ['emulator', EMULATOR_CLI],
    ['API', join(API_DIST, 'main.js')],
    ['SPA', join(WEB_DIST, 'index.html')],
  ]) {
    if (!existsSync(path))
      throw new Error(`${what} is not built (${path} is missing): run pnpm build`);
  }

  const stop = async () => {
    for (const server of servers) server.close();
    await Promise.all(children.map((child) => stopChild(child)));
  };

  try {
    const local = localSecrets();
    const webUrl = `http://localhost:${webPort}`;
    const emulatorUrl = `https://localhost:${emulatorPort}`;
    const caPath = join(local.dir, 'emulator-ca.pem');

    // 1. The emulator, with the API's consent callback registered as a redirect URI.
    const emulator = run(
      'emulator',
      'node',
      [
        EMULATOR_CLI,
        '--port',
        String(emulatorPort),
        ...(options.emulatorTenantFile
          ? ['--tenant-file', options.emulatorTenantFile]
          : ['--seed', 'demo']),
        '--tls',
        'on',
        '--redirect-uri',
        `${webUrl}/api/v1/orgwide/consent/callback`,
        '--individual-redirect-uri',
        `${webUrl}/api/v1/individual-connections/callback`,
        // Microsoft posts notifications to https only; the emulator's local allowance lets it
        // reach the API's plain-http port.
        ...(options.notifications ? ['--loopback-http-notifications', 'on'] : []),
      ],
      {},
      log,
    );
    children.push(emulator);
    await waitForLine(emulator, /listening on/, 30_000);
    execFileSync('node', [EMULATOR_CLI, '--export-ca', caPath], { stdio: 'ignore' });

    // 2. The database: created if missing, migrated, demo org seeded.
    if (options.freshDatabase) psql(`drop database if exists "${database}" with (force)`);
    if (!psql(`select 1 from pg_database where datname = '${database}'`).trim()) {
      psql(`create database "${database}"`);
    }
    const env = {
      ...process.env,
      NODE_ENV: 'development',
      LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn',
      HTTP_HOST: '127.0.0.1',
      HTTP_PORT: String(apiPort),
      PUBLIC_API_URL: webUrl,
      WEB_APP_URL: webUrl,
      CORS_ORIGINS: webUrl,
      DATABASE_URL: `postgres://postgres@127.0.0.1:5432/${database}`,
      REDIS_URL: 'redis://127.0.0.1:6379',
      QUEUE_PREFIX: options.queuePrefix ?? database,
      ROX_AUTH_MODE: 'dev',
      ROX_DEV_JWT_SECRET: local.devSecret,
      ROX_DEV_ORG_ID: 'org_demo',
      ENCRYPTION_KEYS: `local1:${local.encryptionKey}`,
      ENCRYPTION_ACTIVE_KEY_ID: 'local1',
      MS_AUTHORITY_HOST: emulatorUrl,
      MS_GRAPH_BASE_URL: emulatorUrl,
      MS_ORGWIDE_CREDENTIAL_KIND: 'secret',
      MS_ORGWIDE_CLIENT_ID: local.apps.orgwide.clientId,
      MS_ORGWIDE_CLIENT_SECRET: local.apps.orgwide.clientSecret,
      MS_INDIVIDUAL_CREDENTIAL_KIND: 'secret',
      MS_INDIVIDUAL_CLIENT_ID: local.apps.individual.clientId,
      MS_INDIVIDUAL_CLIENT_SECRET: local.apps.individual.clientSecret,
      NODE_EXTRA_CA_CERTS: caPath,
      ...(options.notifications ? { NOTIFICATIONS_PUBLIC_URL: `http://127.0.0.1:${apiPort}` } : {}),
      ...options.env,
    };
    // A fresh database gets fresh queues too: jobs a killed run left under the prefix would
    // otherwise run against the new rows (and keep a benchmark's queues busy).
    if (options.freshDatabase) clearQueues(env.REDIS_URL, env.QUEUE_PREFIX);
    execFileSync('node', [join(API_DIST, 'cli/migrate.js'), 'up'], { env, stdio: 'ignore' });
    execFileSync('node', [join(API_DIST, 'cli/seed-demo.js')], { env, stdio: 'ignore' });

    // 3. API and worker, each its own process as in production.
    const api = run(
      'api',
      'node',
      [...API_HEAP_FLAGS, ...(options.apiNodeArgs ?? []), join(API_DIST, 'main.js')],
      env,
      log,
    );
    children.push(api);
    const apis = [api];
    for (let n = 1; n < (options.apiProcesses ?? 1); n++) {
      const more = run(
        `api${n + 1}`,
        'node',
        [...API_HEAP_FLAGS, ...(options.apiNodeArgs ?? []), join(API_DIST, 'main.js')],
        { ...env, HTTP_PORT: String(apiPort + n) },
        log,
      );
      children.push(more);
      apis.push(more);
    }
    const apiUrls = apis.map((_, n) => `http://127.0.0.1:${apiPort + n}`);
    const workers = [];
    // Another worker process of the same build (the soak replaces the ones it kills).
    const spawnWorker = () => {
      const worker = run(
        `worker${workers.length + 1}`,
        'node',
        [WORKER_HEAP_LIMIT, ...(options.workerNodeArgs ?? []), join(API_DIST, 'worker.js')],
        env,
        log,
      );
      children.push(worker);
      workers.push(worker);
      return worker;
    };
    for (let n = 0; n < (options.workers ?? 1); n++) spawnWorker();
    for (const url of apiUrls) await waitForHttp(`${url}/readyz`, 30_000);

    // 4. The SPA and the API behind one origin, as a CDN and load balancer would put them.
    const web = serveSpa(webPort, apiPort);
    servers.push(web);
    await new Promise((resolveListen, reject) => {
      web.once('error', reject);
      web.listen(webPort, '127.0.0.1', resolveListen);
    });

    return {
      webUrl,
      apiUrl: `http://127.0.0.1:${apiPort}`,
      apiUrls,
      emulatorUrl,
      portalUrl: `${emulatorUrl}/portal`,
      caPath,
      env,
      // Child processes, for benchmarks that read their memory (`worker` is the first one).
      processes: { emulator, api, apis, worker: workers[0], workers },
      spawnWorker,
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

// Secrets for the local stack: generated once per checkout and kept out of git.
function localSecrets() {
  const dir = join(ROOT, 'tooling/dev/.local');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, 'secrets.json');
  if (!existsSync(file)) {
    writeFileSync(
      file,
      JSON.stringify({
        devSecret: randomBytes(32).toString('base64url'),
        encryptionKey: randomBytes(32).toString('base64'),
      }),
      { mode: 0o600 },
    );
  }
  const secrets = JSON.parse(readFileSync(file, 'utf8'));
  return { dir, ...secrets, apps: EMULATOR_APPS };
}

function psql(sql) {
  return execFileSync(
    'psql',
    ['-h', '127.0.0.1', '-U', 'postgres', '-d', 'postgres', '-Atqc', sql],
    {
      encoding: 'utf8',
    },
  );
}

function run(name, command, args, env, log) {
  const child = spawn(command, args, {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.lines = [];
  const onData = (chunk) => {
    for (const line of chunk.toString('utf8').split('\n')) {
      if (!line.trim()) continue;
      child.lines.push(line);
      if (child.lines.length > 200) child.lines.shift();
      child.emit('line', line);
      if (process.env.ROX365_STACK_VERBOSE === '1') log(`[${name}] ${line}`);
    }
  };
  child.stdout.on('data', onData);
  child.stderr.on('data', onData);
  child.on('exit', (code, signal) => {
    if (!child.stopping)
      log(
        `[${name}] exited (${signal ?? code}); last output:\n${child.lines.slice(-20).join('\n')}`,
      );
  });
  return child;
}

function waitForLine(child, pattern, timeoutMs) {
  return new Promise((resolveWait, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`timed out waiting for ${pattern}`)),
      timeoutMs,
    );
    const check = (line) => {
      if (pattern.test(line)) {
        clearTimeout(timer);
        child.off('line', check);
        resolveWait();
      }
    };
    child.on('line', check);
    child.once('exit', () => {
      clearTimeout(timer);
      reject(
        new Error(
          `process exited before printing ${pattern}: ${child.lines.slice(-10).join('\n')}`,
        ),
      );
    });
  });
}

async function waitForHttp(url, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const res = await fetch(url);
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`${url} did not answer in time`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

function stopChild(child) {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  child.stopping = true;
  return new Promise((resolveStop) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
    child.once('exit', () => {
      clearTimeout(timer);
      resolveStop();
    });
    child.kill('SIGTERM');
  });
}

function serveSpa(webPort, apiPort) {
  return createServer((req, res) => {
    const url = new URL(req.url ?? '/', `http://localhost:${webPort}`);
    if (
      url.pathname.startsWith('/api/') ||
      url.pathname === '/readyz' ||
      url.pathname === '/healthz'
    ) {
      const upstream = httpRequest(
        {
          host: '127.0.0.1',
          port: apiPort,
          method: req.method,
          path: req.url,
          headers: req.headers,
        },
        (upstreamRes) => {
          res.writeHead(upstreamRes.statusCode ?? 502, upstreamRes.headers);
          upstreamRes.pipe(res);
        },
      );
      upstream.on('error', () => {
        res.writeHead(502, { 'content-type': 'text/plain' });
        res.end('API unavailable');
      });
      req.pipe(upstream);
      return;
    }
    // Static files, falling back to index.html so client-side routes load.
    let file = join(WEB_DIST, decodeURIComponent(url.pathname));
    if (!file.startsWith(WEB_DIST) || !existsSync(file) || statSync(file).isDirectory()) {
      file = join(WEB_DIST, 'index.html');
    }
    const isAsset = file.includes(`${join(WEB_DIST, 'assets')}`);
    res.writeHead(200, {
      'content-type': TYPES[extname(file)] ?? 'application/octet-stream',
      'cache-control': isAsset ? 'public, max-age=31536000, immutable' : 'no-cache',
    });
    createReadStream(file).pipe(res);
  });
}

/** Deletes every Redis key under `prefix:` (the stack's queues). */
function clearQueues(redisUrl, prefix) {
  const keys = execFileSync('redis-cli', ['-u', redisUrl, '--scan', '--pattern', `${prefix}:*`], {
    encoding: 'utf8',
  })
    .split('\n')
    .filter(Boolean);
  for (let i = 0; i < keys.length; i += 500) {
    execFileSync('redis-cli', ['-u', redisUrl, 'del', ...keys.slice(i, i + 500)], {
      stdio: 'ignore',
    });
  }
}
