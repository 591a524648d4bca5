import { readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isFp4Error } from '../../app/errors';
import { memoryByteSource, type ByteSource } from '../../app/tensors/byteSource';
import { decodeToFloat32, readTensorAsMatrix } from '../../app/tensors/decode';
import { isFloatDType } from '../../app/tensors/dtypes';
import type { RawInflater } from '../../app/tensors/inflate';
import { serializeNpy } from '../../app/tensors/npy';
import { openTensorFile } from '../../app/tensors/openTensorFile';
import { concatChunks } from '../../app/tensors/safetensors';
import { combineShards, parseShardIndex } from '../../app/tensors/shardedCheckpoint';
import { isQuantizable, type TensorFile } from '../../app/tensors/tensorFile';
import { nodeInflater } from '../../main/io/nodeInflater';
import { corpusDir, REPO_ROOT } from '../helpers/paths';
import { buildGguf, buildTorchZip, buildZip, f32Bytes, PickleWriter } from '../unit/tensorsBuilders';
import { mutate, seededRng } from './mutate';

/**
 * Every parser on mutated valid files. Each input must end in a clean Fp4Error or a valid
 * result (every listed tensor reads back with exactly its byteLength) within a time bound,
 * and no read or inflate may ask for more than the input could justify: allocations follow
 * checked lengths only. Seeded and printed: FP4LAB_FUZZ_SEED repeats a run,
 * FP4LAB_FUZZ_ITERATIONS sets its length (`npm run fuzz`: 10000 per parser; npm test and CI: 2000).
 */
const ITERATIONS = Number(process.env.FP4LAB_FUZZ_ITERATIONS ?? 2000);
const SEED = Number(process.env.FP4LAB_FUZZ_SEED ?? Math.floor(Math.random() * 2 ** 31));
console.log(`tensor parser fuzz: ${ITERATIONS} inputs per parser, seed ${SEED} (repeat with FP4LAB_FUZZ_SEED=${SEED})`);

/** A case may take this long before it counts as a hang (generous: CI has 2 slow cores). */
const CASE_TIME_LIMIT_MS = 2000;
/** Decoding may expand stored bytes (GGUF Q2_K blocks to f32: 12.2x, Q4: 7.1x; text: ~3x); broadcast views up to 1 MiB. */
const maxOutput = (inputLength: number): number => 13 * inputLength + (1 << 20) + 4096;

const corpus = (f: string): Uint8Array => new Uint8Array(readFileSync(join(corpusDir(), f)));
const fixture = (f: string): Uint8Array => new Uint8Array(readFileSync(join(REPO_ROOT, 'test', 'unit', 'tensorsFixtures', f)));
const npy = (values: number[], shape: number[]): Uint8Array => concatChunks(serializeNpy('F32', shape, f32Bytes(values)));

function smallTorchZip(): Uint8Array {
  const w = new PickleWriter().emptyDict().mark();
  w.str('w').tensorV2('FloatStorage', '0', 12, 0, [3, 4], [4, 1]);
  w.str('t').tensorV2('FloatStorage', '0', 12, 1, [2, 3], [1, 4]);
  w.str('h').tensorV2('HalfStorage', '1', 4, 0, [4], [1]);
  w.str('step').int(5);
  return buildTorchZip(w.setItems().stop(), { '0': f32Bytes(Array.from({ length: 12 }, (_, i) => i)), '1': new Uint8Array(8) });
}

