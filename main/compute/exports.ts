import type { AnalysisWorkspace } from '../../app/analysis/workspace';
import type { ExportFormat, ExportPayload } from '../../app/api/contract';
import { Fp4Error } from '../../app/errors';
import { quantizedFileContents, type NamedQuantizedMatrix } from '../../app/tensors/quantizedFile';
import { concatChunks, serializeSafetensors } from '../../app/tensors/safetensors';

/**
 * Every export an analysis offers, made in the compute host (which holds the full-resolution
 * data). PDF is not here: the desktop shell prints the HTML report (main/service asks for 'html').
 */
type HostExportFormat = Exclude<ExportFormat, 'pdf'>;
type ExportBuilder = (ws: AnalysisWorkspace) => ExportPayload;

const utf8 = (text: string): Uint8Array => new TextEncoder().encode(text);

/** A file name stem from what was analysed: "fp4lab-<tensor A>-<format>", safe on every OS. */
export function exportStem(ws: AnalysisWorkspace): string {
  const tensor = ws.result.a.provenance.tensor.replace(/[^A-Za-z0-9._-]+/g, '_').replace(/^[._]+/, '').slice(0, 80) || 'tensor';
  return `fp4lab-${tensor}-${ws.result.options.fp4_format}`;
}

/**
 * The result model as JSON. Non-finite numbers (an SNR of an exact match is Infinity) become
 * the strings "Infinity", "-Infinity", "NaN", which JSON readers everywhere accept.
 */
function analysisJson(ws: AnalysisWorkspace): ExportPayload {
  const text = JSON.stringify(ws.result, (_k, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? String(v) : v), 2);
  return { fileName: `${exportStem(ws)}.json`, mimeType: 'application/json', data: utf8(`${text}\n`) };
}

/** The quantized tensors as the quantized-tensor file (DESIGN.md), A and B under "a." / "b.". */
function quantizedSafetensors(ws: AnalysisWorkspace): ExportPayload {
  const items: NamedQuantizedMatrix[] = [];
  for (const side of [ws.result.a, ws.result.b]) {
    if (!side) continue;
    const p = side.provenance;
    const original = p.flattenedTo ?? (p.shape.length === 2 ? [p.shape[0], p.shape[1]] : undefined);
    items.push({ name: side.side, quantized: ws.quantized(side.side), originalShape: original as [number, number] | undefined });
  }
  const { tensors, metadata } = quantizedFileContents(items);
  metadata.source_analysis = ws.result.id;
  return { fileName: `${exportStem(ws)}.quantized.safetensors`, mimeType: 'application/octet-stream', data: concatChunks(serializeSafetensors(tensors, metadata)) };
}

function notAvailableYet(what: string): ExportBuilder {
  return () => {
    throw new Fp4Error('UNSUPPORTED', `${what} export is not available yet in this build; export JSON or the quantized tensors instead`);
  };
}

/**
 * The one place export formats plug in. The report generators (app/report: renderHtmlReport,
 * toJson, toCsv, pythonSnippet) replace the stand-ins below as they land.
 */
const EXPORT_BUILDERS: Readonly<Record<HostExportFormat, ExportBuilder>> = {
  json: analysisJson,
  safetensors: quantizedSafetensors,
  html: notAvailableYet('The HTML report'),
  csv: notAvailableYet('CSV'),
  python: notAvailableYet('The Python snippet'),
};

export function buildExport(ws: AnalysisWorkspace, format: ExportFormat): ExportPayload {
  if (format === 'pdf') throw new Fp4Error('UNSUPPORTED', 'PDF is printed from the HTML report by the desktop app, not by the compute host');
  const builder = EXPORT_BUILDERS[format];
  if (!builder) throw new Fp4Error('INVALID_ARGUMENT', `export format must be one of ${Object.keys(EXPORT_BUILDERS).join(', ')}, pdf; got ${JSON.stringify(format)}`);
  return builder(ws);
}
