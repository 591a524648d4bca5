import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runAnalysis } from '../../app/analysis/runAnalysis';
import { getBackend, initBackends } from '../../main/compute/backends';
import { parseAnalysisJson, parseSweepJson } from '../../app/report/jsonExport';
import { readTensorAsMatrix } from '../../app/tensors/decode';
import { quantizedTensorNames } from '../../app/tensors/quantizedFile';
import { findTensor } from '../../app/tensors/tensorFile';
import { openTensorFileAtPath } from '../../main/io/openTensorFileAtPath';
import { runFp4lab, type CliRun } from '../helpers/cli';
import { REPO_ROOT } from '../helpers/paths';
import { parseCsv } from '../unit/reportFixtures';
import { SMALL_CHECKPOINT, testSeed, writeCheckpoint } from '../unit/sweepFixtures';
import { pngSize } from './reportBrowser';

const BIN = join(REPO_ROOT, 'bin', 'fp4lab.mjs');
const seed = testSeed('report cli');
const dir = mkdtempSync(join(tmpdir(), 'fp4lab-report-cli-'));
const model = join(dir, 'model.safetensors');
const out = (name: string): string => join(dir, name);

const fp4lab = (...args: string[]): CliRun => runFp4lab(args, { cwd: dir });
const autoBackend = async (): Promise<ReturnType<typeof getBackend>> => {
  await initBackends();
  return getBackend('auto');
};

