import { readFileSync } from 'node:fs';
import type { ExportFormat, ExportPayload } from '../../app/api/contract';
import type { AnalysisWorkspace } from '../../app/analysis/workspace';
import { renderAnalysisReport, type ReportOptions } from '../../app/report/analysisReport';
import { exportAnalysis, exportFileName } from '../../app/report/exportAnalysis';
import { EXPORT_MIME_TYPES, type ExportContext } from '../../app/report/exportPayload';
import { exportSweep, sweepExportFileName, type SweepExportFormat } from '../../app/report/exportSweep';
import { renderSweepReport } from '../../app/report/sweepReport';
import type { SweepResult } from '../../app/sweep/model';
import { printReportToPdf } from './pdf';
import { readPlotlySource } from './plotlyBundle';

/** "FP4 Lab 0.1.0", from package.json (shown in reports and JSON exports); "FP4 Lab" if it cannot be read. */
export const GENERATOR = (() => {
  try {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version?: string };
    return `FP4 Lab ${pkg.version ?? ''}`.trim();
  } catch {
    return 'FP4 Lab'; // e.g. bundled, where the sources' relative path does not exist
  }
})();

export interface ExportHost {
  /**
   * Prints report HTML to PDF bytes. Default: headless Chromium (main/report/pdf.ts); the
   * desktop app passes Electron's webContents.printToPDF (load the HTML, wait for
   * <html data-fp4lab-ready="true">, print A4 with backgrounds).
   */
  readonly printPdf?: (html: string) => Promise<Uint8Array>;
}

/**
 * An export whose PDF the host prints from the HTML report; every other format is app/'s,
 * with plotly.js read only when the HTML report needs it.
 */
async function exportWithPdf(
  format: ExportFormat,
  host: ExportHost,
  renderReport: (options: ReportOptions) => string,
  pdfFileName: string,
  exportInApp: (context: ExportContext) => ExportPayload,
): Promise<ExportPayload> {
  if (format === 'pdf') {
    const data = await (host.printPdf ?? printReportToPdf)(renderReport({ plotlySource: await readPlotlySource(), generator: GENERATOR }));
    return { fileName: pdfFileName, mimeType: EXPORT_MIME_TYPES.pdf, data };
  }
  return exportInApp({ plotlySource: format === 'html' ? await readPlotlySource() : undefined, generator: GENERATOR });
}

/**
 * Every export of an analysis as bytes with a suggested file name: what the service's
 * exportAnalysis(analysisId, format) returns. The host saves it (dialog + atomic write on the
 * desktop, a download on the web).
 */
export function exportAnalysisPayload(workspace: AnalysisWorkspace, format: ExportFormat, host: ExportHost = {}): Promise<ExportPayload> {
  return exportWithPdf(format, host, (o) => renderAnalysisReport(workspace.result, o), exportFileName(workspace.result, 'pdf'), (c) => exportAnalysis(workspace, format, c));
}

/** Every export of a sweep (the Sweep view's export menu): html, pdf, json, csv. */
export function exportSweepPayload(result: SweepResult, format: SweepExportFormat, host: ExportHost = {}): Promise<ExportPayload> {
  return exportWithPdf(format, host, (o) => renderSweepReport(result, o), sweepExportFileName(result, 'pdf'), (c) => exportSweep(result, format, c));
}
