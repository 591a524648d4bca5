#!/usr/bin/env node
// `npm run build:cuda`: builds native/build/cuda/libfp4lab_cuda.so (the GPU backend, loaded with
// dlopen by the addon) and the standalone test/bench harness, when nvcc is found. No GPU is
// needed to build. Without nvcc it says so and exits 0: the app runs without the GPU backend.
//
//   node scripts/build-cuda.mjs [--require] [--never-fail] [--no-harness] [--jobs N]
//   --require: fail when nvcc is missing; --never-fail: the package install's form (a failed GPU
//   build is reported and the install goes on; the app then says the GPU backend is not built).
//   env: NVCC (compiler path), CUTLASS_DIR (CUTLASS >= 3.9 headers: adds the CUTLASS FP4 path),
//        FP4LAB_CUDA_ARCHS (e.g. "90" to build Hopper only; default: 90 plus 100a/120a when known)
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const srcDir = join(root, 'native', 'cuda', 'src');
const outDir = join(root, 'native', 'build', 'cuda');
const objDir = join(outDir, 'obj');
const args = process.argv.slice(2);
const flag = (name) => args.includes(name);
const option = (name, fallback) => {
  const i = args.indexOf(name);
  return i >= 0 && args[i + 1] ? args[i + 1] : fallback;
};

function findNvcc() {
  const candidates = [process.env.NVCC, 'nvcc', '/usr/local/cuda/bin/nvcc', '/usr/local/bin/nvcc'].filter(Boolean);
  for (const c of candidates) {
    const r = spawnSync(c, ['--version'], { encoding: 'utf8' });
    if (r.status === 0) return { path: c, version: /release (\d+\.\d+)/.exec(r.stdout)?.[1] ?? '?' };
  }
  return null;
}

const neverFail = flag('--never-fail');
// Exit with an error status, or (at install) report and succeed.
function failBuild(message) {
  console.error(message);
  process.exit(neverFail ? 0 : 1);
}

const nvcc = findNvcc();
if (!nvcc) {
  const msg = 'build:cuda: nvcc not found (set NVCC or install the CUDA toolkit); the GPU backend is not built.';
  if (flag('--require')) {
    console.error(msg);
    process.exit(1);
  }
  console.log(msg);
  process.exit(0);
}

// Architectures: Hopper always; Blackwell where this toolkit knows it.
const known = spawnSync(nvcc.path, ['--list-gpu-code'], { encoding: 'utf8' }).stdout ?? '';
const requested = (process.env.FP4LAB_CUDA_ARCHS ?? '90 100a 120a').split(/[\s,]+/).filter(Boolean);
const archs = requested.filter((a) => known.includes(`sm_${a.replace(/a$/, '')}`));
if (!archs.includes('90')) {
  console.error(`build:cuda: nvcc ${nvcc.version} cannot build for sm_90 (Hopper); need CUDA >= 12.0`);
  process.exit(flag('--require') ? 1 : 0);
}
const gencode = (a) => [`-gencode`, `arch=compute_${a},code=sm_${a}`];
const genericArchs = archs.flatMap(gencode);
const archNames = ['sm_90a (wgmma GEMM)', ...archs.map((a) => `sm_${a}`)].join(' ');

const cutlassDir = process.env.CUTLASS_DIR;
if (cutlassDir && !existsSync(join(cutlassDir, 'include', 'cutlass', 'cutlass.h'))) failBuild(`build:cuda: CUTLASS_DIR=${cutlassDir} has no include/cutlass/cutlass.h`);
const withCutlass = !!cutlassDir && archs.includes('100a');
if (cutlassDir && !withCutlass) console.log('build:cuda: CUTLASS_DIR given but this nvcc cannot build sm_100a; the CUTLASS path is left out');

const common = ['-std=c++17', '-O3', '-Xcompiler', '-fPIC,-fvisibility=hidden', `-I${join(root, 'native', 'include')}`, `-I${srcDir}`];
// The numerics are written with explicit _rn intrinsics; -fmad=false keeps any other float
// expression from being contracted into an FMA the reference does not do.
const cudaFlags = [...common, '-fmad=false', '--expt-relaxed-constexpr', `-DFP4LAB_CUDA_ARCHS="${archNames}"`];

