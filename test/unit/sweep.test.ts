import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, appendFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runAnalysis } from '../../app/analysis/runAnalysis';
import { referenceBackend } from '../../app/backends/referenceBackend';
import { isFp4Error } from '../../app/errors';
import type { SweepPlan, SweepProgress, SweepResult, SweepTensorResult } from '../../app/sweep/model';
import { parsePartialResult } from '../../app/sweep/partialResult';
import { planSweep, sweepVariants } from '../../app/sweep/planSweep';
import { runSweep } from '../../app/sweep/runSweep';
import { globToRegExp } from '../../app/sweep/tensorGlob';
import { sortSweepRows, summarizeSweep, sweepRows } from '../../app/sweep/sweepTable';
import { readTensorAsMatrix } from '../../app/tensors/decode';
import { findTensor, type TensorFile } from '../../app/tensors/tensorFile';
import { openTensorFileAtPath, type OpenedTensorFile } from '../../main/io/openTensorFileAtPath';
import { sha256Hex } from '../../main/report/provenance';
import { openSweepJournal } from '../../main/report/sweepJournal';
import { SMALL_CHECKPOINT, testSeed, writeCheckpoint } from './sweepFixtures';

const dir = mkdtempSync(join(tmpdir(), 'fp4lab-sweep-'));
const checkpointPath = join(dir, 'model.safetensors');
let opened: OpenedTensorFile;
const checkpoint = { file: 'model.safetensors', format: 'safetensors', size: 0 };

