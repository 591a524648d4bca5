/**
 * `npm run bench`: the CPU backend against its yardsticks, measured side by side in one run
 * (rounds interleave the contenders, so a busy machine slows both alike), medians of >= 5 runs.
 *
 *   quantize 4096 x 4096 bf16 -> NVFP4 (mse): cpu backend vs the TypeScript reference (goal >= 100x)
 *   fp4 GEMM 2048^3 from packed operands vs OpenBLAS cblas_sgemm on the same matrices dequantized
 *     to fp32 (goal: time <= 0.8x sgemm's)
 * Achieved GFLOP/s and GB/s are printed next to this machine's peaks: the nominal ones of
 * KERNELS.md and the ones it delivers right now (measured by test/bench/yardstick.c).
 *
 * Options: --quick (fewer rounds, for a smoke run), --large (also the 2048 x 14336 @ 4096 x 14336
 * "interactive" case), --threads N. Results also go to bench-out/cpu-bench.json.
 */
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { createInterface, type Interface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { referenceBackend } from '../../app/backends/referenceBackend';
import type { QuantizeKwargs } from '../../app/quantize/kwargs';
import type { QuantizedMatrix } from '../../app/quantize/types';
import type { Matrix } from '../../app/tensors/matrix';
import { createCpuBackend } from '../../main/compute/cpuBackend';
import { nativeAddon, type NativePacked } from '../../main/compute/nativeAddon';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '..', '..');
const outDir = join(root, 'bench-out');
const argv = process.argv.slice(2);
const quick = argv.includes('--quick');
const large = argv.includes('--large');
const threadsArg = argv.indexOf('--threads');

/** KERNELS.md's anchors for this machine: 2 Zen 4 cores at ~3.65 GHz. */
const NOMINAL = {
  fp32Gflops: 2 * 3.65 * 32, // two 256-bit FMA pipes per core: 32 flops/cycle
  bf16Gflops: 2 * 2 * 3.65 * 32, // vdpbf16ps: twice the fp32 FMA rate
  copyGBs: '26-36',
  openblasGflops: '205-215',
};

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

// A full garbage collection between runs: with two cores, V8's concurrent GC threads would
// otherwise run during whichever contender comes next (the rounds allocate hundreds of MB).
setFlagsFromString('--expose-gc');
const collectGarbage = runInNewContext('gc') as () => void;

/** Before each timed run: the previous contender's garbage collected and its leftovers (spinning threads, writebacks) settled. */
const settle = async (): Promise<void> => {
  collectGarbage();
  await new Promise((r) => setTimeout(r, 30));
};

async function time(run: () => Promise<unknown>): Promise<number> {
  await settle();
  const t = performance.now();
  await run();
  return (performance.now() - t) / 1000;
}

function bf16Matrix(rows: number, cols: number, seed: number): Matrix {
  // Normal values with a few outliers, rounded to bf16 (truncation of a float32 is enough here).
  const data = new Float32Array(rows * cols);
  const u32 = new Uint32Array(data.buffer);
  let s = seed >>> 0;
  for (let i = 0; i < data.length; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    const u1 = (s >>> 8) / 16777216 + 1e-9;
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    const u2 = (s >>> 8) / 16777216;
    data[i] = Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2) * (i % 997 === 0 ? 30 : 1);
    u32[i] &= 0xffff0000;
  }
  return { rows, cols, data, dtype: 'bfloat16' };
}

/** The C yardstick (OpenBLAS sgemm, live peaks), compiled here; null with a reason if it cannot be. */
class Yardstick {
  private constructor(
    private readonly child: ChildProcessWithoutNullStreams,
    private readonly lines: Interface,
    readonly hasOpenblas: boolean,
  ) {}

  static async start(threads: number): Promise<Yardstick | string> {
    mkdirSync(outDir, { recursive: true });
    const exe = join(outDir, 'yardstick');
    const cc = process.env.CC || 'cc';
    const build = spawnSync(cc, ['-O2', '-mavx2', '-mfma', '-o', exe, join(here, 'yardstick.c'), '-ldl', '-lpthread'], { encoding: 'utf8' });
    if (build.status !== 0) return `the yardstick did not compile (${cc}: ${(build.stderr || String(build.error)).split('\n')[0]})`;
    // OPENBLAS_THREAD_TIMEOUT=4: OpenBLAS's threads otherwise busy-wait for a while after each
    // call and would take cores from whatever runs next in the interleaved rounds (our kernels).
    const child = spawn(exe, [], { env: { ...process.env, OPENBLAS_NUM_THREADS: String(threads), OMP_NUM_THREADS: String(threads), OPENBLAS_THREAD_TIMEOUT: '4' } });
    const lines = createInterface({ input: child.stdout });
    const y = new Yardstick(child, lines, false);
    const hello = await y.next();
    return new Yardstick(child, lines, hello === 'ready openblas');
  }

