/**
 * `npm run bench:files`: opening multi-GB checkpoints lazily. Writes a ~2 GB safetensors file
 * shaped like a 1B-parameter model into os.tmpdir() (deleted afterwards), then, each in a
 * fresh process (tensorFilesProbe.ts) and as the median of RUNS runs:
 *   - open + list every tensor: time and peak RSS (targets: < 300 ms, < 200 MB);
 *   - read one 8192x8192 bf16 tensor through the parser vs a plain sequential read of the same
 *     byte range, side by side; warm (page cache) and, with FP4LAB_BENCH_COLD=1 where the page
 *     cache can be dropped (root on Linux), cold from disk.
 */
import { spawnSync } from 'node:child_process';
import { writeFileSync, existsSync, rmSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { serializeSafetensors } from '../../app/tensors/safetensors';
import type { DType } from '../../app/tensors/dtypes';

const RUNS = Number(process.env.FP4LAB_BENCH_RUNS ?? 5);
const BIG = 'model.embed_tokens.weight';
const BIG_SHAPE = [8192, 8192];
const HIDDEN = 2048;
const LAYERS = 24;

interface Spec {
  name: string;
  dtype: DType;
  shape: number[];
}

/** A Llama-like layout: embeddings 8192x8192 bf16 (128 MiB), 24 layers of attention + MLP. */
function modelSpec(): Spec[] {
  const specs: Spec[] = [{ name: BIG, dtype: 'BF16', shape: BIG_SHAPE }];
  for (let l = 0; l < LAYERS; l++) {
    const p = `model.layers.${l}`;
    specs.push(
      { name: `${p}.input_layernorm.weight`, dtype: 'BF16', shape: [HIDDEN] },
      { name: `${p}.self_attn.q_proj.weight`, dtype: 'BF16', shape: [HIDDEN, HIDDEN] },
      { name: `${p}.self_attn.k_proj.weight`, dtype: 'BF16', shape: [512, HIDDEN] },
      { name: `${p}.self_attn.v_proj.weight`, dtype: 'BF16', shape: [512, HIDDEN] },
      { name: `${p}.self_attn.o_proj.weight`, dtype: 'BF16', shape: [HIDDEN, HIDDEN] },
      { name: `${p}.post_attention_layernorm.weight`, dtype: 'BF16', shape: [HIDDEN] },
      { name: `${p}.mlp.gate_proj.weight`, dtype: 'BF16', shape: [5632, HIDDEN] },
      { name: `${p}.mlp.up_proj.weight`, dtype: 'BF16', shape: [5632, HIDDEN] },
      { name: `${p}.mlp.down_proj.weight`, dtype: 'BF16', shape: [HIDDEN, 5632] },
    );
  }
  specs.push({ name: 'model.norm.weight', dtype: 'BF16', shape: [HIDDEN] }, { name: 'lm_head.weight', dtype: 'BF16', shape: [16384, HIDDEN] });
  return specs;
}

/** Write the file from a 64 MiB block of varied bytes; returns where BIG's bytes are. */
async function writeModel(path: string): Promise<{ size: number; bigOffset: number; bigLength: number; tensors: number }> {
  const specs = modelSpec();
  const lengths = specs.map((s) => s.shape.reduce((n, d) => n * d, 2));
  // The header alone (data are written below, in blocks, never held whole).
  const placeholders = specs.map((s, i) => ({ ...s, data: { length: lengths[i] } as Uint8Array }));
  const [head] = serializeSafetensors(placeholders);
  const block = new Uint8Array(64 << 20);
  for (let i = 0; i < block.length; i++) block[i] = (i * 2654435761) >>> 24;
  const handle = await open(path, 'w');
  try {
    await handle.write(head);
    for (const length of lengths) {
      for (let done = 0; done < length; ) {
        const n = Math.min(block.length, length - done);
        await handle.write(block, 0, n);
        done += n;
      }
    }
    await handle.sync();
  } finally {
    await handle.close();
  }
  const size = head.length + lengths.reduce((a, b) => a + b, 0);
  return { size, bigOffset: head.length, bigLength: lengths[0], tensors: specs.length };
}

interface Probe {
  ms: number;
  maxRssMiB: number;
  bytesRead: number;
  /** The whole process: node start, module load, the work, exit. */
  wallMs: number;
}

function probe(...args: string[]): Probe {
  const started = performance.now();
  const r = spawnSync(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'tensorFilesProbe.ts'), ...args], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`probe ${args.join(' ')} failed: ${r.stderr}`);
  return { ...(JSON.parse(r.stdout.trim().split('\n').pop()!) as Probe), wallMs: performance.now() - started };
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const DROP_CACHES = '/proc/sys/vm/drop_caches';
function dropPageCache(): boolean {
  try {
    writeFileSync(DROP_CACHES, '3\n');
    return true;
  } catch {
    return false;
  }
}

