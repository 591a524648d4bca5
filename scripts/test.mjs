#!/usr/bin/env node
// `npm test`: lint, typecheck, then every test suite (unit, golden, native, fuzz, api, e2e),
// ending with one line "N passed, N failed" so CI can tell a run that tested nothing.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const bin = (name) => join(root, 'node_modules', '.bin', name);
const extraArgs = process.argv.slice(2); // e.g. `npm test -- test/golden` to run a subset

let passed = 0;
let failed = 0;

function step(title, command, args) {
  process.stdout.write(`\n== ${title}\n`);
  const r = spawnSync(command, args, { cwd: root, stdio: 'inherit' });
  const ok = r.status === 0;
  if (ok) passed++;
  else failed++;
  process.stdout.write(`== ${title}: ${ok ? 'passed' : `FAILED (exit ${r.status ?? r.signal})`}\n`);
  return ok;
}

if (extraArgs.length === 0) {
  step('lint (eslint)', bin('eslint'), ['.', '--max-warnings', '0']);
  for (const project of ['app', 'main', 'renderer', 'test']) {
    step(`typecheck ${project}/ (tsc)`, bin('tsc'), ['-p', join(project, 'tsconfig.json')]);
  }
}

const out = mkdtempSync(join(tmpdir(), 'fp4lab-test-'));
const report = join(out, 'vitest.json');
process.stdout.write('\n== test suites (vitest)\n');
const r = spawnSync(bin('vitest'), ['run', '--reporter=default', '--reporter=json', `--outputFile.json=${report}`, ...extraArgs], {
  cwd: root,
  stdio: 'inherit',
});
try {
  const json = JSON.parse(readFileSync(report, 'utf8'));
  passed += json.numPassedTests;
  failed += json.numFailedTests;
  // A suite that failed to load has no tests to count; count it as a failure so it is not lost.
  failed += json.testResults.filter((f) => f.status === 'failed' && f.assertionResults.length === 0).length;
  if (json.numPendingTests + json.numTodoTests > 0) {
    process.stdout.write(`note: ${json.numPendingTests + json.numTodoTests} tests were skipped (see above for the printed reasons)\n`);
  }
} catch (e) {
  failed++;
  process.stdout.write(`could not read the vitest report (${e.message}); vitest exited ${r.status}\n`);
}
rmSync(out, { recursive: true, force: true });
if (r.status !== 0 && failed === 0) failed++;

process.stdout.write(`\n${passed} passed, ${failed} failed\n`);
process.exit(failed === 0 ? 0 : 1);