beforeAll(() => writeCheckpoint(model, SMALL_CHECKPOINT, seed));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('fp4lab analyze', () => {
  it('runs the app\u2019s analysis, prints its metrics and writes every export; the JSON equals an in-process runAnalysis', async () => {
    const r = fp4lab(
      'analyze', model, '--a', 'layers.0.mlp.up_proj.weight', '--b-file', model, '--b-tensor', 'layers.0.self_attn.q_proj.weight',
      '--scale-rule', 'l1_norm', '--b-scale-rule', 'always_6', '--had', '16',
      '--report', out('a.html'), '--json', out('a.json'), '--csv', out('a.csv'), '--python', out('a.py'), '--safetensors', out('a.q.safetensors'),
    );
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const result = parseAnalysisJson(readFileSync(out('a.json'), 'utf8'));
    expect(r.stdout).toContain(`SQNR ${result.a.metrics.sqnrDb.toFixed(2)} dB`);
    expect(r.stdout).toContain('A @ B.T  150 x 64 bfloat16');
    for (const f of ['a.html', 'a.json', 'a.csv', 'a.py', 'a.q.safetensors']) expect(r.stdout).toMatch(new RegExp(`wrote .*${f.replace(/\./g, '\\.')} \\(`));
    expect(result.a.kwargs).toMatchObject({ scale_rule: 'l1_norm', had: 16 });
    expect(result.b!.kwargs).toMatchObject({ scale_rule: 'always_6', had: 16 });

    // Provenance: sha256 of the stored bytes, computed by main/.
    const opened = await openTensorFileAtPath(model);
    try {
      const aEntry = findTensor(opened.file, 'layers.0.mlp.up_proj.weight');
      expect(result.a.provenance).toMatchObject({ file: model, tensor: 'layers.0.mlp.up_proj.weight', shape: [150, 64], dtype: 'F16', sha256: createHash('sha256').update(await aEntry.read()).digest('hex') });
      // The same analysis in this process, on the backend the CLI picked (auto), gives the same numbers.
      const bEntry = findTensor(opened.file, 'layers.0.self_attn.q_proj.weight');
      const ws = await runAnalysis(
        {
          a: { matrix: await readTensorAsMatrix(aEntry, 'm'), request: { provenance: result.a.provenance, kwargs: { scale_rule: 'l1_norm', had: 16 } } },
          b: { matrix: await readTensorAsMatrix(bEntry, 'm'), request: { provenance: result.b!.provenance, kwargs: { scale_rule: 'always_6', had: 16 } } },
        },
        { backend: await autoBackend() },
      );
      expect(result.a.metrics).toEqual(ws.result.a.metrics);
      expect(result.b!.metrics).toEqual(ws.result.b!.metrics);
      expect(result.matmul!.metrics).toEqual(ws.result.matmul!.metrics);
      expect(result.ruleComparison).toEqual(ws.result.ruleComparison);
    } finally {
      await opened.close();
    }
    expect(parseCsv(readFileSync(out('a.csv'), 'utf8'))).toHaveLength(1 + 3 + 14);
    expect(readFileSync(out('a.py'), 'utf8')).toContain('scale_rule=AdaptiveBlockScalingRule.l1_norm,');
    const q = await openTensorFileAtPath(out('a.q.safetensors'));
    expect(quantizedTensorNames(q.file).sort()).toEqual(['layers.0.mlp.up_proj.weight', 'layers.0.self_attn.q_proj.weight']);
    await q.close();
    expect(readFileSync(out('a.html'), 'utf8')).toContain('<meta http-equiv="Content-Security-Policy"');
  });

  it('prints a PDF and PNGs through Chromium', () => {
    const r = fp4lab('analyze', model, '--a', 'lm_head.weight', '--no-compare', '--pdf', out('b.pdf'), '--png', out('png'));
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(readFileSync(out('b.pdf')).subarray(0, 5).toString('latin1')).toBe('%PDF-');
    const pngs = readdirSync(out('png')).sort();
    expect(pngs).toEqual(['a-abs_error.png', 'a-block-mse-log10.png', 'a-block_mse.png', 'a-input.png', 'a-scale-log2.png', 'a-scale.png', 'a-scaled-magnitude.png', 'a-selection.png', 'a-signed_error.png']);
    for (const p of pngs) expect(pngSize(readFileSync(join(out('png'), p))).width).toBe(2000);
  });

  it('exit 2 for usage errors, with one line that names the problem', () => {
    const cases: [string[], RegExp][] = [
      [['analyze', model, '--a', 'lm_head.weight', '--nope'], /unknown option '--nope'/],
      [['analyze', model, '--a', 'lm_head.weight', '--scale-rule', 'best'], /argument 'best' is invalid.*Allowed choices are abs_max/],
      [['analyze', model, '--a', 'lm_head.weight', '--had', '12'], /had must be a power of two/],
      [['analyze', model, '--a', 'lm_head.weight', '--fp4-format', 'mxfp4'], /scale_rule 'mse' is not defined for mxfp4/],
      [['analyze', model, '--a', 'lm_head.weight', '--b', 'embed_tokens.weight', '--b-file', model], /either as --b NAME .* not both/],
      [['analyze', model, '--a', 'lm_head.weight', '--b-scale-rule', 'mse'], /--b-\* kwargs need a B tensor/],
      [['analyze', model], /holds 8 floating-point tensors; choose one with --a/],
      [['analyze', model, '--a', 'lm_head.weight', '--b', 'layers.0.mlp.down_proj.weight'], /A and B need the same number of columns/],
      [['analyze', model, '--a', 'lm_head.weight', '--overview-size', '0'], /--overview-size must be an integer from 1 to 2048/],
    ];
    for (const [args, message] of cases) {
      const r = fp4lab(...args);
      expect(r.status, `${args.join(' ')}: ${r.stderr}`).toBe(2);
      expect(r.stderr, args.join(' ')).toMatch(message);
      expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
    }
  });

  it('exit 1 for failures: a missing file, a missing tensor, an output that exists', () => {
    expect(fp4lab('analyze', out('missing.safetensors')).stderr).toMatch(/cannot open .*missing\.safetensors: no such file/);
    const r = fp4lab('analyze', model, '--a', 'nope.weight');
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/has no tensor 'nope\.weight'/);
  });

  it('never overwrites without --force, and checks before computing anything', () => {
    writeFileSync(out('taken.json'), 'precious');
    writeFileSync(out('taken.csv'), 'precious');
    const r = fp4lab('analyze', model, '--a', 'lm_head.weight', '--json', out('taken.json'), '--csv', out('free.csv'));
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/taken\.json already exists; pass --force to overwrite it/);
    expect(r.stdout).toBe(''); // refused before the analysis ran
    expect(readFileSync(out('taken.json'), 'utf8')).toBe('precious');
    expect(existsSync(out('free.csv'))).toBe(false);
    const forced = fp4lab('analyze', model, '--a', 'lm_head.weight', '--no-compare', '--quiet', '--json', out('taken.json'), '--csv', out('taken.csv'), '--force');
    expect(forced.status).toBe(0);
    expect(forced.stdout).toBe('');
    expect(parseAnalysisJson(readFileSync(out('taken.json'), 'utf8')).a.provenance.tensor).toBe('lm_head.weight');
    expect(readFileSync(out('taken.csv'), 'utf8')).toMatch(/^row,target,/);
    // Atomic writes leave no temp files behind.
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });
});