const path = join(tmpdir(), `fp4lab-bench-${process.pid}.safetensors`);
const cleanup = (): void => rmSync(path, { force: true });
process.on('SIGINT', () => {
  cleanup();
  process.exit(130);
});

try {
  let started = performance.now();
  const { size, bigOffset, bigLength, tensors } = await writeModel(path);
  console.log(`wrote ${(size / 2 ** 30).toFixed(2)} GiB, ${tensors} tensors, to ${path} in ${((performance.now() - started) / 1000).toFixed(1)} s`);

  const baselines = Array.from({ length: RUNS }, () => probe('baseline'));
  const baseline = median(baselines.map((b) => b.maxRssMiB));
  const opens = Array.from({ length: RUNS }, () => probe('open', path));
  const openMs = median(opens.map((o) => o.ms));
  const openRss = median(opens.map((o) => o.maxRssMiB));
  console.log(`\nopen + list ${tensors} tensors (median of ${RUNS}, fresh process each):`);
  console.log(`  time       ${openMs.toFixed(1)} ms                 (target < 300 ms)`);
  console.log(`  process    ${median(opens.map((o) => o.wallMs)).toFixed(0)} ms from spawn to exit (node + tsx start and module load alone: ${median(baselines.map((b) => b.wallMs)).toFixed(0)} ms)`);
  console.log(`  peak RSS   ${openRss.toFixed(0)} MiB (= ${(openRss * 1.048576).toFixed(0)} MB)      (target < 200 MB; a process that only loads the modules: ${baseline.toFixed(0)} MiB)`);
  console.log(`  bytes read ${opens[0].bytesRead} of ${size} (${((100 * opens[0].bytesRead) / size).toFixed(4)} %)`);

  const readBoth = (cold: boolean): { parser: Probe[]; plain: Probe[] } => {
    const parser: Probe[] = [];
    const plain: Probe[] = [];
    for (let i = 0; i < RUNS; i++) {
      // Alternate which goes first so neither always meets a warmer cache.
      const order = i % 2 === 0 ? ['parser', 'plain'] : ['plain', 'parser'];
      for (const which of order) {
        if (cold) dropPageCache();
        if (which === 'parser') parser.push(probe('read', path, BIG));
        else plain.push(probe('plain', path, String(bigOffset), String(bigLength)));
      }
    }
    return { parser, plain };
  };
  const show = (label: string, r: { parser: Probe[]; plain: Probe[] }): void => {
    const a = median(r.parser.map((p) => p.ms));
    const b = median(r.plain.map((p) => p.ms));
    const mib = bigLength / 2 ** 20;
    console.log(`\nread '${BIG}' (bf16 ${BIG_SHAPE.join('x')}, ${mib} MiB), ${label}, median of ${RUNS}:`);
    console.log(`  through the parser   ${a.toFixed(1)} ms  ${(mib / (a / 1000)).toFixed(0)} MiB/s  peak RSS ${median(r.parser.map((p) => p.maxRssMiB)).toFixed(0)} MiB  bytes read ${r.parser[0].bytesRead}`);
    console.log(`  plain sequential     ${b.toFixed(1)} ms  ${(mib / (b / 1000)).toFixed(0)} MiB/s  peak RSS ${median(r.plain.map((p) => p.maxRssMiB)).toFixed(0)} MiB`);
    console.log(`  parser / plain       ${(a / b).toFixed(2)}x time; the parser read ${r.parser[0].bytesRead === bigLength ? 'exactly the tensor' : `${r.parser[0].bytesRead} bytes`} (the other ${((size - bigLength) / 2 ** 30).toFixed(2)} GiB untouched)`);
  };
  started = performance.now();
  show('warm (page cache)', readBoth(false));
  // Dropping the page cache slows everything else on the machine, so cold runs are asked for.
  if (process.env.FP4LAB_BENCH_COLD !== '1') console.log('\n(cold reads from disk: FP4LAB_BENCH_COLD=1 npm run bench:files, as root on Linux; it drops the page cache)');
  else if (dropPageCache()) show('cold (page cache dropped before each run)', readBoth(true));
  else console.log(`\n(cold reads skipped: ${DROP_CACHES} is not writable here; run as root on Linux to measure them)`);
} finally {
  cleanup();
  console.log(`\nremoved ${path}${existsSync(path) ? ' (FAILED)' : ''}`);
}
