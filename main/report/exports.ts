import { readFileSync } from 'node:fs';
import type { ExportFormat, ExportPayload } from '../../app/api/contract';
import type { AnalysisWorkspace } from '../../app/analysis/workspace';
import { renderAnalysisReport } from '../../app/report/analysisReport';
import { EXPORT_MIME_TYPES, exportAnalysis, exportFileName } from '../../app/report/exportAnalysis';
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
 * Every export of an analysis as bytes with a suggested file name: what the service's
 * exportAnalysis(analysisId, format) returns. The host saves it (dialog + atomic write on the
 * desktop, a download on the web).
 */
export async function exportAnalysisPayload(workspace: AnalysisWorkspace, format: ExportFormat, host: ExportHost = {}): Promise<ExportPayload> {
  if (format === 'pdf') {
    const html = renderAnalysisReport(workspace.result, { plotlySource: await readPlotlySource(), generator: GENERATOR });
    const data = await (host.printPdf ?? printReportToPdf)(html);
    return { fileName: exportFileName(workspace.result, 'pdf'), mimeType: EXPORT_MIME_TYPES.pdf, data };
  }
  const plotlySource = format === 'html' ? await readPlotlySource() : undefined;
  return exportAnalysis(workspace, format, { plotlySource, generator: GENERATOR });
}

/** Every export of a sweep (the Sweep view's export menu): html, pdf, json, csv. */
export async function exportSweepPayload(result: SweepResult, format: SweepExportFormat, host: ExportHost = {}): Promise<ExportPayload> {
  if (format === 'pdf') {
    const html = renderSweepReport(result, { plotlySource: await readPlotlySource(), generator: GENERATOR });
    const data = await (host.printPdf ?? printReportToPdf)(html);
    return { fileName: sweepExportFileName(result, 'pdf'), mimeType: EXPORT_MIME_TYPES.pdf, data };
  }
  const plotlySource = format === 'html' ? await readPlotlySource() : undefined;
  return exportSweep(result, format, { plotlySource, generator: GENERATOR });
}