describe('fp4lab sweep', () => {
  it('sweeps the 2-D weights, writes report/JSON/CSV, removes its partial-result file', () => {
    const r = fp4lab('sweep', model, '--rules', 'always_6,mse', '--formats', 'nvfp4,mxfp4', '--report', out('s.html'), '--json', out('s.json'), '--csv', out('s.csv'));
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/^sweeping 6 tensors .* x 3 variants \(nvfp4 always_6, nvfp4 mse, mxfp4 always_6\) on (reference|cpu)\n/);
    expect(r.stderr).toMatch(/6\/6 tensors 100%/);
    expect(r.stdout).toMatch(/model\.safetensors: 6 of 6 tensors/);
    const sweep = parseSweepJson(readFileSync(out('s.json'), 'utf8'));
    expect(sweep.complete).toBe(true);
    expect(sweep.tensors.map((t) => t.name)).toEqual(['embed_tokens.weight', 'layers.0.self_attn.q_proj.weight', 'layers.0.mlp.up_proj.weight', 'layers.0.mlp.down_proj.weight', 'layers.1.self_attn.q_proj.weight', 'lm_head.weight']);
    expect(parseCsv(readFileSync(out('s.csv'), 'utf8'))).toHaveLength(1 + 18);
    expect(statSync(out('s.html')).size).toBeGreaterThan(4_000_000); // plotly inline
    expect(existsSync(out('s.html.partial.jsonl'))).toBe(false);
  });

  it('keeps a partial-result file named with --journal; rerunning with it only rewrites the outputs', () => {
    const journal = out('kept.jsonl');
    const first = fp4lab('sweep', model, '--rules', 'mse', '--journal', journal, '--json', out('k1.json'));
    expect(first.status, first.stderr).toBe(0);
    expect(readFileSync(journal, 'utf8').trimEnd().split('\n')).toHaveLength(1 + 6);
    const again = fp4lab('sweep', model, '--rules', 'mse', '--journal', journal, '--json', out('k2.json'));
    expect(again.status, again.stderr).toBe(0);
    expect(again.stderr).toContain('6 of 6 tensors already done');
    expect(parseSweepJson(readFileSync(out('k2.json'), 'utf8')).tensors).toEqual(parseSweepJson(readFileSync(out('k1.json'), 'utf8')).tensors);
    const other = fp4lab('sweep', model, '--rules', 'always_6', '--journal', journal, '--json', out('k3.json'));
    expect(other.status).toBe(2);
    expect(other.stderr).toMatch(/kept\.jsonl holds a sweep with a different formats\/rules; .* --restart/);
  });

  it('exit 2 when nothing matches or the rules make no variant; 1 when an output exists', () => {
    const none = fp4lab('sweep', model, '--tensors', 'decoder.*', '--json', out('n.json'));
    expect(none.status).toBe(2);
    expect(none.stderr).toMatch(/nothing to sweep in model\.safetensors: no floating-point tensor matches 'decoder\.\*'/);
    const mx = fp4lab('sweep', model, '--formats', 'mxfp4', '--rules', 'mse', '--json', out('n.json'));
    expect(mx.status).toBe(2);
    expect(mx.stderr).toMatch(/mxfp4 has only always_6 and always_4/);
    expect(fp4lab('sweep', model, '--rules', 'best').stderr).toMatch(/--rules: 'best' is not one of/);
    writeFileSync(out('exists.csv'), 'x');
    const taken = fp4lab('sweep', model, '--csv', out('exists.csv'));
    expect(taken.status).toBe(1);
    expect(taken.stderr).toMatch(/exists\.csv already exists; pass --force/);
    expect(existsSync(out('exists.csv.partial.jsonl'))).toBe(false); // refused before starting
  });

  it('Ctrl-C stops it with exit 130 and keeps finished tensors; the same command resumes to the same result', async () => {
    // Enough work that the signal lands mid-sweep: 12 tensors x 5 rules.
    const big = join(dir, 'big.safetensors');
    writeCheckpoint(big, Array.from({ length: 12 }, (_, i) => ({ name: `layers.${i}.mlp.up_proj.weight`, dtype: 'BF16' as const, shape: [512, 512] })), seed + 1);
    const args = ['sweep', big, '--json', out('big.json'), '--csv', out('big.csv')];
    const journal = out('big.json.partial.jsonl');
    const child = spawn(process.execPath, [BIN, ...args], { cwd: dir });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    // Interrupt once the partial-result file holds its header and the first tensor.
    for (let i = 0; i < 2000; i++) {
      if (existsSync(journal) && readFileSync(journal, 'utf8').split('\n').length >= 3) break;
      await new Promise((r) => setTimeout(r, 10));
    }
    child.kill('SIGINT');
    const code = await exited;
    expect(code, stderr).toBe(130);
    expect(stderr).toMatch(/stopping after the current step/);
    expect(stderr).toMatch(/sweep cancelled after (\d+) of 12 tensors; the \d+ finished tensors are in .*big\.json\.partial\.jsonl: run the same command again to resume/);
    const kept = readFileSync(journal, 'utf8').trimEnd().split('\n').length - 1;
    expect(kept).toBeGreaterThanOrEqual(1);
    expect(kept).toBeLessThan(12);
    expect(existsSync(out('big.json'))).toBe(false);

    const resumed = fp4lab(...args);
    expect(resumed.status, resumed.stderr).toBe(0);
    expect(resumed.stderr).toContain(`resuming from ${journal}: ${kept} of 12 tensors already done`);
    expect(resumed.stdout).toMatch(`12 of 12 tensors (${kept} resumed)`);
    const fresh = fp4lab('sweep', big, '--json', out('big-fresh.json'));
    expect(fresh.status).toBe(0);
    const strip = (text: string): unknown => parseSweepJson(text).tensors.map(({ seconds: _s, ...t }) => t);
    expect(strip(readFileSync(out('big.json'), 'utf8'))).toEqual(strip(readFileSync(out('big-fresh.json'), 'utf8')));
    expect(existsSync(journal)).toBe(false);
  });
});

describe('help', () => {
  it('lists analyze and sweep with their options', () => {
    const r = fp4lab('--help');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/analyze \[options\] <input>/);
    expect(r.stdout).toMatch(/sweep \[options\] <checkpoint>/);
  });
});
