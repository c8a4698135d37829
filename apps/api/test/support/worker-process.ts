import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';

const API = resolve(__dirname, '../..');
const ROOT = resolve(API, '../..');

let built = false;

/**
 * A worker as its own OS process (`node dist/src/worker.js`), as production runs it: its whole
 * stdout and stderr are kept, and it can be killed without a chance to clean up.
 */
export interface WorkerProcess {
  readonly child: ChildProcess;
  /** Everything the process wrote, in order (its structured log lines and any stray output). */
  readonly output: string[];
  /** SIGTERM, then waits for the exit. */
  stop(): Promise<void>;
  /** SIGKILL, then waits for the exit: no shutdown hook runs, jobs in flight are left as they are. */
  kill(): Promise<void>;
}

// The process runs the compiled output: bring it (and the packages it loads) up to date first,
// through turbo's cache, so a stale dist cannot answer.
function ensureBuilt(): void {
  if (built) return;
  execFileSync(
    'pnpm',
    ['exec', 'turbo', 'run', 'build', '--filter=@rox365/api', '--output-logs=errors-only'],
    { cwd: ROOT, stdio: 'ignore' },
  );
  built = true;
}

/** Starts a worker process with the test file's environment (its database, Redis prefix, MS_*). */
export function spawnWorker(env: Record<string, string>): WorkerProcess {
  ensureBuilt();
  const child = spawn(process.execPath, ['dist/src/worker.js'], {
    cwd: API,
    // NODE_EXTRA_CA_CERTS (the emulator's CA) comes from the test process.
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output: string[] = [];
  child.stdout?.on('data', (chunk: Buffer) => output.push(chunk.toString('utf8')));
  child.stderr?.on('data', (chunk: Buffer) => output.push(chunk.toString('utf8')));
  const exited = new Promise<void>((done) => {
    if (child.exitCode !== null || child.signalCode !== null) done();
    else child.once('exit', () => done());
  });
  const signal = async (name: NodeJS.Signals) => {
    if (child.exitCode === null && child.signalCode === null) child.kill(name);
    await exited;
  };
  return { child, output, stop: () => signal('SIGTERM'), kill: () => signal('SIGKILL') };
}