const units = [
  { src: 'quantize.cu', flags: [...cudaFlags, ...genericArchs] },
  { src: 'dequantize.cu', flags: [...cudaFlags, ...genericArchs] },
  { src: 'analysis.cu', flags: [...cudaFlags, ...genericArchs] },
  { src: 'gemm.cu', flags: [...cudaFlags, ...genericArchs] },
  { src: 'gemm_sm90.cu', flags: [...cudaFlags, ...gencode('90a')] },
  { src: 'api.cpp', flags: [...cudaFlags, '-x', 'cu', ...gencode('90')] },
  { src: 'common.cpp', flags: [...common] },
  { src: 'cublaslt_loader.cpp', flags: [...common] },
  withCutlass
    ? {
        src: 'gemm_cutlass_sm100.cu',
        flags: [...cudaFlags, ...gencode('100a'), `-I${join(cutlassDir, 'include')}`, `-I${join(cutlassDir, 'tools', 'util', 'include')}`, '--expt-extended-lambda', '-diag-suppress', '20012'],
      }
    : { src: 'gemm_cutlass_stub.cpp', flags: [...common] },
];

const headers = readdirSync(srcDir).filter((f) => /\.(h|cuh)$/.test(f)).map((f) => join(srcDir, f));
headers.push(join(root, 'native', 'include', 'fp4lab_cuda.h'));
const newestHeader = Math.max(...headers.map((h) => statSync(h).mtimeMs));
mkdirSync(objDir, { recursive: true });

function run(cmd, argv) {
  return new Promise((resolve) => {
    const started = Date.now();
    const child = spawn(cmd, argv, { stdio: ['ignore', 'inherit', 'inherit'] });
    child.on('close', (code) => resolve({ code, seconds: (Date.now() - started) / 1000 }));
    child.on('error', (e) => {
      console.error(e.message);
      resolve({ code: 1, seconds: 0 });
    });
  });
}

const jobs = Number(option('--jobs', String(Math.max(1, cpus().length))));
const queue = units.map((u) => ({ ...u, obj: join(objDir, u.src.replace(/\.(cu|cpp)$/, '.o')) }));
const stale = queue.filter((u) => {
  if (!existsSync(u.obj)) return true;
  const o = statSync(u.obj).mtimeMs;
  return statSync(join(srcDir, u.src)).mtimeMs > o || newestHeader > o;
});
console.log(`build:cuda: nvcc ${nvcc.version}, targets ${archNames}${withCutlass ? ', CUTLASS' : ''}; ${stale.length} of ${queue.length} units to compile (${jobs} jobs)`);
let failed = false;
const pending = [...stale];
async function worker() {
  while (pending.length && !failed) {
    const u = pending.shift();
    const r = await run(nvcc.path, [...u.flags, '-c', join(srcDir, u.src), '-o', u.obj]);
    console.log(`  ${u.src}: ${r.code === 0 ? 'ok' : 'FAILED'} (${r.seconds.toFixed(1)} s)`);
    if (r.code !== 0) failed = true;
  }
}
await Promise.all(Array.from({ length: jobs }, worker));
if (failed) failBuild('build:cuda: compilation failed; the GPU backend is not built');

const lib = join(outDir, 'libfp4lab_cuda.so');
const link = await run(nvcc.path, [
  '-shared',
  '-o',
  lib,
  ...queue.map((u) => u.obj),
  '-cudart',
  'static',
  '-Xlinker',
  '--exclude-libs,ALL',
  '-Xlinker',
  '-soname,libfp4lab_cuda.so',
  '-ldl',
  '-lpthread',
  '-lrt',
]);
if (link.code !== 0) failBuild('build:cuda: linking libfp4lab_cuda.so failed');
console.log(`build:cuda: ${relative(root, lib)}`);

if (!flag('--no-harness')) {
  const harnessDir = join(root, 'test', 'native', 'cuda');
  const exe = join(outDir, 'fp4lab_cuda_harness');
  const h = await run(nvcc.path, [
    '-std=c++17',
    '-O2',
    `-I${join(root, 'native', 'include')}`,
    ...gencode('90'),
    join(harnessDir, 'harness.cu'),
    join(harnessDir, 'safetensors.cpp'),
    '-o',
    exe,
    `-L${outDir}`,
    '-lfp4lab_cuda',
    '-Xlinker',
    '-rpath,$ORIGIN',
    '-lpthread',
  ]);
  if (h.code !== 0) failBuild('build:cuda: building the harness failed');
  console.log(`build:cuda: ${relative(root, exe)}`);
}
writeFileSync(join(outDir, 'BUILD_INFO'), `nvcc ${nvcc.version}\narchs ${archNames}\ncutlass ${withCutlass ? cutlassDir : 'no'}\n`);
