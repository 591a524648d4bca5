/**
 * Differential cases for the CUDA harness (test/native/cuda/harness.cu), which runs where there
 * is a GPU but no Node: fresh random inputs (seeded, the seed printed) for every kwarg
 * combination and odd shapes, with the TypeScript reference's outputs, written as safetensors
 * files plus an index the harness reads. The golden set is listed too (the harness reads
 * shared/golden directly).
 *
 *   npx tsx test/native/cuda/generateCases.ts --out <folder> [--seed N] [--golden <path to golden/>]
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { float32ToBfloat16Bits, roundToBfloat16 } from '../../../app/formats/bfloat16';
import { float32ToFloat16Bits, roundToFloat16 } from '../../../app/formats/float16';
import { matmulQuantized } from '../../../app/matmul/fp4Matmul';
import type { OutDType } from '../../../app/matmul/outDtype';
import { dequantizeFromFp4 } from '../../../app/quantize/dequantize';
import { FORMAT_PARAMS } from '../../../app/quantize/formatParams';
import { resolveHadamard } from '../../../app/quantize/hadamard';
import type { Fp4Format, HadamardSpec, QuantizeKwargs, ScaleRule } from '../../../app/quantize/kwargs';
import { prepareQuantizeInput } from '../../../app/quantize/prepare';
import { quantizeToFp4 } from '../../../app/quantize/quantizeToFp4';
import type { QuantizeResult } from '../../../app/quantize/types';
import type { FloatDType, Matrix } from '../../../app/tensors/matrix';
import { serializeSafetensors, type TensorToWrite } from '../../../app/tensors/safetensors';

const argv = process.argv.slice(2);
const arg = (name: string): string | undefined => {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : undefined;
};
const outDir = resolve(arg('--out') ?? '.gpu/cases');
const seed = Number(arg('--seed') ?? Math.floor(Math.random() * 0xffffffff)) >>> 0;
const goldenDir = resolve(arg('--golden') ?? 'shared/golden');
console.log(`generateCases: seed ${seed} (re-run with --seed ${seed}), writing ${outDir}`);

// mulberry32: small, seeded, good enough for test inputs.
let state = seed;
function random(): number {
  state = (state + 0x6d2b79f5) >>> 0;
  let t = state;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}
const randInt = (lo: number, hi: number): number => lo + Math.floor(random() * (hi - lo + 1));
const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)];
function gaussian(): number {
  const u = Math.max(random(), 1e-12);
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random());
}

const RULE_CODE: Record<ScaleRule, number> = { abs_max: 0, always_4: 1, always_6: 2, l1_norm: 3, mse: 4 };
const DTYPE_CODE: Record<FloatDType, number> = { float32: 0, bfloat16: 1, float16: 2 };
const OUT_CODE: Record<OutDType, number> = { float32: 0, bfloat16: 1, float16: 2 };

function roundTo(dtype: FloatDType, v: number): number {
  if (dtype === 'bfloat16') return roundToBfloat16(v);
  if (dtype === 'float16') return roundToFloat16(v);
  return Math.fround(v);
}

/** Values with the shapes of trouble: normal, heavy tails, grid points (ties), zeros, tiny, huge, outlier columns. */
function drawMatrix(rows: number, cols: number, dtype: FloatDType): { m: Matrix; kind: string } {
  const kind = pick(['randn', 'heavy', 'grid', 'sparse', 'tiny', 'huge', 'outliers', 'mixed']);
  const data = new Float32Array(rows * cols);
  const scale = kind === 'tiny' ? 1e-6 : kind === 'huge' ? (dtype === 'float16' ? 1e3 : 1e8) : 1;
  const grid = [0, 0.5, 1, 1.5, 2, 3, 4, 6, 0.25, 0.75, 1.25, 1.75, 2.5, 3.5, 5];
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      let v: number;
      if (kind === 'heavy') v = gaussian() * Math.exp(2 * gaussian());
      else if (kind === 'grid') v = pick(grid) * (random() < 0.5 ? -1 : 1) * 2 ** randInt(-3, 3);
      else if (kind === 'sparse') v = random() < 0.8 ? (random() < 0.5 ? 0 : -0) : gaussian();
      else if (kind === 'outliers') v = gaussian() * (c % 17 === 3 ? 300 : 1);
      else if (kind === 'mixed') v = gaussian() * 2 ** (dtype === 'float16' ? randInt(-8, 8) : randInt(-20, 20));
      else v = gaussian();
      data[r * cols + c] = roundTo(dtype, v * scale);
    }
  }
  return { m: { rows, cols, data, dtype }, kind };
}

