import type { ExportPayload } from '../api/contract';
import { Fp4Error } from '../errors';
import type { SweepResult } from '../sweep/model';
import { sweepToCsv } from './csvExport';
import { EXPORT_MIME_TYPES, type ExportContext } from './exportAnalysis';
import { sweepToJson } from './jsonExport';
import { renderSweepReport } from './sweepReport';

/** The forms a sweep leaves the app in (PDF is printed by the host from the HTML). */
export type SweepExportFormat = 'html' | 'pdf' | 'json' | 'csv';

/** "model.safetensors-sweep.csv": the checkpoint's name, safe on every OS. */
export function sweepExportFileName(result: SweepResult, format: SweepExportFormat): string {
  const base = result.plan.checkpoint.file.replace(/[^A-Za-z0-9._-]+/g, '_').replace(/^[._]+/, '').slice(0, 80) || 'checkpoint';
  return `${base}-sweep.${format}`;
}

/** A sweep -> the bytes of an export, for every format app/ can make on its own. */
export function exportSweep(result: SweepResult, format: SweepExportFormat, context: ExportContext = {}): ExportPayload {
  const text = (s: string): Uint8Array => new TextEncoder().encode(s);
  const payload = (data: Uint8Array): ExportPayload => ({ fileName: sweepExportFileName(result, format), mimeType: EXPORT_MIME_TYPES[format], data });
  switch (format) {
    case 'html':
      if (context.plotlySource === undefined) throw new Fp4Error('INVALID_ARGUMENT', 'the HTML report needs the plotly.js bundle (plotlySource)');
      return payload(text(renderSweepReport(result, { plotlySource: context.plotlySource, generator: context.generator })));
    case 'json':
      return payload(text(sweepToJson(result, context.generator)));
    case 'csv':
      return payload(text(sweepToCsv(result)));
    case 'pdf':
      throw new Fp4Error('UNSUPPORTED', 'PDF is printed by the host from the HTML report (main/report/exports.ts, or Electron printToPDF)');
    default:
      throw new Fp4Error('INVALID_ARGUMENT', `unknown sweep export format '${String(format)}'; use html, pdf, json or csv`);
  }
}
