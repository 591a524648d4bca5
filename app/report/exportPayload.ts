import type { ExportFormat, ExportPayload } from '../api/contract';
import { Fp4Error } from '../errors';
import type { ReportOptions } from './analysisReport';

/**
 * What every export (an analysis's, a sweep's) shares: MIME types, safe file names, the plotly
 * bundle the HTML report needs, and the rule that PDF is the host's. PDF needs a browser engine:
 * the host prints the HTML export (main/report/exports.ts with Chromium, or Electron's printToPDF).
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

const FORMAT_ORDER: readonly ExportFormat[] = ['html', 'pdf', 'json', 'csv', 'safetensors', 'python'];

/** A file name stem that says what is inside and is safe on every OS (at most 80 characters). */
export function safeFileStem(text: string, fallback: string): string {
  return text.replace(/[^A-Za-z0-9._-]+/g, '_').replace(/^[._]+/, '').slice(0, 80) || fallback;
}

/** The report's options from an export context: the HTML report cannot be made without plotly.js. */
export function reportOptions(context: ExportContext): ReportOptions {
  if (context.plotlySource === undefined) throw new Fp4Error('INVALID_ARGUMENT', 'the HTML report needs the plotly.js bundle (plotlySource)');
  return { plotlySource: context.plotlySource, generator: context.generator };
}

/** How each format (but PDF) of one kind of export is made. */
export type ExportMakers = Partial<Record<Exclude<ExportFormat, 'pdf'>, () => string | Uint8Array>>;

/**
 * One export as bytes with its file name and MIME type. `what` names the kind of export in the
 * error for a format it does not have ("sweep export" -> "unknown sweep export format 'x'").
 */
export function exportPayload(format: ExportFormat, fileName: (format: ExportFormat) => string, makers: ExportMakers, what: string): ExportPayload {
  if (format === 'pdf') throw new Fp4Error('UNSUPPORTED', 'PDF is printed by the host from the HTML report (main/report/exports.ts, or Electron printToPDF)');
  const make = Object.hasOwn(makers, format) ? makers[format] : undefined;
  if (!make) {
    const known = FORMAT_ORDER.filter((f) => f === 'pdf' || Object.hasOwn(makers, f));
    throw new Fp4Error('INVALID_ARGUMENT', `unknown ${what} format '${String(format)}'; use ${known.slice(0, -1).join(', ')} or ${known[known.length - 1]}`);
  }
  const content = make();
  return { fileName: fileName(format), mimeType: EXPORT_MIME_TYPES[format], data: typeof content === 'string' ? new TextEncoder().encode(content) : content };
}
