#!/usr/bin/env node
// `npm run test:native:asan`: the native tests against a debug build of the addon with
// AddressSanitizer and UBSan. Node itself is not instrumented, so the ASan runtime is preloaded
// (LD_PRELOAD) for it to be the first library in the process, as ASan requires.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const addon = join(root, 'native', 'build', 'asan', 'build', 'Debug', 'fp4lab.node');

if (process.platform !== 'linux') {
  console.error('test:native:asan runs on Linux (it preloads the ASan runtime with LD_PRELOAD)');
  process.exit(1);
}
const build = spawnSync(process.execPath, [join(root, 'scripts', 'build-native.mjs'), '--asan'], { cwd: root, stdio: 'inherit' });
if (build.status !== 0 || !existsSync(addon)) process.exit(build.status || 1);

// The runtime the compiler linked against (gcc: libasan.so.N; clang: libclang_rt.asan).
const compiler = process.env.CXX || 'g++';
const libasan = execFileSync(compiler, ['-print-file-name=libasan.so'], { encoding: 'utf8' }).trim();
if (!existsSync(libasan)) {
  console.error(`could not find the ASan runtime (${compiler} -print-file-name=libasan.so gave ${libasan})`);
  process.exit(1);
}

const env = {
  ...process.env,
  FP4LAB_NATIVE_ADDON: addon,
  LD_PRELOAD: libasan,
  // V8 keeps memory until exit on purpose; leaks are not what this run is for.
  ASAN_OPTIONS: 'detect_leaks=0:abort_on_error=1:halt_on_error=1',
  UBSAN_OPTIONS: 'halt_on_error=1:print_stacktrace=1',
};
console.log(`\n== native tests under AddressSanitizer + UBSan (${addon})`);
// The addon's suites only: the CUDA library's host checks build and run their own programs,
// which must not get the ASan runtime preloaded.
const tests = spawnSync(process.execPath, [join(root, 'scripts', 'test.mjs'), 'test/native', '--exclude', 'test/native/cudaLibrary*'], { cwd: root, env, stdio: 'inherit' });
process.exit(tests.status ?? 1);