  private next(): Promise<string> {
    return new Promise((resolveLine) => this.lines.once('line', resolveLine));
  }

  async ask(command: string): Promise<string> {
    const reply = this.next();
    this.child.stdin.write(command + '\n');
    return reply;
  }

  stop(): void {
    this.child.stdin.write('quit\n');
  }
}

interface Row {
  what: string;
  median_s: number;
  runs: number;
  note: string;
}

async function main(): Promise<void> {
  const load = nativeAddon();
  if (!load.ok) {
    console.error(`the native addon is not available: ${load.reasons.join('; ')}`);
    process.exit(1);
  }
  const cpu = load.addon.cpu;
  const info = cpu.info();
  const threads = threadsArg >= 0 ? Number(argv[threadsArg + 1]) : info.hardwareThreads;
  const { backend } = createCpuBackend(cpu, { threads });
  const rounds = quick ? 5 : 7;
  const rows: Row[] = [];
  const results: Record<string, unknown> = {};

  const model = cpus()[0]?.model ?? 'unknown CPU';
  console.log(`FP4 Lab CPU benchmark — ${model}, ${info.hardwareThreads} hardware threads, ${threads} used; addon: ${info.description} (${info.isa})`);
  const yard = await Yardstick.start(threads);
  let livePeak: { gflops: number; gbs: number } | null = null;
  if (typeof yard === 'string') {
    console.log(`yardstick unavailable: ${yard}`);
  } else {
    const [g, b] = (await yard.ask(`peak ${threads}`)).split(' ').map(Number);
    livePeak = { gflops: g, gbs: b };
    console.log(
      `peaks: nominal fp32 FMA ${NOMINAL.fp32Gflops.toFixed(0)} GFLOP/s, vdpbf16ps ${NOMINAL.bf16Gflops.toFixed(0)} GFLOP/s, copy ${NOMINAL.copyGBs} GB/s (KERNELS.md); ` +
        `delivered now: fp32 FMA ${g.toFixed(0)} GFLOP/s, read ${b.toFixed(1)} GB/s`,
    );
    if (!yard.hasOpenblas) console.log('OpenBLAS not found (apt-get install libopenblas-dev): the sgemm yardstick is skipped');
  }

  // ---- quantize 4096 x 4096 bf16, nvfp4 mse: cpu backend vs the TypeScript reference ----
  {
    const n = 4096;
    const x = bf16Matrix(n, n, 1);
    const kwargs = { fp4_format: 'nvfp4', scale_rule: 'mse' } as QuantizeKwargs;
    const check = await backend.quantize(x, kwargs);
    const tRef: number[] = [];
    const tCpu: number[] = [];
    for (let r = 0; r < rounds; r++) {
      tRef.push(await time(() => referenceBackend.quantize(x, kwargs)));
      for (let i = 0; i < 3; i++) tCpu.push(await time(() => backend.quantize(x, kwargs)));
    }
    const ref = await referenceBackend.quantize(x, kwargs);
    const identical = check.e2m1.every((v, i) => v === ref.e2m1[i]) && check.sf.every((v, i) => v === ref.sf[i]) && check.normconst === ref.normconst;
    const cpuS = median(tCpu);
    const refS = median(tRef);
    // Bytes: the fp32 input read by both passes, the outputs written (codes, scales, block maps).
    const inBytes = n * n * 4;
    const outBytes = (n * n) / 2 + (n * n) / 16 + (n * n) / 16 * 5;
    rows.push({ what: 'quantize 4096x4096 bf16 nvfp4 mse, reference (TypeScript)', median_s: refS, runs: tRef.length, note: '' });
    rows.push({
      what: 'quantize 4096x4096 bf16 nvfp4 mse, cpu backend',
      median_s: cpuS,
      runs: tCpu.length,
      note: `${(refS / cpuS).toFixed(0)}x the reference (goal >= 100x); ${((2 * inBytes + outBytes) / cpuS / 1e9).toFixed(1)} GB/s of traffic (2 passes over the input), ${((n * n) / cpuS / 1e6).toFixed(0)} Mvalues/s${identical ? '' : '; OUTPUTS DIFFER FROM THE REFERENCE'}`,
    });
    results.quantize = { ref_s: tRef, cpu_s: tCpu, ratio: refS / cpuS, identical };
  }

  // ---- fp4 GEMM 2048^3 from packed operands vs OpenBLAS sgemm on the dequantized fp32 matrices ----
  async function gemmCase(label: string, m: number, n: number, k: number, format: 'nvfp4' | 'mxfp4', reps: number): Promise<void> {
    const kw = { fp4_format: format, scale_rule: format === 'nvfp4' ? 'mse' : 'always_6' } as QuantizeKwargs;
    const a: QuantizedMatrix = await backend.quantize(bf16Matrix(m, k, 2), kw);
    const b: QuantizedMatrix = await backend.quantize(bf16Matrix(n, k, 3), kw);
    const packed = (q: QuantizedMatrix): NativePacked => ({ fp4_format: q.fp4_format, paddedRows: q.paddedRows, paddedCols: q.paddedCols, e2m1: q.e2m1, sf: q.sf, normconst: q.normconst });
    const values = new Float32Array(m * n);
    const bits = new Uint16Array(m * n);
    let kernel = '';
    const fp4 = async (): Promise<void> => {
      kernel = (await cpu.gemm(packed(a), packed(b), { out_dtype: 'bfloat16', outRows: m, outCols: n }, { values, bits }, { threads })).kernel;
    };
    await fp4();
    let sgemm: (() => Promise<number>) | null = null;
    if (typeof yard !== 'string' && yard.hasOpenblas) {
      const ad = await backend.dequantize(a);
      const bd = await backend.dequantize(b);
      const pa = join(outDir, 'a.f32');
      const pb = join(outDir, 'b.f32');
      writeFileSync(pa, new Uint8Array(ad.data.buffer, ad.data.byteOffset, ad.data.byteLength));
      writeFileSync(pb, new Uint8Array(bd.data.buffer, bd.data.byteOffset, bd.data.byteLength));
      const reply = await yard.ask(`load ${m} ${n} ${k} ${pa} ${pb}`);
      if (reply !== 'ok') throw new Error(`yardstick: ${reply}`);
      sgemm = async () => Number(await yard.ask('sgemm'));
      await sgemm(); // warm up (OpenBLAS starts its threads)
    }
    const tFp4: number[] = [];
    const tBlas: number[] = [];
    for (let r = 0; r < reps; r++) {
      tFp4.push(await time(fp4));
      if (sgemm) {
        await settle();
        tBlas.push(await sgemm());
      }
    }
    const flops = 2 * m * n * k;
    const fp4S = median(tFp4);
    const gflops = flops / fp4S / 1e9;
    const peakNote = `${gflops.toFixed(0)} GFLOP/s (${kernel}; peak ${kernel.includes('bf16') ? `${NOMINAL.bf16Gflops.toFixed(0)} bf16` : `${NOMINAL.fp32Gflops.toFixed(0)} fp32`} nominal${livePeak ? `, fp32 FMA delivers ${livePeak.gflops.toFixed(0)} now` : ''})`;
    if (tBlas.length) {
      const blasS = median(tBlas);
      rows.push({ what: `${label}: OpenBLAS sgemm on dequantized fp32`, median_s: blasS, runs: tBlas.length, note: `${(flops / blasS / 1e9).toFixed(0)} GFLOP/s (KERNELS.md: ${NOMINAL.openblasGflops})` });
      rows.push({ what: `${label}: fp4 gemm from packed, bf16 out`, median_s: fp4S, runs: tFp4.length, note: `${(fp4S / blasS).toFixed(2)}x sgemm's time (goal <= 0.8x); ${peakNote}` });
    } else {
      rows.push({ what: `${label}: fp4 gemm from packed, bf16 out`, median_s: fp4S, runs: tFp4.length, note: peakNote });
    }
    results[label] = { fp4_s: tFp4, sgemm_s: tBlas, kernel };
  }
  await gemmCase('gemm 2048^3 nvfp4', 2048, 2048, 2048, 'nvfp4', rounds);
  await gemmCase('gemm 2048^3 mxfp4', 2048, 2048, 2048, 'mxfp4', rounds);
  if (large) await gemmCase('gemm 2048x14336 @ 4096x14336^T nvfp4', 2048, 4096, 14336, 'nvfp4', 3);

  // ---- dequantize 4096 x 4096 nvfp4 -> fp32 ----
  {
    const q = await backend.quantize(bf16Matrix(4096, 4096, 4), { scale_rule: 'always_6' } as QuantizeKwargs);
    const t: number[] = [];
    for (let r = 0; r < rounds; r++) t.push(await time(() => backend.dequantize(q)));
    const s = median(t);
    const bytes = 4096 * 4096 * (4 + 0.5) + (4096 * 4096) / 16;
    rows.push({ what: 'dequantize 4096x4096 nvfp4 -> fp32', median_s: s, runs: t.length, note: `${(bytes / s / 1e9).toFixed(1)} GB/s written+read${livePeak ? ` (read peak now ${livePeak.gbs.toFixed(1)})` : ''}` });
  }

  if (typeof yard !== 'string') yard.stop();
  const w = Math.max(...rows.map((r) => r.what.length));
  console.log('');
  for (const r of rows) console.log(`${r.what.padEnd(w)}  ${(r.median_s * 1000).toFixed(2).padStart(10)} ms  (median of ${r.runs})  ${r.note}`);
  mkdirSync(outDir, { recursive: true });
  writeFileSync(join(outDir, 'cpu-bench.json'), JSON.stringify({ machine: model, threads, addon: info, livePeak, rows, results }, null, 2));
  console.log(`\nraw times: ${join('bench-out', 'cpu-bench.json')}`);
}

await main();
