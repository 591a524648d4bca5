import { stat } from 'node:fs/promises';
import { basename } from 'node:path';
import { Option, type Command } from 'commander';
import { Fp4Error, invalidArgument } from '../../app/errors';
import { FP4_FORMATS, ROUND_STYLES, SCALE_RULES, type Fp4Format, type ScaleRule } from '../../app/quantize/kwargs';
import { sweepToCsv } from '../../app/report/csvExport';
import { sweepToJson } from '../../app/report/jsonExport';
import { formatBytes, formatDb, formatNumber, formatPercent, formatSeconds } from '../../app/plots/numberFormat';
import { renderSweepReport } from '../../app/report/sweepReport';
import type { SweepResult } from '../../app/sweep/model';
import { planSweep } from '../../app/sweep/planSweep';
import { runSweep } from '../../app/sweep/runSweep';
import { summarizeSweep, variantLabel } from '../../app/sweep/sweepTable';
import { backendForCommand } from '../compute/backends';
import { printNote } from './output';
import { openTensorFileAtPath } from '../io/openTensorFileAtPath';
import { GENERATOR } from '../report/exports';
import { checkOutputPaths, writeOutput } from '../report/outputFiles';
import { printReportToPdf } from '../report/pdf';
import { readPlotlySource } from '../report/plotlyBundle';
import { sha256Hex } from '../report/provenance';
import { openSweepJournal, type SweepJournal } from '../report/sweepJournal';
import { alignedTable, progressLine } from './terminalText';

/** Exit code of a sweep stopped by Ctrl-C (128 + SIGINT, as shells report it). */
const CANCELLED_EXIT = 130;

function list<T extends string>(text: unknown, allowed: readonly T[], flag: string): T[] | undefined {
  if (text === undefined) return undefined;
  const items = String(text)
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  for (const i of items) if (!allowed.includes(i as T)) throw invalidArgument(`${flag}: '${i}' is not one of ${allowed.join(', ')}`);
  if (items.length === 0) throw invalidArgument(`${flag} needs at least one of ${allowed.join(', ')}`);
  return items as T[];
}

function integerFlag(value: unknown, flag: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n)) throw invalidArgument(`${flag} must be an integer; got ${JSON.stringify(value)}`);
  return n;
}

/** The per-variant summary printed at the end (the numbers of the sweep model, formatted). */
export function sweepSummaryText(result: SweepResult): string {
  const rows = [
    ['variant', 'tensors', 'mean MSE', 'mean SQNR', 'mean % choosing 4', 'lowest MSE on'],
    ...summarizeSweep(result).map((s) => [variantLabel(s), String(s.tensors), formatNumber(s.meanMse), formatDb(s.meanSqnrDb), formatPercent(s.meanPercentChoosing4), `${s.lowestMse} layers`]),
  ];
  const failed = result.tensors.filter((t) => t.error);
  const lines = [
    `${result.plan.checkpoint.file}: ${result.tensors.length} of ${result.plan.tensors.length} tensors${result.resumed ? ` (${result.resumed} resumed)` : ''}, backend ${result.backend}, ${formatSeconds(result.seconds)}`,
    ...alignedTable(rows, new Set([1, 2, 3, 4])).map((l) => `  ${l}`),
    ...failed.map((t) => `  refused ${t.name}: ${t.error!.message}`),
  ];
  return `${lines.join('\n')}\n`;
}

