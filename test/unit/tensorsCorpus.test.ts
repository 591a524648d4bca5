import { existsSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isFp4Error } from '../../app/errors';
import { roundToFloat16 } from '../../app/formats/float16';
import { decodeToFloat32 } from '../../app/tensors/decode';
import { findTensor, type TensorFile } from '../../app/tensors/tensorFile';
import { openTensorFileAtPath } from '../../main/io/openTensorFileAtPath';
import { corpusDir } from '../helpers/paths';

/**
 * Every file of the shared corpus (written by torch, numpy and safetensors, see its README) as
 * one table: regressions are rows. A row says what the file must list (names, dtypes, shapes)
 * and which reference its values must equal, or the exact error it must give.
 */
const corpus = corpusDir();
const path = (name: string): string => join(corpus, name);

/** The manifest's torch/numpy dtype names in ours. */
const DTYPE_NAMES: Record<string, string> = {
  'torch.bfloat16': 'BF16',
  'torch.float16': 'F16',
  'torch.float32': 'F32',
  'torch.float8_e4m3fn': 'F8_E4M3',
  'torch.int64': 'I64',
  float32: 'F32',
  float64: 'F64',
  int32: 'I32',
};

async function listing(file: string): Promise<Record<string, [string, number[]]>> {
  const opened = await openTensorFileAtPath(path(file));
  try {
    return Object.fromEntries(opened.file.tensors.map((t) => [t.name, [t.dtype, [...t.shape]]]));
  } finally {
    await opened.close();
  }
}

async function withFile<T>(file: string, fn: (f: TensorFile) => Promise<T>): Promise<T> {
  const opened = await openTensorFileAtPath(path(file));
  try {
    return await fn(opened.file);
  } finally {
    await opened.close();
  }
}

async function values(file: TensorFile, name: string): Promise<Float32Array> {
  const t = findTensor(file, name);
  return decodeToFloat32(await t.read(), t.dtype);
}

/** Every tensor of `reference` (an F32 file) equals the same-named tensor of `file`, bit for bit. */
async function expectValuesEqual(file: string, reference: string, alias: Record<string, string> = {}): Promise<number> {
  return withFile(reference, (ref) =>
    withFile(file, async (f) => {
      for (const t of ref.tensors) {
        const ours = await values(f, alias[t.name] ?? t.name);
        expect(ours.length, t.name).toBe(t.shape.reduce((n, d) => n * d, 1));
        expect(Buffer.from(ours.buffer, ours.byteOffset, ours.byteLength).equals(Buffer.from(await t.read())), `${file}: '${t.name}' differs from ${reference}`).toBe(true);
      }
      return ref.tensors.length;
    }),
  );
}

function manifestTensors(entries: Record<string, [string, number[]]>): Record<string, [string, number[]]> {
  return Object.fromEntries(Object.entries(entries).map(([name, [dtype, shape]]) => [name, [DTYPE_NAMES[dtype] ?? dtype, shape]]));
}

// Values of the manifest, restated here so a changed corpus is noticed.
const NPY_SHAPE = [70, 130];
const expectedNpy = async (): Promise<Float32Array> => withFile('c_f32.expected.npy', (f) => values(f, 'c_f32.expected'));

interface Row {
  readonly file: string;
  readonly format?: TensorFile['format'];
  /** name -> [dtype, shape] exactly as listed (order-free). */
  readonly tensors?: Record<string, [string, number[]]>;
  /** Value checks beyond the listing. */
  readonly check?: () => Promise<void>;
  /** The error: its code and the exact sentence. */
  readonly error?: { code: string; message: string };
}

const PICKLE_STATE_DICT = manifestTensors({
  'layer.weight': ['torch.bfloat16', [48, 64]],
  'layer.bias': ['torch.float32', [48]],
  'half.weight': ['torch.float16', [32, 64]],
  'view.rows_8_to_24': ['torch.float32', [16, 64]],
  transposed: ['torch.float32', [64, 48]],
  shared_a: ['torch.float32', [48, 64]],
  shared_b: ['torch.float32', [48, 64]],
});

