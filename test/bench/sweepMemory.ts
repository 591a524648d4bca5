// Peak memory of a checkpoint sweep against the checkpoint's size:
//   npx tsx test/bench/sweepMemory.ts [tensors=32] [rows=2048] [cols=2048]
// Generates BF16 checkpoints of 1, 8 and N tensors of one shape (N = 32: 256 MiB, 512 MiB as
// fp32), sweeps each in a fresh process (rule always_6, reference backend, garbage collection
// as V8 schedules it) and prints the peak RSS of each, median of 3 runs, the runs interleaved.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from '../helpers/paths';
import { writeCheckpoint } from '../unit/sweepFixtures';

const [count = 32, rows = 2048, cols = 2048] = process.argv.slice(2).map(Number);
const RUNS = 3;
const dir = mkdtempSync(join(tmpdir(), 'fp4lab-bench-sweep-'));
const mib = (n: number): string => `${(n / 2 ** 20).toFixed(1)} MiB`;

interface Probe {
  tensors: number;
  largestTensorBytes: number;
  checkpointBytes: number;
  maxRssBytes: number;
  seconds: number;
}

function sweep(path: string): Probe {
  // No --expose-gc: this is the memory a user sees, garbage collection as V8 schedules it.
  const r = spawnSync(process.execPath, ['--import', 'tsx', join(REPO_ROOT, 'test/unit/sweepMemoryProbe.ts'), path], { cwd: REPO_ROOT, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(r.stderr);
  return JSON.parse(r.stdout) as Probe;
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

try {
  const sizes = [1, Math.min(8, count), count];
  const paths = sizes.map((n) => {
    const path = join(dir, `ckpt-${n}.safetensors`);
    writeCheckpoint(path, Array.from({ length: n }, (_, i) => ({ name: `layers.${i}.weight`, dtype: 'BF16' as const, shape: [rows, cols] })), 1);
    return path;
  });
  const runs: Probe[][] = sizes.map(() => []);
  for (let i = 0; i < RUNS; i++) paths.forEach((p, k) => runs[k].push(sweep(p))); // interleaved, side by side
  const tensorBytes = rows * cols * 2;
  const lines = [`sweep (always_6, reference backend) of BF16 tensors ${rows}x${cols} (${mib(tensorBytes)} each, ${mib(tensorBytes * 2)} as fp32); peak RSS (VmHWM), median of ${RUNS}:`];
  const peaks = runs.map((r) => median(r.map((p) => p.maxRssBytes)));
  sizes.forEach((n, k) => {
    lines.push(`  ${String(n).padStart(3)} tensors, checkpoint ${mib(n * tensorBytes).padStart(10)}: peak ${mib(peaks[k]).padStart(10)}, ${median(runs[k].map((p) => p.seconds)).toFixed(2)} s`);
  });
  const extra = (sizes[2] - sizes[1]) * tensorBytes;
  lines.push(`  ${sizes[2] - sizes[1]} more tensors (${mib(extra)}) than ${sizes[1]} added ${mib(peaks[2] - peaks[1])} = ${((peaks[2] - peaks[1]) / extra).toFixed(3)} x their size`);
  lines.push(`  peak above one tensor's sweep: ${mib(peaks[2] - peaks[0])} = ${((peaks[2] - peaks[0]) / tensorBytes).toFixed(1)} x the largest tensor (V8 collects the per-tensor buffers lazily)`);
  process.stdout.write(`${lines.join('\n')}\n`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
