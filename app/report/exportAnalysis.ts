import type { ExportFormat, ExportPayload } from '../api/contract';
import type { AnalysisResult } from '../analysis/model';
import type { AnalysisWorkspace } from '../analysis/workspace';
import { concatChunks } from '../tensors/safetensors';
import { renderAnalysisReport } from './analysisReport';
import { analysisToCsv } from './csvExport';
import { exportPayload, reportOptions, safeFileStem, type ExportContext } from './exportPayload';
import { analysisToJson } from './jsonExport';
import { pythonSnippet } from './pythonSnippet';
import { quantizedTensorsExport } from './quantizedExport';

const EXTENSIONS: Readonly<Record<ExportFormat, string>> = { html: 'html', pdf: 'pdf', json: 'json', csv: 'csv', safetensors: 'safetensors', python: 'py' };

/** A file name that says what is inside and is safe on every OS: "down_proj.weight-fp4lab.html". */
export function exportFileName(result: AnalysisResult, format: ExportFormat): string {
  const tensors = [result.a, result.b].filter((s) => s !== undefined).map((s) => s.provenance.tensor.split('/').pop() ?? s.provenance.tensor);
  return `${safeFileStem(tensors.join('_x_'), 'analysis')}-${format === 'safetensors' ? 'quantized' : 'fp4lab'}.${EXTENSIONS[format]}`;
}

/** One analysis -> the bytes of an export, for every format app/ can make on its own (PDF is the host's). */
export function exportAnalysis(workspace: AnalysisWorkspace, format: ExportFormat, context: ExportContext = {}): ExportPayload {
  const result = workspace.result;
  return exportPayload(
    format,
    (f) => exportFileName(result, f),
    {
      html: () => renderAnalysisReport(result, reportOptions(context)),
      json: () => analysisToJson(result, context.generator),
      csv: () => analysisToCsv(result),
      python: () => pythonSnippet(result),
      safetensors: () => concatChunks(quantizedTensorsExport(workspace)),
    },
    'export',
  );
}
