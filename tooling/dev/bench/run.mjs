// `pnpm bench`: every benchmark scenario, one after the other (each starts its own stack).
// BENCH_SCENARIOS=calendar,mail,large-tenant,fairness,notifications,reads picks and orders them; each scenario reads its own
// size variables (see the top of each file).
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

const SCENARIOS = {
  calendar: 'calendar.mjs',
  mail: 'mail.mjs',
  'large-tenant': 'large-tenant.mjs',
  fairness: 'fairness.mjs',
  notifications: 'notifications.mjs',
  reads: 'reads.mjs',
};

const picked = (process.env.BENCH_SCENARIOS ?? Object.keys(SCENARIOS).join(','))
  .split(',')
  .map((s) => s.trim())
  .filter(Boolean);
const unknown = picked.filter((s) => !(s in SCENARIOS));
if (unknown.length > 0) {
  process.stderr.write(
    `unknown scenario(s): ${unknown.join(', ')}; known: ${Object.keys(SCENARIOS).join(', ')}\n`,
  );
  process.exit(2);
}

const failed = [];
for (const name of picked) {
  process.stderr.write(`\n[bench] scenario ${name}\n`);
  const run = spawnSync(process.execPath, [join(import.meta.dirname, SCENARIOS[name])], {
    stdio: 'inherit',
  });
  if (run.status !== 0) failed.push(name);
}
if (failed.length > 0) {
  process.stderr.write(`\n[bench] failed: ${failed.join(', ')}\n`);
  process.exit(1);
}
