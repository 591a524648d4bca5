#!/usr/bin/env node
// `npm run fuzz`: the fuzz suites at full length (10000 inputs per parser unless
// FP4LAB_FUZZ_ITERATIONS says otherwise); `npm test` and CI run a shorter seeded pass.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

const root = new URL('../..', import.meta.url).pathname;
const env = { ...process.env, FP4LAB_FUZZ_ITERATIONS: process.env.FP4LAB_FUZZ_ITERATIONS ?? '10000' };
const r = spawnSync(join(root, 'node_modules', '.bin', 'vitest'), ['run', 'test/fuzz', ...process.argv.slice(2)], { cwd: root, stdio: 'inherit', env });
process.exit(r.status ?? 1);
