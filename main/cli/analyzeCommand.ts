import { mkdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Command } from 'commander';
import { analysisSides, isAnalysedVariant, ruleComparisonsBySide } from '../../app/analysis/analysisSides';
import { METRIC_LABELS, type ErrorMetrics } from '../../app/analysis/metrics';
import type { AnalysisResult, SideAnalysis } from '../../app/analysis/model';
import { runAnalysis, type AnalysisInput } from '../../app/analysis/runAnalysis';
import { Fp4Error, invalidArgument } from '../../app/errors';
import { checkOutDtype, OUT_DTYPES } from '../../app/matmul/outDtype';
import { renderAnalysisReport } from '../../app/report/analysisReport';
import { analysisToCsv } from '../../app/report/csvExport';
import { analysisToJson } from '../../app/report/jsonExport';
import { formatBytes, formatDb, formatNumber, formatPercent, formatSeconds } from '../../app/plots/numberFormat';
import { pythonSnippet } from '../../app/report/pythonSnippet';
import { quantizedTensorsExport } from '../../app/report/quantizedExport';
import { backendForCommand } from '../compute/backends';
import { printNote } from './output';
import { openTensorFileAtPath } from '../io/openTensorFileAtPath';
import { GENERATOR } from '../report/exports';
import { checkOutputPaths, writeOutput } from '../report/outputFiles';
import { printReportToPdf } from '../report/pdf';
import { readPlotlySource } from '../report/plotlyBundle';
import { renderReportPlotsToPng } from '../report/png';
import { readAnalysisInput } from '../report/provenance';
import { alignedTable } from './terminalText';
import { addQuantizeKwargOptions, quantizeKwargsFromOptions } from './kwargsOptions';
import { chooseTensorName } from './loadInputs';

/** The B-side kwarg flags that override the shared ones when given (--b-scale-rule, ...). */
const B_OVERRIDES = [
  ['bScaleRule', 'scale_rule'],
  ['bBlockScale2d', 'block_scale_2d'],
  ['bHad', 'had'],
  ['bRoundStyle', 'round_style'],
  ['bSeed', 'seed'],
  ['bTranspose', 'transpose'],
] as const;

function positiveInteger(text: unknown, flag: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1 || n > 2048) throw invalidArgument(`${flag} must be an integer from 1 to 2048; got '${String(text)}'`);
  return n;
}

async function loadSide(path: string, tensor: string | undefined, flag: string, kwargs: AnalysisInput['request']['kwargs']): Promise<AnalysisInput> {
  const opened = await openTensorFileAtPath(path);
  try {
    return await readAnalysisInput(opened.file, chooseTensorName(opened.file, tensor, flag), path, kwargs);
  } finally {
    await opened.close();
  }
}

function metricsLine(m: ErrorMetrics): string {
  return `SQNR ${formatDb(m.sqnrDb)}   MSE ${formatNumber(m.mse)}   max |error| ${formatNumber(m.maxAbsError)}   cosine ${formatNumber(m.cosine, 6)}`;
}

function sideSummary(s: SideAnalysis): string[] {
  const p = s.provenance;
  const k = s.kwargs;
  return [
    `${s.side.toUpperCase()}  ${p.tensor}  ${p.dtype} [${p.shape.join(', ')}]  from ${p.file}`,
    `   sha256 ${p.sha256 ?? '(not computed)'}`,
    `   ${k.fp4_format} ${k.scale_rule}${k.block_scale_2d ? ' block_scale_2d' : ''}${k.had !== null ? ` had=${typeof k.had === 'number' ? k.had : 'matrix'}` : ''}${k.round_style !== 'nearest' ? ` ${k.round_style}(seed ${k.seed})` : ''}${k.transpose ? ' transpose' : ''}   normconst ${formatNumber(s.normconst, 8)}`,
    `   ${metricsLine(s.metrics)}   blocks choosing 4: ${formatPercent(s.blocks.percentChoosing4)} of ${s.blocks.blocks}`,
  ];
}