export function registerSweepCommand(program: Command): void {
  program
    .command('sweep')
    .description('quantize every 2-D weight of a checkpoint (or the matching tensors) with each rule/format; per-layer table, plots and report; resumable')
    .argument('<checkpoint>', 'tensor file (safetensors, ...)')
    .option('--tensors <globs>', 'comma-separated globs over tensor names, e.g. "*.weight" or "layers.*.mlp.*" (default: every 2-D floating-point tensor)')
    .option('--rules <rules>', `comma-separated scale rules (${SCALE_RULES.join(', ')})`, SCALE_RULES.join(','))
    .option('--formats <formats>', `comma-separated formats (${FP4_FORMATS.join(', ')}); mxfp4 runs only always_6/always_4`, 'nvfp4')
    .option('--block-scale-2d', 'block_scale_2d: one scale per 16x16 tile (32x32 for mxfp4)', false)
    .option('--had <n>', 'had: rotate by the n x n Sylvester Hadamard matrix / sqrt(n)')
    .addOption(new Option('--round-style <style>', 'round_style').choices(ROUND_STYLES as unknown as string[]).default('nearest'))
    .option('--seed <n>', 'seed of stochastic rounding', '0')
    .option('--transpose', 'transpose: quantize each x.T', false)
    .option('--backend <name>', 'auto | reference (pytorch) | cpu | cuda (cutlass)', 'auto')
    .option('--report <file>', 'write the HTML report (per-layer plots, sortable table)')
    .option('--pdf <file>', 'print the report to PDF (needs Chromium)')
    .option('--json <file>', 'write the sweep result as JSON')
    .option('--csv <file>', 'write the per-layer table as CSV')
    .option('--journal <file>', 'partial-result file (JSON lines, one per finished tensor) to resume from; kept after the sweep (default: <first output>.partial.jsonl, deleted once the outputs are written)')
    .option('--restart', 'discard an existing partial-result file instead of resuming it', false)
    .option('--force', 'overwrite output files that exist', false)
    .option('--quiet', 'no progress and no summary', false)
    .action(async (checkpoint: string, opts: Record<string, unknown>) => {
      const force = Boolean(opts.force);
      const outputs = { report: opts.report, pdf: opts.pdf, json: opts.json, csv: opts.csv } as Record<string, string | undefined>;
      const firstOutput = Object.values(outputs).find((p) => p !== undefined);
      const journalPath = (opts.journal as string | undefined) ?? (firstOutput ? `${firstOutput}.partial.jsonl` : undefined);
      await checkOutputPaths(Object.values(outputs), force);
      const request = {
        tensors: opts.tensors === undefined ? [] : String(opts.tensors).split(',').map((s) => s.trim()).filter(Boolean),
        formats: list<Fp4Format>(opts.formats, FP4_FORMATS, '--formats'),
        rules: list<ScaleRule>(opts.rules, SCALE_RULES, '--rules'),
        kwargs: {
          block_scale_2d: Boolean(opts.blockScale2d),
          had: integerFlag(opts.had, '--had') ?? null,
          round_style: opts.roundStyle as 'nearest' | 'stochastic',
          seed: integerFlag(opts.seed, '--seed') ?? 0,
          transpose: Boolean(opts.transpose),
        },
      };
      const backend = await backendForCommand(opts.backend as string, printNote);
      const opened = await openTensorFileAtPath(checkpoint);
      const quiet = Boolean(opts.quiet);
      const tty = process.stderr.isTTY === true;
      const controller = new AbortController();
      const onSigint = (): void => {
        if (controller.signal.aborted) process.exit(CANCELLED_EXIT); // a second Ctrl-C: stop now
        controller.abort();
        process.stderr.write(`${tty ? '\n' : ''}stopping after the current step (Ctrl-C again to quit at once)...\n`);
      };
      process.on('SIGINT', onSigint);
      let result: SweepResult;
      let journal: SweepJournal | undefined;
      try {
        const st = await stat(checkpoint);
        const plan = planSweep(opened.file, { file: basename(checkpoint), format: opened.file.format, size: st.size, modifiedMs: Math.floor(st.mtimeMs) }, request);
        journal = journalPath ? await openSweepJournal(journalPath, plan, { restart: Boolean(opts.restart) }) : undefined;
        if (!quiet && journal?.previous.length) process.stderr.write(`resuming from ${journal.path}: ${journal.previous.length} of ${plan.tensors.length} tensors already done\n`);
        if (!quiet) {
          const bytes = plan.tensors.reduce((n, t) => n + t.bytes, 0);
          process.stderr.write(`sweeping ${plan.tensors.length} tensors (${formatBytes(bytes)}) x ${plan.variants.length} variants (${plan.variants.map(variantLabel).join(', ')}) on ${backend.name}\n`);
        }
        let lastLine = 0;
        result = await runSweep(opened.file, plan, {
          backend,
          signal: controller.signal,
          previous: journal?.previous,
          digest: sha256Hex,
          onTensorDone: (r) => journal?.append(r),
          onProgress: quiet
            ? undefined
            : (p) => {
                if (tty) process.stderr.write(`\r\x1b[K${progressLine(p, process.stderr.columns ?? 100)}`);
                else if (p.tensorsDone !== lastLine && (p.tensorsDone === p.tensorsTotal || p.tensorsDone % Math.max(1, Math.round(p.tensorsTotal / 20)) === 0)) {
                  lastLine = p.tensorsDone; // in logs: about 20 lines per sweep, not one per tensor
                  process.stderr.write(`${progressLine(p, 100, false)}\n`);
                }
              },
        });
        if (tty && !quiet) process.stderr.write('\r\x1b[K');
      } finally {
        process.off('SIGINT', onSigint);
        await opened.close();
        await journal?.close();
      }
      if (!result.complete) {
        const where = journal ? `; the ${result.tensors.length} finished tensors are in ${journal.path}: run the same command again to resume` : ' (give an output or --journal to keep partial results)';
        throw new Fp4Error('CANCELLED', `sweep cancelled after ${result.tensors.length} of ${result.plan.tensors.length} tensors${where}`);
      }
      if (!quiet) process.stdout.write(sweepSummaryText(result));
      const written: [string, number][] = [];
      const html = outputs.report !== undefined || outputs.pdf !== undefined ? renderSweepReport(result, { plotlySource: await readPlotlySource(), generator: GENERATOR }) : '';
      if (outputs.report) written.push([outputs.report, await writeOutput(outputs.report, html, force)]);
      if (outputs.json) written.push([outputs.json, await writeOutput(outputs.json, sweepToJson(result, GENERATOR), force)]);
      if (outputs.csv) written.push([outputs.csv, await writeOutput(outputs.csv, sweepToCsv(result), force)]);
      if (outputs.pdf) written.push([outputs.pdf, await writeOutput(outputs.pdf, await printReportToPdf(html), force)]);
      // Everything is in the outputs now: a partial-result file we named ourselves has done its
      // job. One the user named (--journal) stays; rerunning with it redoes only the outputs.
      if (journal && opts.journal === undefined) await journal.discard();
      if (!quiet) for (const [path, size] of written) process.stdout.write(`wrote ${path} (${formatBytes(size)})\n`);
    });
}