async function checkStateDict(file: string): Promise<void> {
  expect(await expectValuesEqual(file, 'state_dict.expected_f32.safetensors')).toBe(6);
  await withFile(file, async (f) => {
    // shared_b is the same tensor object as shared_a in the pickle.
    expect(await values(f, 'shared_b')).toEqual(await values(f, 'shared_a'));
    expect(f.metadata).toMatchObject({ 'meta.step': '3', 'meta.lr': '0.01', 'meta.name': 'demo' });
  });
}

const ROWS: Row[] = [
  {
    file: 'torch_mixed.safetensors',
    format: 'safetensors',
    tensors: manifestTensors({
      'model.layers.0.mlp.down_proj.weight': ['torch.bfloat16', [96, 160]],
      'model.layers.0.self_attn.q_proj.weight': ['torch.float16', [64, 96]],
      'model.layers.0.input_layernorm.weight': ['torch.float32', [96]],
      'lm_head.weight': ['torch.float32', [40, 96]],
      'conv.weight': ['torch.bfloat16', [4, 3, 5]],
      'fp8.weight': ['torch.float8_e4m3fn', [32, 48]],
      'int.ids': ['torch.int64', [10]],
    }),
    check: async () => {
      expect(await expectValuesEqual('torch_mixed.safetensors', 'torch_mixed.expected_f32.safetensors')).toBe(7);
    },
  },
  { file: 'torch_mixed.expected_f32.safetensors', format: 'safetensors' },
  { file: 'numpy.safetensors', format: 'safetensors', tensors: manifestTensors({ a: ['float32', [33, 17]], b: ['float64', [8, 8]], c: ['int32', [3, 4]] }) },
  { file: 'c_f32.expected.npy', format: 'npy', tensors: { 'c_f32.expected': ['F32', NPY_SHAPE] } },
  { file: 'c_f32.npy', format: 'npy', tensors: { c_f32: ['F32', NPY_SHAPE] }, check: async () => expect(await withFile('c_f32.npy', (f) => values(f, 'c_f32'))).toEqual(await expectedNpy()) },
  {
    file: 'fortran_f64.npy',
    format: 'npy',
    tensors: { fortran_f64: ['F64', NPY_SHAPE] },
    // The f64 values are the f32 ones widened, so converting back is exact.
    check: async () => expect(await withFile('fortran_f64.npy', (f) => values(f, 'fortran_f64'))).toEqual(await expectedNpy()),
  },
  { file: 'bigendian_f32.npy', format: 'npy', tensors: { bigendian_f32: ['F32', NPY_SHAPE] }, check: async () => expect(await withFile('bigendian_f32.npy', (f) => values(f, 'bigendian_f32'))).toEqual(await expectedNpy()) },
  {
    file: 'f16.npy',
    format: 'npy',
    tensors: { f16: ['F16', NPY_SHAPE] },
    check: async () => expect(await withFile('f16.npy', (f) => values(f, 'f16'))).toEqual((await expectedNpy()).map(roundToFloat16)),
  },
  { file: 'scalar.npy', format: 'npy', tensors: { scalar: ['F32', []] }, check: async () => expect([...(await withFile('scalar.npy', (f) => values(f, 'scalar')))]).toEqual([3.5]) },
  ...['pair.npz', 'pair_compressed.npz'].map(
    (file): Row => ({
      file,
      format: 'npz',
      tensors: { A: ['F32', [70, 130]], B: ['F32', [50, 130]] },
      check: async () => {
        expect(await withFile(file, (f) => values(f, 'A'))).toEqual(await expectedNpy());
        // B has no reference file: both archives must agree on it.
        expect(await withFile(file, (f) => values(f, 'B'))).toEqual(await withFile('pair.npz', (f) => values(f, 'B')));
      },
    }),
  ),
  { file: 'state_dict.pt', format: 'pytorch', tensors: PICKLE_STATE_DICT, check: () => checkStateDict('state_dict.pt') },
  { file: 'state_dict_legacy.pt', format: 'pytorch', tensors: PICKLE_STATE_DICT, check: () => checkStateDict('state_dict_legacy.pt') },
  { file: 'state_dict.expected_f32.safetensors', format: 'safetensors' },
  {
    file: 'malicious.pt',
    error: { code: 'UNSUPPORTED', message: 'refused to load malicious.pt: it calls posix.system, which a state_dict never needs (FP4 Lab reads PyTorch files without running any of their code)' },
  },
  {
    file: 'bad_truncated.safetensors',
    error: { code: 'FORMAT', message: "bad_truncated.safetensors: not a valid safetensors file: tensor 'a' data_offsets [512, 2756] lie outside the 1306-byte data section (file truncated or offsets wrong)" },
  },
  {
    file: 'bad_headerlen.safetensors',
    error: { code: 'FORMAT', message: 'bad_headerlen.safetensors: not a valid safetensors file: header length 1000000000000 exceeds the 104857600-byte limit' },
  },
  {
    file: 'bad_offsets.safetensors',
    error: { code: 'FORMAT', message: "bad_offsets.safetensors: not a valid safetensors file: tensor 'a' data_offsets [0, 1000000000] lie outside the 2804-byte data section (file truncated or offsets wrong)" },
  },
  {
    file: 'bad_json.safetensors',
    error: { code: 'FORMAT', message: 'bad_json.safetensors: not a valid safetensors file: the header is not JSON (Unterminated string in JSON at position 20)' },
  },
  {
    file: 'bad_magic.npy',
    error: {
      code: 'FORMAT',
      message:
        'bad_magic.npy: its first bytes are not those of a .npy file (corrupt or mislabelled?); FP4 Lab reads .safetensors (and sharded *.index.json), .npy, .npz, PyTorch .pt/.pth/.bin (zip and legacy), .gguf, and .csv/.tsv/.txt text matrices',
    },
  },
];