/** The metrics summary printed after an analysis (the numbers of the result model, formatted). */
export function analysisSummaryText(r: AnalysisResult): string {
  const lines = analysisSides(r).flatMap(sideSummary);
  if (r.matmul) lines.push(`A @ B.T  ${r.matmul.shape[0]} x ${r.matmul.shape[1]} ${r.matmul.out_dtype}`, `   ${metricsLine(r.matmul.metrics)}`);
  for (const { side: s, rows } of ruleComparisonsBySide(r)) {
    lines.push(`scale rules on ${s.side.toUpperCase()} (other kwargs unchanged):`);
    const table = [
      ['', 'format', 'rule', METRIC_LABELS.sqnrDb, METRIC_LABELS.mse, METRIC_LABELS.maxAbsError, '% choosing 4'],
      ...rows.map((x) => [
        isAnalysedVariant(x, s.kwargs) ? '*' : '',
        x.fp4_format,
        x.scale_rule,
        formatDb(x.metrics.sqnrDb),
        formatNumber(x.metrics.mse),
        formatNumber(x.metrics.maxAbsError),
        formatPercent(x.percentChoosing4),
      ]),
    ];
    lines.push(...alignedTable(table, new Set([3, 4, 5, 6])).map((l) => `   ${l}`));
  }
  lines.push(`backend ${r.backend}, ${formatSeconds(r.seconds)}`);
  return `${lines.join('\n')}\n`;
}