function smallGguf(): Uint8Array {
  const q8 = new Uint8Array(68);
  q8.set([0, 0x3c], 0);
  q8.set([0, 0x38], 34);
  const mx = Uint8Array.from({ length: 34 }, (_, i) => (i * 29) & 0xff);
  return buildGguf(
    [
      { name: 'f', dims: [4, 2], type: 0, data: f32Bytes([1, 2, 3, 4, 5, 6, 7, 8]) },
      { name: 'q', dims: [32, 2], type: 8, data: q8 },
      { name: 'm', dims: [64], type: 39, data: mx },
      { name: 'k', dims: [256], type: 12, data: Uint8Array.from({ length: 144 }, (_, i) => (i * 53) & 0xff) },
      { name: 'k6', dims: [256], type: 14, data: Uint8Array.from({ length: 210 }, (_, i) => (i * 71) & 0xff) },
      { name: 'iq', dims: [256], type: 16, data: new Uint8Array(66) },
    ],
    { metadata: { 'general.name': { type: 'string', value: 'fuzz' }, 'tok.tokens': { type: 'string[]', value: ['a', 'bb', 'ccc'] }, 'tok.ids': { type: 'i32[]', value: [1, 2, 3] } } },
  );
}

interface Target {
  readonly name: string;
  /** File names (sniffing uses them for text) with their valid bytes. */
  readonly seeds: readonly [string, Uint8Array][];
  /** Parse one input; by default the generic openTensorFile path. */
  readonly parse?: (bytes: Uint8Array, name: string, inflater: RawInflater) => Promise<TensorFile>;
}

const TARGETS: Target[] = [
  { name: 'safetensors', seeds: [['numpy.safetensors', corpus('numpy.safetensors')], ['torch_mixed.safetensors', corpus('torch_mixed.safetensors')]] },
  {
    name: 'npy',
    seeds: [
      ['fortran_3d_f32.npy', fixture('fortran_3d_f32.npy')],
      ['bigendian_f64_fortran.npy', fixture('bigendian_f64_fortran.npy')],
      ['v3_f32.npy', fixture('v3_f32.npy')],
      ['scalar.npy', corpus('scalar.npy')],
    ],
  },
  {
    name: 'npz',
    seeds: [
      ['mixed_compressed.npz', fixture('mixed_compressed.npz')],
      ['stored.npz', buildZip([{ name: 'a.npy', data: npy([1, 2, 3, 4, 5, 6], [2, 3]) }, { name: 'b.npy', data: npy([7], [1]), zip64: true }])],
    ],
  },
  { name: 'pytorch zip', seeds: [['small.pt', smallTorchZip()], ['state_dict.pt', corpus('state_dict.pt')], ['malicious.pt', corpus('malicious.pt')]] },
  { name: 'pytorch legacy', seeds: [['state_dict_legacy.pt', corpus('state_dict_legacy.pt')]] },
  { name: 'gguf', seeds: [['small.gguf', smallGguf()]] },
  { name: 'text', seeds: [['m.csv', new TextEncoder().encode('# w\n1,2,3.5\n-4e2,inf,6\n7,8,9\n')], ['m.tsv', new TextEncoder().encode('1\t2\n3\t4\n')]] },
  {
    name: 'shard index',
    seeds: [['model.safetensors.index.json', new TextEncoder().encode(JSON.stringify({ metadata: { total_size: 8 }, weight_map: { a: 's1.safetensors', b: 's2.safetensors' } }))]],
    parse: async (bytes, name) => {
      const index = parseShardIndex(new TextDecoder().decode(bytes), name);
      const shard = (tensor: string): TensorFile => ({ format: 'safetensors', name: 's', metadata: {}, tensors: [{ name: tensor, dtype: 'F32', shape: [1], byteLength: 4, read: async () => new Uint8Array(4) }] });
      return combineShards(name, index, new Map(index.shards.map((s, i) => [s, shard(i === 0 ? 'a' : 'b')])));
    },
  },
];

/** A ByteSource and inflater that fail the case when asked for more than the input justifies. */
function guarded(bytes: Uint8Array, name: string): { source: ByteSource; inflater: RawInflater } {
  const inner = memoryByteSource(bytes, name);
  const limit = maxOutput(bytes.length);
  const source: ByteSource = {
    name,
    size: bytes.length,
    read: (offset, length) => {
      if (length > limit) throw new Error(`BOUND: a read of ${length} bytes from a ${bytes.length}-byte input`);
      return inner.read(offset, length);
    },
  };
  const inflater: RawInflater = {
    inflateRaw: (c, size) => {
      if (size > limit) throw new Error(`BOUND: inflating to ${size} bytes from a ${bytes.length}-byte input`);
      return nodeInflater.inflateRaw(c, size);
    },
    inflateRawPrefix: (c, n) => {
      if (n > limit) throw new Error(`BOUND: a ${n}-byte inflate prefix from a ${bytes.length}-byte input`);
      return nodeInflater.inflateRawPrefix!(c, n);
    },
  };
  return { source, inflater };
}

