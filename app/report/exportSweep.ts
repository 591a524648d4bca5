import type { ExportPayload } from '../api/contract';
import type { SweepResult } from '../sweep/model';
import { sweepToCsv } from './csvExport';
import { exportPayload, reportOptions, safeFileStem, type ExportContext } from './exportPayload';
import { sweepToJson } from './jsonExport';
import { renderSweepReport } from './sweepReport';

/** The forms a sweep leaves the app in (PDF is printed by the host from the HTML). */
export type SweepExportFormat = 'html' | 'pdf' | 'json' | 'csv';

/** "model.safetensors-sweep.csv": the checkpoint's name, safe on every OS. */
export function sweepExportFileName(result: SweepResult, format: SweepExportFormat): string {
  return `${safeFileStem(result.plan.checkpoint.file, 'checkpoint')}-sweep.${format}`;
}

/** A sweep -> the bytes of an export, for every format app/ can make on its own. */
export function exportSweep(result: SweepResult, format: SweepExportFormat, context: ExportContext = {}): ExportPayload {
  return exportPayload(
    format,
    (f) => sweepExportFileName(result, f as SweepExportFormat),
    {
      html: () => renderSweepReport(result, reportOptions(context)),
      json: () => sweepToJson(result, context.generator),
      csv: () => sweepToCsv(result),
    },
    'sweep export',
  );
}