function storageBytes(m: Matrix, storage: FloatDType): { dtype: 'F32' | 'BF16' | 'F16'; data: Uint8Array } {
  if (storage === 'float32') return { dtype: 'F32', data: new Uint8Array(m.data.slice().buffer) };
  const bits = new Uint16Array(m.data.length);
  const enc = storage === 'bfloat16' ? float32ToBfloat16Bits : float32ToFloat16Bits;
  for (let i = 0; i < bits.length; i++) bits[i] = enc(m.data[i]);
  return { dtype: storage === 'bfloat16' ? 'BF16' : 'F16', data: new Uint8Array(bits.buffer) };
}

const f32 = (xs: Float32Array | number[]): Uint8Array => new Uint8Array(Float32Array.from(xs).buffer);

function writeAtomic(path: string, chunks: Uint8Array[]): void {
  const tmp = `${path}.tmp`;
  const total = chunks.reduce((n, c) => n + c.length, 0);
  const all = new Uint8Array(total);
  let o = 0;
  for (const c of chunks) {
    all.set(c, o);
    o += c.length;
  }
  writeFileSync(tmp, all);
  renameSync(tmp, path);
}

/** The analysis reductions the GPU computes, in fp64 (fp4lab_cuda_error_stats and the maps). */
function referenceStats(logical: Matrix, q: QuantizeResult, heatRows: number, heatCols: number) {
  const d = dequantizeFromFp4(q); // cropped, with normconst
  const { rows, cols } = logical;
  let sumSq = 0, sumAbs = 0, sumSqRef = 0, sumAbsRef = 0, maxErr = 0, maxIdx = -1, maxRef = 0;
  const codes = new Array(16).fill(0);
  const e = (i: number): number => Math.abs(Math.fround(d.data[i] - logical.data[i]));
  const { blockSize } = FORMAT_PARAMS[q.fp4_format];
  const scaleCols = q.paddedCols / blockSize;
  const blockSq = new Float32Array(q.paddedRows * scaleCols);
  for (let r = 0; r < rows; r++) {
    for (let b = 0; b < scaleCols; b++) {
      let s = 0;
      for (let k = 0; k < blockSize; k++) {
        const c = b * blockSize + k;
        if (c >= cols) break;
        const v = e(r * cols + c);
        s += v * v;
      }
      blockSq[r * scaleCols + b] = s;
    }
    for (let c = 0; c < cols; c++) {
      const i = r * cols + c;
      const v = e(i), x = logical.data[i];
      sumSq += v * v;
      sumAbs += v;
      sumSqRef += x * x;
      sumAbsRef += Math.abs(x);
      if (maxIdx < 0 || v > maxErr) {
        maxErr = v;
        maxIdx = i;
      }
      maxRef = Math.max(maxRef, Math.abs(x));
      const byte = q.e2m1[(r * q.paddedCols + c) >> 1];
      codes[c & 1 ? byte >> 4 : byte & 15]++;
    }
  }
  let chose4 = 0, chose6 = 0;
  for (const s of q.blockSelection) {
    if (s === 4) chose4++;
    else if (s === 6) chose6++;
  }
  const heatSe = new Float32Array(heatRows * heatCols), heatMe = new Float32Array(heatRows * heatCols), heatSr = new Float32Array(heatRows * heatCols);
  for (let i = 0; i < heatRows; i++) {
    for (let j = 0; j < heatCols; j++) {
      const r0 = Math.floor((i * rows) / heatRows), r1 = Math.floor(((i + 1) * rows) / heatRows);
      const c0 = Math.floor((j * cols) / heatCols), c1 = Math.floor(((j + 1) * cols) / heatCols);
      let se = 0, sr = 0, me = 0;
      for (let r = r0; r < r1; r++) {
        for (let c = c0; c < c1; c++) {
          const v = e(r * cols + c), x = logical.data[r * cols + c];
          se += v * v;
          sr += x * x;
          me = Math.max(me, v);
        }
      }
      const n = (r1 - r0) * (c1 - c0);
      heatSe[i * heatCols + j] = se / n;
      heatMe[i * heatCols + j] = me;
      heatSr[i * heatCols + j] = sr / n;
    }
  }
  return { d, sumSq, sumAbs, sumSqRef, sumAbsRef, maxErr, maxIdx, maxRef, codes, chose4, chose6, blockSq, heatSe, heatMe, heatSr };
}

