import type { ExportFormat, ExportPayload } from '../api/contract';
import type { AnalysisResult } from '../analysis/model';
import type { AnalysisWorkspace } from '../analysis/workspace';
import { Fp4Error } from '../errors';
import { concatChunks } from '../tensors/safetensors';
import { renderAnalysisReport } from './analysisReport';
import { analysisToCsv } from './csvExport';
import { analysisToJson } from './jsonExport';
import { pythonSnippet } from './pythonSnippet';
import { quantizedTensorsExport } from './quantizedExport';

/**
 * One analysis -> the bytes of an export, for every format app/ can make on its own. PDF needs
 * a browser engine: the host prints the HTML export (main/report/exports.ts with Chromium, or
 * Electron's printToPDF) — see exportAnalysisPayload there.
 */
export interface ExportContext {
  /** plotly.js's bundle as text (needed for html). */
  readonly plotlySource?: string;
  /** e.g. "FP4 Lab 0.1.0". */
  readonly generator?: string;
}

export const EXPORT_MIME_TYPES: Readonly<Record<ExportFormat, string>> = {
  html: 'text/html; charset=utf-8',
  pdf: 'application/pdf',
  json: 'application/json',
  csv: 'text/csv; charset=utf-8',
  safetensors: 'application/octet-stream',
  python: 'text/x-python; charset=utf-8',
};

const EXTENSIONS: Readonly<Record<ExportFormat, string>> = { html: 'html', pdf: 'pdf', json: 'json', csv: 'csv', safetensors: 'safetensors', python: 'py' };

/** A file name that says what is inside and is safe on every OS: "down_proj.weight-fp4lab.html". */
export function exportFileName(result: AnalysisResult, format: ExportFormat): string {
  const tensors = [result.a, result.b].filter((s) => s !== undefined).map((s) => s.provenance.tensor.split('/').pop() ?? s.provenance.tensor);
  let base = tensors.join('_x_').replace(/[^A-Za-z0-9._-]+/g, '_').replace(/^[._]+/, '');
  if (base.length > 80) base = base.slice(0, 80);
  return `${base || 'analysis'}-${format === 'safetensors' ? 'quantized' : 'fp4lab'}.${EXTENSIONS[format]}`;
}

function text(s: string): Uint8Array {
  return new TextEncoder().encode(s);
}

export function exportAnalysis(workspace: AnalysisWorkspace, format: ExportFormat, context: ExportContext = {}): ExportPayload {
  const result = workspace.result;
  const payload = (data: Uint8Array): ExportPayload => ({ fileName: exportFileName(result, format), mimeType: EXPORT_MIME_TYPES[format], data });
  switch (format) {
    case 'html':
      if (context.plotlySource === undefined) throw new Fp4Error('INVALID_ARGUMENT', 'the HTML report needs the plotly.js bundle (plotlySource)');
      return payload(text(renderAnalysisReport(result, { plotlySource: context.plotlySource, generator: context.generator })));
    case 'json':
      return payload(text(analysisToJson(result, context.generator)));
    case 'csv':
      return payload(text(analysisToCsv(result)));
    case 'python':
      return payload(text(pythonSnippet(result)));
    case 'safetensors':
      return payload(concatChunks(quantizedTensorsExport(workspace)));
    case 'pdf':
      throw new Fp4Error('UNSUPPORTED', 'PDF is printed by the host from the HTML report (main/report/exports.ts, or Electron printToPDF)');
    default:
      throw new Fp4Error('INVALID_ARGUMENT', `unknown export format '${String(format)}'; use html, pdf, json, csv, safetensors or python`);
  }
}
