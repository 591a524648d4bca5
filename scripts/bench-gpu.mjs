#!/usr/bin/env node
// `npm run bench:gpu`: the GPU backend's benchmark (quantize vs device copy bandwidth, fp4 GEMM
// vs cuBLAS bf16, timed side by side in one process). Builds the library and harness first.
//   npm run bench:gpu [-- --size N]
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const build = spawnSync(process.execPath, [join(root, 'scripts', 'build-cuda.mjs'), '--require'], { stdio: 'inherit' });
if (build.status !== 0) process.exit(build.status ?? 1);
const harness = join(root, 'native', 'build', 'cuda', 'fp4lab_cuda_harness');
if (!existsSync(harness)) {
  console.error('bench:gpu: the harness was not built');
  process.exit(1);
}
const status = spawnSync(harness, ['status'], { encoding: 'utf8' });
process.stdout.write(status.stdout);
if (!/device 0 available/.test(status.stdout)) {
  console.error('bench:gpu: no usable GPU here (see above); nothing to measure');
  process.exit(1);
}
const r = spawnSync(harness, ['bench', ...process.argv.slice(2)], { stdio: 'inherit' });
process.exit(r.status ?? 1);