const lines: string[] = [`seed ${seed}`];
let caseNo = 0;
mkdirSync(outDir, { recursive: true });

function quantizeCase(format: Fp4Format, rule: ScaleRule, twoD: boolean, had: HadamardSpec, transpose: boolean, stochastic: boolean, big: boolean): void {
  const id = `q${String(caseNo++).padStart(4, '0')}`;
  const dtype = pick<FloatDType>(['bfloat16', 'bfloat16', 'float16', 'float32']);
  // The binding hands fp32 storage of bf16/fp16 values; exercise that form too.
  const storage: FloatDType = dtype !== 'float32' && random() < 0.25 ? 'float32' : dtype;
  const rows = big ? randInt(400, 600) : pick([1, 2, 15, 16, 17, 64, 127, 128, 129, 130, 255, 300, randInt(1, 300)]);
  const cols = big ? randInt(500, 800) : pick([1, 3, 16, 31, 32, 33, 63, 64, 65, 100, 127, 128, 129, 200, 257, randInt(1, 400)]);
  const { m, kind } = drawMatrix(rows, cols, dtype);
  const kwargs: QuantizeKwargs = { fp4_format: format, scale_rule: rule, block_scale_2d: twoD, had, round_style: stochastic ? 'stochastic' : 'nearest', seed: randInt(0, 0xffffffff), transpose };
  let q: QuantizeResult;
  try {
    q = quantizeToFp4(m, kwargs);
  } catch (e) {
    // e.g. a Hadamard size that does not divide the padded columns: the GPU must refuse it too.
    lines.push(`quantize_error id=${id} file=${id}.safetensors format=${format === 'nvfp4' ? 0 : 1} rule=${RULE_CODE[rule]} twod=${+twoD} round=${+stochastic} seed=${kwargs.seed} transpose=${+transpose} had=${hadSize(had)} value_dtype=${DTYPE_CODE[dtype]} rows=${rows} cols=${cols} # ${(e as Error).message}`);
    writeCase(id, m, storage, had, dtype, []);
    return;
  }
  const { logical } = prepareQuantizeInput(m, kwargs);
  const heatRows = Math.min(logical.rows, randInt(1, 9)), heatCols = Math.min(logical.cols, randInt(1, 9));
  const st = referenceStats(logical, q, heatRows, heatCols);
  const scaleCols = q.paddedCols / FORMAT_PARAMS[format].blockSize;
  writeCase(id, m, storage, had, dtype, [
    { name: 'e2m1', dtype: 'U8', shape: [q.paddedRows, q.paddedCols / 2], data: q.e2m1 },
    { name: 'sf', dtype: 'U8', shape: [q.sf.length], data: q.sf },
    { name: 'normconst', dtype: 'F32', shape: [1], data: f32([q.normconst]) },
    { name: 'block_scales', dtype: 'F32', shape: [q.paddedRows, scaleCols], data: new Uint8Array(q.blockScales.buffer) },
    { name: 'block_selection', dtype: 'U8', shape: [q.paddedRows, scaleCols], data: q.blockSelection },
    { name: 'dequant', dtype: 'F32', shape: [logical.rows, logical.cols], data: new Uint8Array(st.d.data.buffer) },
    { name: 'block_sq_err', dtype: 'F32', shape: [q.paddedRows, scaleCols], data: new Uint8Array(st.blockSq.buffer) },
    { name: 'heat_se', dtype: 'F32', shape: [heatRows, heatCols], data: new Uint8Array(st.heatSe.buffer) },
    { name: 'heat_me', dtype: 'F32', shape: [heatRows, heatCols], data: new Uint8Array(st.heatMe.buffer) },
    { name: 'heat_sr', dtype: 'F32', shape: [heatRows, heatCols], data: new Uint8Array(st.heatSr.buffer) },
  ]);
  const maxRow = st.maxIdx >= 0 ? Math.floor(st.maxIdx / logical.cols) : -1, maxCol = st.maxIdx >= 0 ? st.maxIdx % logical.cols : -1;
  lines.push(
    `quantize id=${id} file=${id}.safetensors kind=${kind} format=${format === 'nvfp4' ? 0 : 1} rule=${RULE_CODE[rule]} twod=${+twoD} round=${+stochastic} seed=${kwargs.seed} transpose=${+transpose} had=${hadSize(had)} value_dtype=${DTYPE_CODE[dtype]} storage=${DTYPE_CODE[storage]} rows=${rows} cols=${cols} ` +
      `heat_rows=${heatRows} heat_cols=${heatCols} count=${logical.rows * logical.cols} sum_sq_err=${st.sumSq} sum_abs_err=${st.sumAbs} sum_sq_ref=${st.sumSqRef} sum_abs_ref=${st.sumAbsRef} ` +
      `max_abs_err=${st.maxErr} max_err_row=${maxRow} max_err_col=${maxCol} max_abs_ref=${st.maxRef} chose4=${st.chose4} chose6=${st.chose6} codes=${st.codes.join(',')}`,
  );
}

