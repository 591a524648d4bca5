import type { TensorProvenance } from '../../app/analysis/model';
import { runAnalysis } from '../../app/analysis/runAnalysis';
import type { AnalysisWorkspace } from '../../app/analysis/workspace';
import { referenceBackend } from '../../app/backends/referenceBackend';
import { roundToBfloat16 } from '../../app/formats/bfloat16';
import type { QuantizeKwargs } from '../../app/quantize/kwargs';
import { SeededRandom } from '../../app/samples/seededRandom';
import type { Matrix } from '../../app/tensors/matrix';

/** A bf16 matrix with a heavy-tailed column or two, like a weight or an activation. */
export function randomMatrix(rows: number, cols: number, seed: number): Matrix {
  const rng = new SeededRandom(seed);
  const hot = rng.integer(0, cols);
  const data = Float32Array.from({ length: rows * cols }, (_, i) => roundToBfloat16(rng.normal() * (i % cols === hot ? 8 : 1)));
  return { rows, cols, data, dtype: 'bfloat16' };
}

export function provenance(tensor: string, m: Matrix, file = 'model.safetensors'): TensorProvenance {
  return { file, tensor, shape: [m.rows, m.cols], dtype: 'BF16', sha256: 'ab'.repeat(32) };
}

export interface SmallAnalysisOptions {
  readonly seed: number;
  readonly aName?: string;
  readonly bName?: string;
  readonly aKwargs?: Partial<QuantizeKwargs>;
  readonly bKwargs?: Partial<QuantizeKwargs>;
  readonly withB?: boolean;
  /** Replace A's values (e.g. zeros, for an exact quantization with SQNR = +Infinity). */
  readonly a?: Matrix;
}

/** A @ B.T on small odd shapes (A 40x96, B 24x96) with every view the report draws. */
export async function smallAnalysis(o: SmallAnalysisOptions): Promise<AnalysisWorkspace> {
  const a = o.a ?? randomMatrix(40, 96, o.seed);
  const b = randomMatrix(24, 96, o.seed + 1);
  return runAnalysis(
    {
      a: { matrix: a, request: { provenance: provenance(o.aName ?? 'layers.0.mlp.input', a), kwargs: o.aKwargs ?? {} } },
      b: o.withB === false ? undefined : { matrix: b, request: { provenance: provenance(o.bName ?? 'layers.0.mlp.down_proj.weight', b), kwargs: o.bKwargs ?? {} } },
      options: { overviewSize: 32 },
    },
    { backend: referenceBackend, id: `test-${o.seed}` },
  );
}

/** RFC 4180 CSV -> rows of fields (what pandas would read, minus type guessing). */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else field += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') {
      row.push(field);
      field = '';
    } else if (ch === '\r' && text[i + 1] === '\n') {
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
      i++;
    } else field += ch;
  }
  if (field !== '' || row.length) throw new Error('CSV does not end with CRLF');
  return rows;
}

/** A CSV number as pandas reads it (inf / -inf / nan included). */
export function csvNumber(text: string): number {
  if (text === 'inf') return Infinity;
  if (text === '-inf') return -Infinity;
  if (text === 'nan') return NaN;
  return Number(text);
}