/** Open and read everything; a valid result must be self-consistent. */
async function exercise(target: Target, bytes: Uint8Array, name: string): Promise<void> {
  const { source, inflater } = guarded(bytes, name);
  const file = target.parse ? await target.parse(bytes, name, inflater) : await openTensorFile(source, { inflater });
  const limit = maxOutput(bytes.length);
  for (const t of file.tensors.slice(0, 64)) {
    if (t.byteLength > limit) throw new Error(`BOUND: tensor '${t.name}' claims ${t.byteLength} bytes from a ${bytes.length}-byte input`);
    if (t.encoding?.unsupported) continue;
    const data = await t.read();
    if (data.length !== t.byteLength) throw new Error(`tensor '${t.name}' read ${data.length} bytes, listed ${t.byteLength}`);
    if (isFloatDType(t.dtype)) decodeToFloat32(data, t.dtype);
    if (isQuantizable(t)) await readTensorAsMatrix(t, name);
  }
}

describe('tensor parsers under mutation', () => {
  TARGETS.forEach((target, targetIndex) => {
    it(`${target.name}: ${ITERATIONS} mutated inputs end in an Fp4Error or a valid result`, async () => {
      // Seeds themselves must parse (malicious.pt excepted: refusing it is its valid result).
      for (const [name, bytes] of target.seeds) await exercise(target, bytes, name).catch((e: unknown) => expect(isFp4Error(e) && name === 'malicious.pt', `${name}: ${String(e)}`).toBe(true));
      const rng = seededRng(SEED + targetIndex * 7919);
      const material = target.seeds.map(([, b]) => b);
      const outcomes = { ok: 0, refused: 0 };
      let slowest = 0;
      let peakBytes = 0;
      for (let i = 0; i < ITERATIONS; i++) {
        const [name, seedBytes] = target.seeds[Math.floor(rng() * target.seeds.length)];
        const { bytes, steps } = mutate(seedBytes, material, rng);
        const started = performance.now();
        let failure: string | null = null;
        try {
          await exercise(target, bytes, name);
          outcomes.ok++;
        } catch (e) {
          if (isFp4Error(e)) outcomes.refused++;
          else failure = (e as Error)?.stack ?? String(e);
        }
        const took = performance.now() - started;
        slowest = Math.max(slowest, took);
        if (took > CASE_TIME_LIMIT_MS) failure ??= `took ${took.toFixed(0)} ms`;
        if (i % 250 === 0) {
          const m = process.memoryUsage();
          peakBytes = Math.max(peakBytes, m.heapUsed + m.arrayBuffers);
        }
        if (failure !== null) {
          const saved = join(tmpdir(), `fp4lab-fuzz-${target.name.replace(/\W+/g, '_')}-${SEED}-${i}.bin`);
          writeFileSync(saved, bytes);
          expect.fail(`${target.name} case ${i} (seed ${SEED}, from ${name}: ${steps.join(', ')}) is not a clean error: ${failure}\n(input saved to ${saved})`);
        }
      }
      console.log(`  ${target.name}: ${outcomes.ok} parsed, ${outcomes.refused} refused; slowest ${slowest.toFixed(1)} ms; peak heap+buffers ${(peakBytes / 2 ** 20).toFixed(0)} MiB`);
      expect(outcomes.ok + outcomes.refused).toBe(ITERATIONS);
      expect(peakBytes).toBeLessThan(1024 * 2 ** 20);
    }, 600_000);
  });
});