function hadSize(had: HadamardSpec): number {
  return had === null ? 0 : typeof had === 'number' ? had : had.length;
}

function writeCase(id: string, m: Matrix, storage: FloatDType, had: HadamardSpec, dtype: FloatDType, expected: TensorToWrite[]): void {
  const x = storageBytes(m, storage);
  const tensors: TensorToWrite[] = [{ name: 'x', dtype: x.dtype, shape: [m.rows, m.cols], data: x.data }, ...expected];
  const h = resolveHadamard(had, dtype);
  if (h) tensors.push({ name: 'had', dtype: 'F32', shape: [h.size, h.size], data: new Uint8Array(h.values.slice().buffer) });
  writeAtomic(join(outDir, `${id}.safetensors`), serializeSafetensors(tensors));
}

function randomOrthonormalish(n: number): number[][] {
  // Any square matrix is a valid `had`; this one mixes signs and magnitudes.
  return Array.from({ length: n }, () => Array.from({ length: n }, () => gaussian() / Math.sqrt(n)));
}

// Every kwarg combination, each on a fresh random shape.
for (const format of ['nvfp4', 'mxfp4'] as const) {
  const rules: ScaleRule[] = format === 'nvfp4' ? ['abs_max', 'always_4', 'always_6', 'l1_norm', 'mse'] : ['always_4', 'always_6'];
  for (const rule of rules) {
    for (const twoD of [false, true]) {
      for (const transpose of [false, true]) {
        for (const stochastic of [false, true]) {
          for (const had of [null, 16] as HadamardSpec[]) quantizeCase(format, rule, twoD, had, transpose, stochastic, false);
        }
      }
    }
  }
}
// Other rotation sizes (some do not divide the padded columns: the GPU must refuse those), an
// explicit matrix, and larger shapes that take the grid-stride loops around.
for (const had of [2, 32, 64, 128, 256] as HadamardSpec[]) quantizeCase(pick(['nvfp4', 'mxfp4'] as const), 'always_6', false, had, random() < 0.5, false, false);
quantizeCase('nvfp4', 'mse', false, randomOrthonormalish(16), false, false, false);
quantizeCase('nvfp4', 'mse', false, null, false, false, true);
quantizeCase('nvfp4', 'abs_max', true, null, true, false, true);
quantizeCase('mxfp4', 'always_6', false, 16, false, true, true);

