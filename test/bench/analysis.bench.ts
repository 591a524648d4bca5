/**
 * Analysis benchmark: one runAnalysis (side A only, no rule comparison) on the cpu backend,
 * in-process, split into its stages: quantize, dequantize, the side reduction (metrics, block
 * maps, histograms), the overview pools, and what is left in TypeScript; plus the result's wire
 * JSON. This is the compute part of the renderer bench's Run -> painted (test/bench/renderer.bench.ts).
 *
 *   npx tsx test/bench/analysis.bench.ts [--sizes 4096,8192] [--runs 5] [--ts]
 *
 * --ts adds a contender, interleaved round by round: the same backend with its native reductions
 * taken away, so app/analysis's TypeScript definitions run (slow: seconds at 8192²).
 * Medians of >= 5 runs after one warm-up; a full GC before each run. Bytes/s are of the arrays
 * the stage reads (input and dequantized values, fp32), next to KERNELS.md's copy bandwidth.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { runAnalysis } from '../../app/analysis/runAnalysis';
import { decodeWireJson, encodeWireJson } from '../../app/api/transport';
import type { Backend } from '../../app/backends/backend';
import { roundToBfloat16 } from '../../app/formats/bfloat16';
import { SeededRandom } from '../../app/samples/seededRandom';
import type { Matrix } from '../../app/tensors/matrix';
import { createCpuBackend } from '../../main/compute/cpuBackend';
import { nativeAddon } from '../../main/compute/nativeAddon';
import { benchOptions } from './benchOptions';

const options = benchOptions();
const RUNS = options.runs;
const SIZES = options.sizes;
const WITH_TS = options.flag('ts');
const SEED = 20260612;

setFlagsFromString('--expose-gc');
const collectGarbage = runInNewContext('gc') as () => void;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** The renderer bench's weight: normal values with outlier columns, bf16. */
function weight(n: number): Matrix {
  const rng = new SeededRandom(SEED + n);
  const outlier = new Uint8Array(n);
  for (let k = 0; k < n / 128; k++) outlier[rng.integer(0, n)] = 1;
  const std = 1 / Math.sqrt(n);
  const data = new Float32Array(n * n);
  for (let r = 0; r < n; r++) for (let c = 0; c < n; c++) data[r * n + c] = roundToBfloat16(rng.normal() * (outlier[c] ? 12 * std : std));
  return { rows: n, cols: n, data, dtype: 'bfloat16' };
}

const STAGES = ['quantize', 'dequantize', 'reduceSide', 'pools', 'typescript', 'total'] as const;
type Stage = (typeof STAGES)[number];

/** The backend with every call timed into `into` (pool and poolMany count as pools). */
function timed(inner: Backend, into: Record<Stage, number>): Backend {
  const wrap =
    <A extends unknown[], R>(stage: Stage, f: (...a: A) => Promise<R>) =>
    async (...a: A): Promise<R> => {
      const t = performance.now();
      const r = await f(...a);
      into[stage] += performance.now() - t;
      return r;
    };
  return {
    name: inner.name,
    quantize: wrap('quantize', inner.quantize.bind(inner)),
    dequantize: wrap('dequantize', inner.dequantize.bind(inner)),
    matmul: inner.matmul.bind(inner),
    matmulHighPrecision: inner.matmulHighPrecision.bind(inner),
    ...(inner.reduceSide && { reduceSide: wrap('reduceSide', inner.reduceSide.bind(inner)) }),
    ...(inner.pool && { pool: wrap('pools', inner.pool.bind(inner)) }),
    ...(inner.poolMany && { poolMany: wrap('pools', inner.poolMany.bind(inner)) }),
  };
}

async function main(): Promise<void> {
  const load = nativeAddon();
  if (!load.ok) throw new Error(`the native addon did not load: ${load.reasons.join('; ')}`);
  const { backend: cpu, detail } = createCpuBackend(load.addon.cpu);
  const tsReductions: Backend = { name: cpu.name, quantize: cpu.quantize, dequantize: cpu.dequantize, matmul: cpu.matmul, matmulHighPrecision: cpu.matmulHighPrecision };
  const contenders: [string, Backend][] = [['cpu', cpu], ...(WITH_TS ? [['cpu, TypeScript reductions', tsReductions] as [string, Backend]] : [])];
  process.stdout.write(`cpu backend: ${detail}\n`);
  for (const n of SIZES) {
    const matrix = weight(n);
    const request = { provenance: { file: 'bench', tensor: `bench.${n}.weight`, shape: [n, n], dtype: 'BF16' }, kwargs: {} };
    const timings = new Map<string, Record<Stage, number>[]>(contenders.map(([name]) => [name, []]));
    const wire: { bytes: number; encode: number; decode: number }[] = [];
    for (let round = 0; round <= RUNS; round++) {
      for (const [name, backend] of contenders) {
        const t: Record<Stage, number> = { quantize: 0, dequantize: 0, reduceSide: 0, pools: 0, typescript: 0, total: 0 };
        collectGarbage();
        await new Promise((r) => setTimeout(r, 30));
        const start = performance.now();
        const ws = await runAnalysis({ a: { matrix, request }, options: { compareRules: false } }, { backend: timed(backend, t) });
        t.total = performance.now() - start;
        t.typescript = t.total - t.quantize - t.dequantize - t.reduceSide - t.pools;
        if (round === 0) continue; // warm-up
        timings.get(name)!.push(t);
        if (name === 'cpu') {
          const e0 = performance.now();
          const text = encodeWireJson(ws.result);
          const e1 = performance.now();
          decodeWireJson(text);
          wire.push({ bytes: text.length, encode: e1 - e0, decode: performance.now() - e1 });
        }
      }
    }
    const readBytes = 2 * 4 * n * n;
    process.stdout.write(`\n${n}x${n} bf16, runAnalysis (side A, no rule comparison), medians of ${RUNS} runs in ms\n`);
    process.stdout.write(`${'contender'.padEnd(28)}${STAGES.map((s) => s.padStart(12)).join('')}\n`);
    for (const [name, ts] of timings) {
      process.stdout.write(`${name.padEnd(28)}${STAGES.map((s) => median(ts.map((t) => t[s])).toFixed(1).padStart(12)).join('')}\n`);
    }
    const cpuTimes = timings.get('cpu')!;
    const gbs = (stage: Stage) => (readBytes / (median(cpuTimes.map((t) => t[stage])) / 1000) / 1e9).toFixed(1);
    process.stdout.write(`reduceSide reads ${(readBytes / 2 ** 20).toFixed(0)} MiB (input and dequantized values): ${gbs('reduceSide')} GB/s; the overview pools read them again (and the block maps): ${gbs('pools')} GB/s. KERNELS.md: copy 26-36 GB/s on 2 Zen 4 cores\n`);
    if (WITH_TS) {
      const ts = timings.get('cpu, TypeScript reductions')!;
      const ratio = (stage: Stage) => (median(ts.map((t) => t[stage])) / median(cpuTimes.map((t) => t[stage]))).toFixed(1);
      process.stdout.write(`native / TypeScript reductions, side by side: total ${ratio('total')}x faster\n`);
    }
    process.stdout.write(
      `result wire JSON: ${(median(wire.map((w) => w.bytes)) / 1e6).toFixed(2)} MB, encode ${median(wire.map((w) => w.encode)).toFixed(1)} ms, decode ${median(wire.map((w) => w.decode)).toFixed(1)} ms\n`,
    );
  }
}

main().catch((e) => {
  process.stderr.write(`analysis bench: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});
