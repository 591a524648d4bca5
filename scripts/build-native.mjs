#!/usr/bin/env node
// Builds the native addon from source with node-gyp (which npm bundles); no prebuilt binaries,
// no network when Node's headers are installed locally.
//
//   node scripts/build-native.mjs            native/build/Release/fp4lab.node (fails loudly: `npm run build:native`)
//   node scripts/build-native.mjs --install  the same, but a failure prints one line and exits 0:
//                                            `npm install` must not fail, FP4 Lab then runs on the
//                                            reference backend and says so (main/compute/nativeAddon.ts)
//   node scripts/build-native.mjs --asan     a debug build with AddressSanitizer + UBSan in
//                                            native/build/asan/build/Debug/fp4lab.node (for tests only)
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const args = new Set(process.argv.slice(2));
const installMode = args.has('--install');
const asan = args.has('--asan');

const NATIVE_DIR = join(root, 'native');
const RELEASE_ADDON = join(NATIVE_DIR, 'build', 'Release', 'fp4lab.node');
const ASAN_DIR = join(root, 'native', 'build', 'asan');
const ASAN_ADDON = join(ASAN_DIR, 'build', 'Debug', 'fp4lab.node');

/** node-gyp's entry script: the one npm passes to scripts, else npm's bundled copy, else a local install. */
function findNodeGyp() {
  const candidates = [];
  if (process.env.npm_config_node_gyp) candidates.push(process.env.npm_config_node_gyp);
  const prefix = resolve(dirname(process.execPath), '..');
  candidates.push(join(prefix, 'lib', 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'));
  candidates.push(join(dirname(process.execPath), 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js')); // Windows layout
  try {
    candidates.push(createRequire(import.meta.url).resolve('node-gyp/bin/node-gyp.js'));
  } catch {
    // not installed locally
  }
  return candidates.find((p) => existsSync(p));
}

/** Node's own headers when they are installed (Debian's nodejs-dev, official tarballs): no download. */
function nodeDirArgs() {
  if (process.env.npm_config_nodedir) return [`--nodedir=${process.env.npm_config_nodedir}`];
  const prefix = resolve(dirname(process.execPath), '..');
  return existsSync(join(prefix, 'include', 'node', 'node_api.h')) ? [`--nodedir=${prefix}`] : [];
}

// configure + build rather than rebuild: rebuild first deletes the whole build directory, and
// native/build also holds the CUDA library (native/build/cuda) and the sanitizer build.
function build(nodeGyp, cwd, extra, quiet) {
  const configured = run(nodeGyp, ['configure', ...extra], cwd, quiet);
  if (!configured.ok) return configured;
  const built = run(nodeGyp, ['build', ...extra], cwd, quiet);
  return { ok: built.ok, output: configured.output + built.output };
}

function run(nodeGyp, gypArgs, cwd, quiet) {
  const jobs = `-j${Number(process.env.JOBS) || availableParallelism()}`;
  const r = spawnSync(process.execPath, [nodeGyp, ...gypArgs, jobs, '--loglevel=warn', ...nodeDirArgs()], { cwd, encoding: 'utf8', stdio: quiet ? 'pipe' : 'inherit' });
  return { ok: r.status === 0, output: `${r.stdout ?? ''}${r.stderr ?? ''}${r.error ? String(r.error) : ''}` };
}

/** The line of a failed build that says why: a compiler error, a missing tool, gyp's own complaint. */
function firstReason(output) {
  const lines = output.split('\n').map((l) => l.trim()).filter((l) => l.length > 0 && !l.startsWith('gyp info'));
  const patterns = [
    /^[^ ]+:\d+(:\d+)?: (fatal )?error: /, // a compiler diagnostic
    /^\w*(Error|Exception): /, // gyp's Python failing (e.g. the compiler is missing)
    /^gyp: /,
    /(not found|No such file|command not found|cannot find)/i,
    /^gyp ERR! stack Error: /,
    /\berror\b/i,
  ];
  for (const p of patterns) {
    const line = lines.find((l) => p.test(l));
    if (line) return line.replace(/^gyp ERR! stack /, '').slice(0, 300);
  }
  return lines[0]?.slice(0, 300) ?? 'unknown error';
}

function main() {
  if (installMode && process.env.FP4LAB_SKIP_NATIVE_BUILD === '1') {
    console.log('fp4lab: native build skipped (FP4LAB_SKIP_NATIVE_BUILD=1); FP4 Lab will use the reference backend.');
    return 0;
  }
  const nodeGyp = findNodeGyp();
  if (!nodeGyp) {
    const why = 'node-gyp was not found (it comes with npm)';
    if (installMode) {
      console.log(`fp4lab: the native CPU backend was not built (${why}); FP4 Lab will use the reference backend.`);
      return 0;
    }
    console.error(`fp4lab: ${why}`);
    return 1;
  }

  if (asan) {
    // Its own directory (node-gyp always builds into ./build), including the same definitions.
    mkdirSync(ASAN_DIR, { recursive: true });
    writeFileSync(
      join(ASAN_DIR, 'binding.gyp'),
      "# Generated by scripts/build-native.mjs --asan: the addon with AddressSanitizer and UBSan.\n{ 'variables': { 'fp4lab_sanitize': 1 }, 'includes': ['../../fp4lab.gypi'] }\n",
    );
    const r = build(nodeGyp, ASAN_DIR, ['--debug'], false);
    if (!r.ok || !existsSync(ASAN_ADDON)) {
      console.error('fp4lab: the sanitizer build failed');
      return 1;
    }
    console.log(`fp4lab: sanitizer build at ${ASAN_ADDON}`);
    return 0;
  }

  const r = build(nodeGyp, NATIVE_DIR, [], installMode);
  if (r.ok && existsSync(RELEASE_ADDON)) {
    console.log(`fp4lab: native CPU backend built (${RELEASE_ADDON})`);
    return 0;
  }
  if (installMode) {
    mkdirSync(join(NATIVE_DIR, 'build'), { recursive: true });
    const log = join(NATIVE_DIR, 'build', 'native-build.log');
    writeFileSync(log, r.output);
    console.log(
      `fp4lab: the native CPU backend could not be built (${firstReason(r.output)}); FP4 Lab will use the reference backend. Full log: ${log}; retry with npm run build:native.`,
    );
    return 0;
  }
  console.error('fp4lab: the native build failed (see above)');
  return 1;
}

process.exit(main());