describe('tensor-file corpus (one row per file)', () => {
  it('has a row for every file in the corpus', () => {
    const files = readdirSync(corpus).filter((f) => f !== 'README.md' && f !== 'manifest.json');
    expect(files.filter((f) => !ROWS.some((r) => r.file === f))).toEqual([]);
  });

  for (const row of ROWS) {
    it(`${row.file}: ${row.error ? `refused (${row.error.code})` : `${row.format}, ${row.tensors ? Object.keys(row.tensors).length : 'all'} tensors`}`, async () => {
      if (row.error) {
        const started = performance.now();
        const e = await openTensorFileAtPath(path(row.file)).then(
          (opened) => opened.close().then(() => new Error('opened without an error')),
          (err: unknown) => err,
        );
        expect(isFp4Error(e), String(e)).toBe(true);
        expect((e as { code: string }).code).toBe(row.error.code);
        expect((e as Error).message).toBe(row.error.message);
        // "Quickly": a hang bound, not a speed measurement.
        expect(performance.now() - started).toBeLessThan(5000);
        return;
      }
      await withFile(row.file, async (f) => {
        expect(f.format).toBe(row.format);
        for (const t of f.tensors) expect((await t.read()).length, t.name).toBe(t.byteLength);
      });
      if (row.tensors) expect(await listing(row.file)).toEqual(row.tensors);
      await row.check?.();
    });
  }

  it('malicious.pt runs nothing: the file its pickle would create does not appear', async () => {
    // Its pickle calls posix.system('echo PWNED > /tmp/fp4lab_pwned') if unpickled naively.
    const marker = '/tmp/fp4lab_pwned';
    rmSync(marker, { force: true });
    await expect(openTensorFileAtPath(path('malicious.pt'))).rejects.toThrow(/refused to load malicious\.pt: it calls posix\.system/);
    expect(existsSync(marker)).toBe(false);
  });
});