export function registerAnalyzeCommand(program: Command): void {
  const cmd = program
    .command('analyze')
    .description('analyse A (and A @ B.T) as the app does: metrics, 4/6 choices, rule comparison; write an HTML/PDF report, JSON, CSV, PNGs, quantized tensors, Python')
    .argument('<input>', 'tensor file holding A (and B)')
    .option('--a <name>', 'tensor for A (default: the only floating-point tensor)')
    .option('--b <name>', 'tensor for B from the same file (the analysis then includes fp4_matmul(A, B) = A @ B.T)')
    .option('--b-file <file>', 'file holding B, when it is not the input file')
    .option('--b-tensor <name>', 'tensor of --b-file (default: its only floating-point tensor)')
    .option('--out-dtype <dtype>', OUT_DTYPES.join(' | '), 'bfloat16')
    .option('--backend <name>', 'auto | reference (pytorch) | cpu | cuda (cutlass)', 'auto')
    .option('--no-compare', 'skip the comparison of every scale rule (faster)')
    .option('--overview-size <n>', 'cells per side of the heatmaps in the result and report', '128')
    .option('--report <file>', 'write the self-contained HTML report')
    .option('--pdf <file>', 'print the report to PDF (needs Chromium)')
    .option('--json <file>', 'write the full result model as JSON')
    .option('--csv <file>', 'write the metrics as CSV')
    .option('--png <folder>', 'write every plot as PNG into this folder (needs Chromium)')
    .option('--safetensors <file>', 'write the quantized A (and B) as a quantized-tensor .safetensors')
    .option('--python <file>', 'write Python that redoes the analysis with the reference library')
    .option('--force', 'overwrite output files that exist', false)
    .option('--quiet', 'print nothing but errors', false);
  // Kwargs shared by A and B; --b-* flags override them for B only.
  addQuantizeKwargOptions(cmd);
  addQuantizeKwargOptions(cmd, 'b', false);
  cmd.action(async (input: string, opts: Record<string, unknown>, command: Command) => {
    const force = Boolean(opts.force);
    const outDtype = checkOutDtype(opts.outDtype);
    const overviewSize = positiveInteger(opts.overviewSize, '--overview-size');
    if (opts.b !== undefined && opts.bFile !== undefined) throw invalidArgument('give B either as --b NAME (same file) or as --b-file FILE [--b-tensor NAME], not both');
    if (opts.bTensor !== undefined && opts.bFile === undefined) throw invalidArgument('--b-tensor names a tensor of --b-file; for a tensor of the input file use --b NAME');
    const aKwargs = quantizeKwargsFromOptions(opts);
    const bFromFlags = quantizeKwargsFromOptions(opts, 'b');
    const bKwargs: Record<string, unknown> = { ...aKwargs };
    for (const [flag, kwarg] of B_OVERRIDES) if (command.getOptionValueSource(flag) === 'cli') bKwargs[kwarg] = bFromFlags[kwarg];
    const wantsB = opts.b !== undefined || opts.bFile !== undefined;
    if (!wantsB && B_OVERRIDES.some(([flag]) => command.getOptionValueSource(flag) === 'cli')) throw invalidArgument('--b-* kwargs need a B tensor (--b NAME or --b-file FILE)');

    const outputs = { report: opts.report, pdf: opts.pdf, json: opts.json, csv: opts.csv, safetensors: opts.safetensors, python: opts.python } as Record<string, string | undefined>;
    await checkOutputPaths(Object.values(outputs), force);
    const pngDir = opts.png as string | undefined;
    if (pngDir !== undefined) {
      const st = await stat(pngDir).catch(() => undefined);
      if (st && !st.isDirectory()) throw new Fp4Error('IO', `--png ${pngDir} is a file; give a folder for the PNGs`);
    }

    const backend = await backendForCommand(opts.backend as string, printNote);
    const a = await loadSide(input, opts.a as string | undefined, '--a', aKwargs);
    const b = opts.b !== undefined ? await loadSide(input, opts.b as string, '--b', bKwargs) : opts.bFile !== undefined ? await loadSide(opts.bFile as string, opts.bTensor as string | undefined, '--b-tensor', bKwargs) : undefined;
    const quiet = Boolean(opts.quiet);
    const showStages = !quiet && process.stderr.isTTY;
    const workspace = await runAnalysis(
      { a, b, options: { fp4_format: aKwargs.fp4_format, out_dtype: outDtype, backend: opts.backend as string, compareRules: opts.compare !== false, overviewSize } },
      { backend, onProgress: showStages ? (p) => process.stderr.write(`\r\x1b[K${p.stage} (${Math.round(p.fraction * 100)}%)`) : undefined },
    );
    if (showStages) process.stderr.write('\r\x1b[K');
    const result = workspace.result;
    if (!quiet) process.stdout.write(analysisSummaryText(result));

    const written: [string, number][] = [];
    const needsHtml = outputs.report !== undefined || outputs.pdf !== undefined || pngDir !== undefined;
    const html = needsHtml ? renderAnalysisReport(result, { plotlySource: await readPlotlySource(), generator: GENERATOR }) : '';
    if (outputs.report) written.push([outputs.report, await writeOutput(outputs.report, html, force)]);
    if (outputs.json) written.push([outputs.json, await writeOutput(outputs.json, analysisToJson(result, GENERATOR), force)]);
    if (outputs.csv) written.push([outputs.csv, await writeOutput(outputs.csv, analysisToCsv(result), force)]);
    if (outputs.python) written.push([outputs.python, await writeOutput(outputs.python, pythonSnippet(result), force)]);
    if (outputs.safetensors) written.push([outputs.safetensors, await writeOutput(outputs.safetensors, quantizedTensorsExport(workspace), force)]);
    if (outputs.pdf) written.push([outputs.pdf, await writeOutput(outputs.pdf, await printReportToPdf(html), force)]);
    if (pngDir !== undefined) {
      const images = await renderReportPlotsToPng(html);
      await mkdir(pngDir, { recursive: true });
      const paths = images.map((i) => join(pngDir, `${i.id}.png`));
      await checkOutputPaths(paths, force);
      for (const [k, img] of images.entries()) written.push([paths[k], await writeOutput(paths[k], img.png, force)]);
    }
    if (!quiet) for (const [path, size] of written) process.stdout.write(`wrote ${path} (${formatBytes(size)})\n`);
  });
}
