import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';

import { type ApiWithEmulator } from './emulator';

const API_ROOT = resolve(__dirname, '../..');
const WORKER_JS = join(API_ROOT, 'dist/src/worker.js');

function newestSource(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestSource(path));
    else if (entry.name.endsWith('.ts') && !entry.name.includes('.spec.'))
      newest = Math.max(newest, statSync(path).mtimeMs);
  }
  return newest;
}

/**
 * A worker process runs the built code: build it (incrementally) when it is missing or older
 * than a source file, so the process never runs something other than the sources under test.
 */
export function ensureBuiltWorker(): void {
  const built = existsSync(WORKER_JS) ? statSync(WORKER_JS).mtimeMs : 0;
  if (built >= newestSource(join(API_ROOT, 'src'))) return;
  execFileSync(
    process.execPath,
    [join(API_ROOT, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json'],
    { cwd: API_ROOT, stdio: 'inherit' },
  );
}

/** A worker in its own operating-system process (`node dist/src/worker.js`), as in production. */
export interface WorkerProcess {
  readonly child: ChildProcess;
  /** Its last lines of output, for a failing test's message. */
  readonly output: string[];
  /** SIGKILL: no shutdown hooks, its active jobs and leases are left behind. */
  kill(): Promise<void>;
  /** SIGTERM, then waits for the exit. */
  stop(): Promise<void>;
}

/** Starts a worker process on the test app's database, Redis queues and emulator. */
export function spawnWorkerProcess(
  env: ApiWithEmulator,
  extraEnv: Record<string, string> = {},
): WorkerProcess {
  const child = spawn(process.execPath, [WORKER_JS], {
    cwd: API_ROOT,
    env: { ...process.env, ...env.api.env, LOG_LEVEL: 'warn', ...extraEnv },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output: string[] = [];
  const keep = (chunk: Buffer) => {
    for (const line of chunk.toString('utf8').split('\n')) {
      if (!line.trim()) continue;
      output.push(line);
      if (output.length > 100) output.shift();
    }
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise<void>((resolveExit) => child.once('exit', () => resolveExit()));
  const gone = () => child.exitCode !== null || child.signalCode !== null;
  return {
    child,
    output,
    async kill() {
      if (!gone()) child.kill('SIGKILL');
      await exited;
    },
    async stop() {
      if (!gone()) {
        const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
        child.kill('SIGTERM');
        await exited;
        clearTimeout(timer);
      }
    },
  };
}