beforeAll(async () => {
  writeCheckpoint(checkpointPath, SMALL_CHECKPOINT, testSeed('sweep'));
  opened = await openTensorFileAtPath(checkpointPath);
});
afterAll(async () => {
  await opened?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** A clock that ticks 50 ms each time it is read: deterministic timings and ETAs. */
function tickingClock(): () => number {
  let t = 1_700_000_000_000;
  return () => (t += 50);
}

/** A result without its timings, for comparing two runs of the same sweep. */
function numbersOf(r: SweepResult | readonly SweepTensorResult[]): unknown {
  const tensors = Array.isArray(r) ? r : (r as SweepResult).tensors;
  return tensors.map(({ seconds: _s, ...rest }) => rest);
}

describe('planSweep', () => {
  it('takes every 2-D floating-point tensor in file order and says why it skipped the others', () => {
    const plan = planSweep(opened.file, checkpoint);
    expect(plan.tensors.map((t) => t.name)).toEqual(['embed_tokens.weight', 'layers.0.self_attn.q_proj.weight', 'layers.0.mlp.up_proj.weight', 'layers.0.mlp.down_proj.weight', 'layers.1.self_attn.q_proj.weight', 'lm_head.weight']);
    expect(plan.tensors.map((t) => t.index)).toEqual([0, 1, 3, 4, 6, 8]);
    expect(Object.fromEntries(plan.skipped.map((s) => [s.name, s.reason]))).toEqual({
      'layers.0.input_layernorm.weight': expect.stringContaining('1-D'),
      'layers.0.position_ids': 'I64 is not a floating-point type',
      'layers.1.conv.weight': expect.stringContaining('3-D'),
    });
    expect(plan.variants.map((v) => v.scale_rule)).toEqual(['always_6', 'always_4', 'mse', 'l1_norm', 'abs_max']);
  });

  it('selects by glob, flattening N-D tensors a pattern names explicitly', () => {
    const plan = planSweep(opened.file, checkpoint, { tensors: ['layers.*.q_proj.weight', 'layers.1.conv.*'] });
    expect(plan.tensors.map((t) => [t.name, t.matrix])).toEqual([
      ['layers.0.self_attn.q_proj.weight', [64, 64]],
      ['layers.1.self_attn.q_proj.weight', [64, 64]],
      ['layers.1.conv.weight', [32, 16]],
    ]);
    expect(() => planSweep(opened.file, checkpoint, { tensors: ['nothing.*'] })).toThrow(/no floating-point tensor matches 'nothing\.\*'/);
  });

  it('globs match whole names; * crosses dots, ? is one character, classes work', () => {
    expect(globToRegExp('*.weight').test('layers.0.mlp.up_proj.weight')).toBe(true);
    expect(globToRegExp('*.weight').test('layers.0.mlp.up_proj.weight_scale')).toBe(false);
    expect(globToRegExp('layers.?.mlp.*').test('layers.7.mlp.x')).toBe(true);
    expect(globToRegExp('layers.?.mlp.*').test('layers.17.mlp.x')).toBe(false);
    expect(globToRegExp('layers.[0-2].*').test('layers.1.a')).toBe(true);
    expect(globToRegExp('layers.[!0-2].*').test('layers.1.a')).toBe(false);
    expect(globToRegExp('a+b(c)').test('a+b(c)')).toBe(true);
    expect(() => globToRegExp('layers.[0')).toThrow(/without a closing/);
  });

  it('crosses formats and rules, dropping pairs MXFP4 does not have', () => {
    expect(sweepVariants(['nvfp4', 'mxfp4'], ['mse', 'always_6'])).toEqual([
      { fp4_format: 'nvfp4', scale_rule: 'mse' },
      { fp4_format: 'nvfp4', scale_rule: 'always_6' },
      { fp4_format: 'mxfp4', scale_rule: 'always_6' },
    ]);
    expect(() => sweepVariants(['mxfp4'], ['mse', 'l1_norm'])).toThrow(/mxfp4 has only always_6 and always_4/);
  });
});

describe('runSweep', () => {
  it('gives, for every tensor and variant, exactly the metrics a single analysis of that tensor gives', async () => {
    const plan = planSweep(opened.file, checkpoint, { formats: ['nvfp4', 'mxfp4'], rules: ['always_6', 'mse'], kwargs: { had: 16 } });
    const result = await runSweep(opened.file, plan, { backend: referenceBackend, digest: sha256Hex });
    expect(result.complete).toBe(true);
    expect(result.tensors).toHaveLength(plan.tensors.length);
    for (const t of result.tensors) {
      const entry = findTensor(opened.file, t.name);
      expect(t.sha256).toBe(createHash('sha256').update(await entry.read()).digest('hex'));
      const matrix = await readTensorAsMatrix(entry, opened.file.name);
      for (const v of t.variants) {
        const ws = await runAnalysis(
          { a: { matrix, request: { provenance: { file: 'model.safetensors', tensor: t.name, shape: t.shape, dtype: t.dtype }, kwargs: { scale_rule: v.scale_rule, had: 16 } } }, options: { fp4_format: v.fp4_format, compareRules: false, overviewSize: 8 } },
          { backend: referenceBackend },
        );
        expect(v.metrics, `${t.name} ${v.fp4_format} ${v.scale_rule}`).toEqual(ws.result.a.metrics);
        expect(v.percentChoosing4).toBe(ws.result.a.blocks.percentChoosing4);
      }
    }
    // The table has one row per (tensor, variant), in file order.
    const rows = sweepRows(result);
    expect(rows).toHaveLength(plan.tensors.length * 3);
    expect(rows.map((r) => r.tensor)).toEqual(result.tensors.flatMap((t) => [t.name, t.name, t.name]));
    expect(rows[1]).toMatchObject({ fp4_format: 'nvfp4', scale_rule: 'mse', mse: result.tensors[0].variants[1].metrics.mse, sqnrDb: result.tensors[0].variants[1].metrics.sqnrDb });
  });

  it('records a tensor the engine refuses (NaN values) and goes on with the rest', async () => {
    const path = join(dir, 'with-nan.safetensors');
    writeCheckpoint(path, SMALL_CHECKPOINT, 7, (name, values) => {
      if (name === 'layers.0.mlp.up_proj.weight') values[77] = NaN;
    });
    const file = await openTensorFileAtPath(path);
    try {
      const plan = planSweep(file.file, checkpoint, { rules: ['always_6', 'mse'] });
      const result = await runSweep(file.file, plan, { backend: referenceBackend });
      const failed = result.tensors.filter((t) => t.error);
      expect(failed.map((t) => t.name)).toEqual(['layers.0.mlp.up_proj.weight']);
      expect(failed[0].error!.code).toBe('NON_FINITE');
      expect(result.tensors.filter((t) => !t.error).every((t) => t.variants.length === 2)).toBe(true);
      // Sorting puts the failed tensor's row last in both directions; the others are ordered.
      for (const dirn of ['asc', 'desc'] as const) {
        const sorted = sortSweepRows(sweepRows(result), 'mse', dirn);
        expect(sorted[sorted.length - 1].tensor).toBe('layers.0.mlp.up_proj.weight');
        const mses = sorted.slice(0, -1).map((r) => r.mse);
        expect(mses).toEqual([...mses].sort((a, b) => (dirn === 'asc' ? a - b : b - a)));
      }
      const summary = summarizeSweep(result);
      expect(summary.map((s) => s.tensors)).toEqual([5, 5]);
      expect(summary[1].meanMse).toBeCloseTo(result.tensors.filter((t) => !t.error).reduce((s, t) => s + t.variants[1].metrics.mse, 0) / 5, 15);
    } finally {
      await file.close();
    }
  });

  it('reports progress that only grows, ends at 1, and has an ETA once work was measured', async () => {
    const plan = planSweep(opened.file, checkpoint, { rules: ['always_6', 'mse'] });
    const seen: SweepProgress[] = [];
    await runSweep(opened.file, plan, { backend: referenceBackend, onProgress: (p) => seen.push(p), now: tickingClock() });
    const fractions = seen.map((p) => p.fraction);
    expect(fractions).toEqual([...fractions].sort((a, b) => a - b));
    expect(seen[0]).toMatchObject({ tensorsDone: 0, fraction: 0, current: 'embed_tokens.weight', etaSeconds: null });
    expect(seen.at(-1)).toMatchObject({ tensorsDone: 6, tensorsTotal: 6, fraction: 1, current: undefined, etaSeconds: 0 });
    const middle = seen.find((p) => p.tensorsDone === 3 && p.current)!;
    expect(middle.etaSeconds).toBeGreaterThan(0);
  });
});

describe('resuming a sweep', () => {
  const plan = (): SweepPlan => planSweep(opened.file, checkpoint, { rules: ['always_6', 'mse', 'abs_max'] });

  it('after a cancel, picks up the partial-result file and ends with the same result as an uninterrupted run', async () => {
    const journalPath = join(dir, 'resume.partial.jsonl');
    const full = await runSweep(opened.file, plan(), { backend: referenceBackend, digest: sha256Hex });

    // Run 1: cancelled after the second tensor.
    const controller = new AbortController();
    const journal1 = await openSweepJournal(journalPath, plan());
    let finished = 0;
    const first = await runSweep(opened.file, plan(), {
      backend: referenceBackend,
      digest: sha256Hex,
      signal: controller.signal,
      onTensorDone: async (r) => {
        await journal1.append(r);
        if (++finished === 2) controller.abort();
      },
    });
    await journal1.close();
    expect(first.complete).toBe(false);
    expect(first.tensors).toHaveLength(2);
    const lines = readFileSync(journalPath, 'utf8').trimEnd().split('\n');
    expect(lines).toHaveLength(3); // header + 2 tensors

    // Run 2: resumes; only the other four tensors are computed.
    const journal2 = await openSweepJournal(journalPath, plan());
    expect(journal2.previous.map((r) => r.name)).toEqual(first.tensors.map((t) => t.name));
    const computed: string[] = [];
    const second = await runSweep(opened.file, plan(), {
      backend: referenceBackend,
      digest: sha256Hex,
      previous: journal2.previous,
      onTensorDone: async (r) => {
        computed.push(r.name);
        await journal2.append(r);
      },
    });
    await journal2.close();
    expect(computed).toEqual(plan().tensors.slice(2).map((t) => t.name));
    expect(second.complete).toBe(true);
    expect(second.resumed).toBe(2);
    expect(numbersOf(second)).toEqual(numbersOf(full));
    // The file now holds the whole sweep.
    expect(numbersOf(parsePartialResult(readFileSync(journalPath, 'utf8'), journalPath).tensors)).toEqual(numbersOf(full));
  });

  it('cuts a torn last line (a crash mid-append) and redoes only that tensor', async () => {
    const journalPath = join(dir, 'torn.partial.jsonl');
    const j = await openSweepJournal(journalPath, plan(), { restart: true });
    const done = await runSweep(opened.file, { ...plan(), tensors: plan().tensors.slice(0, 3) }, { backend: referenceBackend, onTensorDone: (r) => j.append(r) });
    await j.close();
    expect(done.tensors).toHaveLength(3);
    appendFileSync(journalPath, '{"index":4,"name":"layers.0.mlp.down_pr'); // the crash
    const sizeBefore = readFileSync(journalPath).length;
    const j2 = await openSweepJournal(journalPath, plan());
    expect(j2.previous.map((r) => r.index)).toEqual([0, 1, 3]);
    await j2.close();
    const text = readFileSync(journalPath, 'utf8');
    expect(text.endsWith('\n')).toBe(true);
    expect(text.length).toBeLessThan(sizeBefore);
    expect(parsePartialResult(text, journalPath).tensors).toHaveLength(3);
  });

  it('refuses to resume a partial result made with other settings or another file, and says what differs', async () => {
    const journalPath = join(dir, 'other.partial.jsonl');
    await (await openSweepJournal(journalPath, plan(), { restart: true })).close();
    const other = planSweep(opened.file, checkpoint, { rules: ['always_6'] });
    await expect(openSweepJournal(journalPath, other)).rejects.toThrow(/different formats\/rules.*--restart/);
    const otherFile = planSweep(opened.file, { ...checkpoint, size: 123 }, { rules: ['always_6', 'mse', 'abs_max'] });
    await expect(openSweepJournal(journalPath, otherFile)).rejects.toThrow(/different checkpoint/);
    writeFileSync(join(dir, 'not-a-journal.jsonl'), 'hello\n');
    const err = await openSweepJournal(join(dir, 'not-a-journal.jsonl'), plan()).catch((e) => e);
    expect(isFp4Error(err) && err.code).toBe('INVALID_ARGUMENT');
    expect(String(err.message)).toMatch(/not a sweep's partial-result file.*--restart/);
  });
});

describe('tensor reading during a sweep', () => {
  it('reads each chosen tensor exactly once, in file order (memory: see sweep-memory.test.ts)', async () => {
    const reads: string[] = [];
    const file: TensorFile = {
      ...opened.file,
      tensors: opened.file.tensors.map((t) => ({ ...t, read: () => (reads.push(t.name), t.read()) })),
    };
    const plan = planSweep(file, checkpoint, { rules: ['always_6'] });
    await runSweep(file, plan, { backend: referenceBackend, digest: sha256Hex });
    expect(reads).toEqual(plan.tensors.map((t) => t.name));
  });
});