// fp4_matmul: random shapes, formats, rules, out dtypes and crops.
function quantizeRandom(rows: number, cols: number, format: Fp4Format, rule: ScaleRule): QuantizeResult {
  const dtype = pick<FloatDType>(['bfloat16', 'float32']);
  return quantizeToFp4(drawMatrix(rows, cols, dtype).m, { fp4_format: format, scale_rule: rule });
}
function packedTensors(prefix: string, q: QuantizeResult): TensorToWrite[] {
  return [
    { name: `${prefix}_e2m1`, dtype: 'U8', shape: [q.paddedRows, q.paddedCols / 2], data: q.e2m1 },
    { name: `${prefix}_sf`, dtype: 'U8', shape: [q.sf.length], data: q.sf },
    { name: `${prefix}_normconst`, dtype: 'F32', shape: [1], data: f32([q.normconst]) },
  ];
}
const matmulShapes: [number, number, number][] = [[128, 64, 64], [1, 1, 1], [300, 200, 100], [129, 257, 65], [640, 512, 1536]];
for (let i = 0; i < 30; i++) matmulShapes.push([randInt(1, 400), randInt(1, 400), randInt(1, 700)]);
for (const [M, N, K] of matmulShapes) {
  const id = `m${String(caseNo++).padStart(4, '0')}`;
  const format = pick(['nvfp4', 'nvfp4', 'mxfp4'] as const);
  const rules: ScaleRule[] = format === 'nvfp4' ? ['abs_max', 'always_4', 'always_6', 'l1_norm', 'mse'] : ['always_4', 'always_6'];
  const a = quantizeRandom(M, K, format, pick(rules));
  const b = quantizeRandom(N, K, format, pick(rules));
  const outDtype = pick<OutDType>(['bfloat16', 'bfloat16', 'float16', 'float32']);
  const crop = random() < 0.5;
  const outShape: [number, number] = crop ? [randInt(1, a.paddedRows), randInt(1, b.paddedRows)] : [a.paddedRows, b.paddedRows];
  const r = matmulQuantized(a, b, { out_dtype: outDtype, out_shape: outShape });
  const out = r.bits ? new Uint8Array(r.bits.buffer) : new Uint8Array(r.data.buffer);
  writeAtomic(
    join(outDir, `${id}.safetensors`),
    serializeSafetensors([...packedTensors('a', a), ...packedTensors('b', b), { name: 'out', dtype: r.bits ? 'U16' : 'F32', shape: outShape, data: out }]),
  );
  lines.push(
    `matmul id=${id} file=${id}.safetensors format=${format === 'nvfp4' ? 0 : 1} out_dtype=${OUT_CODE[outDtype]} out_rows=${outShape[0]} out_cols=${outShape[1]} ` +
      `a_rows=${a.rows} a_cols=${a.cols} a_prows=${a.paddedRows} a_pcols=${a.paddedCols} b_rows=${b.rows} b_cols=${b.cols} b_prows=${b.paddedRows} b_pcols=${b.paddedCols}`,
  );
}

// The golden set, read by the harness from shared/golden itself.
interface GoldenManifest {
  quantize: { id: string; input: string; shape: [number, number]; kwargs: { fp4_format: Fp4Format; scale_rule: ScaleRule; block_scale_2d: boolean; had: boolean; transpose: boolean }; file: string }[];
  matmul: { id: string; a_shape: [number, number]; b_shape: [number, number]; fp4_format: Fp4Format; a_quantize_kwargs: { scale_rule: ScaleRule }; b_quantize_kwargs: { scale_rule: ScaleRule }; out_dtype: OutDType; out_shape: [number, number]; file: string }[];
}
const manifest = JSON.parse(readFileSync(join(goldenDir, 'manifest.json'), 'utf8')) as GoldenManifest;
const rel = (f: string): string => relative(outDir, join(goldenDir, f));
for (const c of manifest.quantize) {
  const k = c.kwargs;
  lines.push(
    `golden_quantize id=${c.id} input=${rel(c.input)} file=${rel(c.file)} format=${k.fp4_format === 'nvfp4' ? 0 : 1} rule=${RULE_CODE[k.scale_rule]} twod=${+k.block_scale_2d} had=${k.had ? 16 : 0} transpose=${+k.transpose}`,
  );
}
for (const c of manifest.matmul) {
  lines.push(
    `golden_matmul id=${c.id} file=${rel(c.file)} format=${c.fp4_format === 'nvfp4' ? 0 : 1} out_dtype=${OUT_CODE[c.out_dtype]} out_rows=${c.out_shape[0]} out_cols=${c.out_shape[1]} ` +
      `a_rows=${c.a_shape[0]} a_cols=${c.a_shape[1]} b_rows=${c.b_shape[0]} b_cols=${c.b_shape[1]} a_rule=${RULE_CODE[c.a_quantize_kwargs.scale_rule]} b_rule=${RULE_CODE[c.b_quantize_kwargs.scale_rule]}`,
  );
}
writeFileSync(join(outDir, 'index.txt'), `${lines.join('\n')}\n`);
console.log(`generateCases: ${lines.length - 1} cases (${caseNo} generated, ${manifest.quantize.length + manifest.matmul.length} golden)`);
