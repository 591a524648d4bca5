#!/usr/bin/env node
// Packs what the GPU machine needs to check the `cuda` backend end to end, for a machine with
// Node (or a copy of it) but no node_modules:
//   parity.mjs   the parity suite (test/native/cudaParity.ts via cuda/parityRunner.ts), one file
//   fp4lab.mjs   the CLI (main/cli.ts), one file
//   fp4lab.node, libfp4lab_cuda.so, fp4lab_cuda_harness   the built addon, library and benchmark
//   shared/golden   the golden vectors (left out with --without-golden: run.sh then reads
//                the shared/ of the checkout it is started in)
//   run.sh       runs it all: backends listing, parity, CLI against the reference, benchmark
//
//   node test/native/cuda/bundleForGpu.mjs <out dir> [--without-golden]
//   then on the GPU machine: [NODE=...] bash <out dir>/run.sh
import { chmodSync, cpSync, existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const positional = process.argv.slice(2).filter((a) => !a.startsWith('--'));
const withGolden = !process.argv.includes('--without-golden');
const out = resolve(positional[0] ?? '');
if (!positional[0]) {
  console.error('usage: node test/native/cuda/bundleForGpu.mjs <out dir> [--without-golden]');
  process.exit(2);
}
const built = {
  'fp4lab.node': join(root, 'native', 'build', 'Release', 'fp4lab.node'),
  'libfp4lab_cuda.so': join(root, 'native', 'build', 'cuda', 'libfp4lab_cuda.so'),
  fp4lab_cuda_harness: join(root, 'native', 'build', 'cuda', 'fp4lab_cuda_harness'),
};
for (const [name, path] of Object.entries(built)) {
  if (!existsSync(path)) {
    console.error(`bundleForGpu: ${name} is not built (${path}); run npm install (or npm run build:native / build:cuda)`);
    process.exit(1);
  }
}

rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });

// ESM bundles; CommonJS dependencies (commander) get a real `require`.
const common = {
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  logLevel: 'warning',
  external: ['*.node'],
  banner: { js: "import { createRequire as __fp4labCreateRequire } from 'node:module'; const require = __fp4labCreateRequire(import.meta.url);" },
};
await build({ ...common, entryPoints: [join(root, 'test', 'native', 'cuda', 'parityRunner.ts')], outfile: join(out, 'parity.mjs') });
await build({
  ...common,
  // The report's PDF printing (playwright-core, 7 MB) is not what this bundle is for.
  external: [...common.external, 'playwright-core'],
  stdin: { contents: "import { runCli } from './main/cli';\nprocess.exitCode = await runCli(process.argv.slice(2));\n", resolveDir: root, loader: 'ts', sourcefile: 'fp4lab-cli.ts' },
  outfile: join(out, 'fp4lab.mjs'),
});
for (const [name, path] of Object.entries(built)) cpSync(path, join(out, name));
if (withGolden) cpSync(join(root, 'shared', 'golden'), join(out, 'shared', 'golden'), { recursive: true });

const runSh = `#!/bin/bash
# The cuda backend end to end on a GPU machine (written by test/native/cuda/bundleForGpu.mjs):
# backend listing, the parity suite, the CLI against the reference backend, the benchmark.
#   [NODE=/path/to/node] bash run.sh          logs in $OUT (else ./logs beside this file)
set -u
B=$(cd "$(dirname "$0")" && pwd)
NODE=\${NODE:-node}
LOGS=\${OUT:-$B/logs}
mkdir -p "$LOGS"
SHARED=$B/shared
[ -d "$SHARED/golden" ] || SHARED=$(pwd)/shared
export FP4LAB_NATIVE_ADDON=$B/fp4lab.node FP4LAB_CUDA_LIBRARY=$B/libfp4lab_cuda.so FP4LAB_SHARED=$SHARED
G=$SHARED/golden
T=$(mktemp -d)
nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.max.sm --format=csv,noheader 2>&1 | tee "$LOGS/nvidia-smi.txt"

echo "== fp4lab backends"
$NODE $B/fp4lab.mjs backends 2>&1 | tee "$LOGS/backends.txt"

echo "== parity suite (FP4LAB_EXPECT_GPU=1)"
FP4LAB_EXPECT_GPU=1 timeout \${PARITY_TIMEOUT:-420} $NODE $B/parity.mjs > "$LOGS/parity.log" 2>&1
echo "parity rc=$?"
grep -E "^(PASS|FAIL|backend|cuda parity|\\[seed\\])|^  [a-z]" "$LOGS/parity.log" | cut -c1-400

echo "== CLI: the same bytes as --backend reference (and the golden product)"
{
  Q="$G/m02_nvfp4_mse_mse_bfloat16.safetensors"
  for be in cuda reference; do
    $NODE $B/fp4lab.mjs quantize "$Q" --tensor a --scale-rule mse --had 16 -o $T/q_$be.safetensors --backend $be; echo "quantize --backend $be rc=$?"
  done
  cmp $T/q_cuda.safetensors $T/q_reference.safetensors && echo "quantize: cuda output file == reference output file ($(stat -c %s $T/q_cuda.safetensors) bytes)"
  for be in cutlass reference; do
    $NODE $B/fp4lab.mjs matmul "$Q" "$Q" --a-tensor a --b-tensor b --a-scale-rule mse --b-scale-rule mse --out-dtype bfloat16 --out-shape 256,192 -o $T/mm_$be.safetensors --backend $be; echo "matmul --backend $be rc=$?"
  done
  cmp $T/mm_cutlass.safetensors $T/mm_reference.safetensors && echo "matmul: cutlass output file == reference output file"
  [ -f $T/mm_cutlass.safetensors ] && $NODE --input-type=module -e "
    import { readFileSync } from 'node:fs';
    const tensor = (file, name) => { const b = readFileSync(file); const n = Number(b.readBigUInt64LE(0)); const h = JSON.parse(b.subarray(8, 8 + n)); const [s, e] = h[name].data_offsets; return b.subarray(8 + n + s, 8 + n + e); };
    const ours = tensor('$T/mm_cutlass.safetensors', 'out'), golden = tensor('$Q', 'out');
    console.log('matmul: cutlass out vs golden out: ' + (ours.equals(golden) ? 'bit-equal' : 'DIFFERENT') + ' (' + ours.length + ' bytes)');
  "
  $NODE $B/fp4lab.mjs quantize "$Q" --tensor a -o $T/x.safetensors --backend cuda --fp4-format mxfp4 --scale-rule mse; echo "bad request rc=$? (expected 2)"
} > "$LOGS/cli.log" 2>&1
cat "$LOGS/cli.log"

echo "== benchmark (fp4lab_cuda_harness bench, as npm run bench:gpu)"
timeout \${BENCH_TIMEOUT:-120} $B/fp4lab_cuda_harness bench > "$LOGS/bench.log" 2>&1
echo "bench rc=$?"
tail -40 "$LOGS/bench.log"
rm -rf "$T"
`;
writeFileSync(join(out, 'run.sh'), runSh);
chmodSync(join(out, 'run.sh'), 0o755);
console.log(`bundleForGpu: wrote ${out} (parity.mjs, fp4lab.mjs, fp4lab.node, libfp4lab_cuda.so, fp4lab_cuda_harness, ${withGolden ? 'shared/golden, ' : ''}run.sh)`);
