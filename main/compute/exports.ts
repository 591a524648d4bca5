import type { AnalysisWorkspace } from '../../app/analysis/workspace';
import type { ExportFormat, ExportPayload } from '../../app/api/contract';
import { Fp4Error } from '../../app/errors';
import { exportAnalysisPayload } from '../report/exports';

/**
 * Every export an analysis offers, made in the compute host (which holds the full-resolution
 * data) by the report module. PDF: the web mode prints here through Chromium; the desktop app
 * asks for 'html' and prints it with Electron (main/service).
 */
export const HOST_EXPORT_FORMATS: readonly ExportFormat[] = ['html', 'pdf', 'json', 'csv', 'safetensors', 'python'];

export function buildExport(ws: AnalysisWorkspace, format: ExportFormat): Promise<ExportPayload> {
  if (!HOST_EXPORT_FORMATS.includes(format)) {
    throw new Fp4Error('INVALID_ARGUMENT', `export format must be one of ${HOST_EXPORT_FORMATS.join(', ')}; got ${JSON.stringify(format)}`);
  }
  return exportAnalysisPayload(ws, format);
}
