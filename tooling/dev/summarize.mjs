// Sums every package's vitest JSON report into the one line CI reads: "N passed, N failed".
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '../..');
let passed = 0;
let failed = 0;
let skipped = 0;
const missing = [];
const failures = [];
for (const group of ['apps', 'packages', 'tooling']) {
  for (const name of readdirSync(join(root, group))) {
    const dir = join(root, group, name);
    const pkg = join(dir, 'package.json');
    if (!existsSync(pkg)) continue;
    const hasTests = /vitest/.test(JSON.parse(readFileSync(pkg, 'utf8')).scripts?.test ?? '');
    const report = join(dir, '.reports', 'vitest.json');
    if (!existsSync(report)) {
      if (hasTests) missing.push(`${group}/${name}`);
      continue;
    }
    const json = JSON.parse(readFileSync(report, 'utf8'));
    passed += json.numPassedTests ?? 0;
    failed += json.numFailedTests ?? 0;
    skipped += (json.numPendingTests ?? 0) + (json.numTodoTests ?? 0);
    // A file that failed outside its tests (it did not load, or a file-wide hook failed, such
    // as a setup file's afterAll check) counts as one failure, even when each test passed.
    for (const file of json.testResults ?? []) {
      const where = file.name.slice(root.length + 1);
      const results = file.assertionResults ?? [];
      if (file.status === 'failed' && !results.some((t) => t.status === 'failed')) {
        failed += 1;
        const title = results.length === 0 ? '(file did not load)' : '(failed outside its tests)';
        failures.push({ where, title, message: file.message ?? '' });
      }
      for (const test of file.assertionResults ?? []) {
        if (test.status !== 'failed') continue;
        failures.push({ where, title: test.fullName, message: test.failureMessages?.[0] ?? '' });
      }
    }
  }
}
// A package whose tests never wrote a report did not run: that is a failure, not a pass.
failed += missing.length;
for (const name of missing) process.stdout.write(`no test report from ${name}\n`);
// Build, format, lint and type checks the test line ran first (test.sh names those that failed).
const HOW_TO_FIX = {
  build: 'see the build errors above',
  format: 'run pnpm format',
  'lint-typecheck': 'see the lint or typecheck errors above',
};
for (const check of (process.env.FAILED_CHECKS ?? '').split(/\s+/).filter(Boolean)) {
  failed += 1;
  process.stdout.write(`FAILED check > ${check} (${HOW_TO_FIX[check] ?? 'see above'})\n`);
}
// CI keeps only the tail of the log: name each failure here, with the start of its message.
for (const { where, title, message } of failures) {
  const firstLines = message.split('\n').slice(0, 6).join('\n    ');
  process.stdout.write(`FAILED ${where} > ${title}\n    ${firstLines}\n`);
}
process.stdout.write(
  `${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}\n`,
);
process.exitCode = failed > 0 || passed === 0 ? 1 : 0;
