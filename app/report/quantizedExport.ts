import type { AnalysisWorkspace } from '../analysis/workspace';
import { quantizedFileContents, type NamedQuantizedMatrix } from '../tensors/quantizedFile';
import { serializeSafetensors } from '../tensors/safetensors';

/**
 * An analysis's quantized operands as one quantized-tensor .safetensors (DESIGN.md layout):
 * `<name>.e2m1`, `<name>.sf`, `<name>.normconst` per side, named after the tensors they came
 * from, so a colleague loads them with `safetensors` and feeds them to the library's
 * fp4_matmul (docs/quantized-tensors.md). `<name>.source` records where each came from.
 */
export function quantizedTensorNamesFor(workspace: AnalysisWorkspace): { a: string; b?: string } {
  const { a, b } = workspace.result;
  if (!b) return { a: a.provenance.tensor };
  // The same tensor name on both sides (e.g. two checkpoints) would collide: fall back to a / b.
  return a.provenance.tensor === b.provenance.tensor ? { a: 'a', b: 'b' } : { a: a.provenance.tensor, b: b.provenance.tensor };
}

export function quantizedTensorsExport(workspace: AnalysisWorkspace): Uint8Array[] {
  const names = quantizedTensorNamesFor(workspace);
  const items: NamedQuantizedMatrix[] = [];
  const sources: Record<string, string> = {};
  for (const side of ['a', 'b'] as const) {
    const s = workspace.result[side];
    const name = names[side];
    if (!s || name === undefined) continue;
    const q = workspace.quantized(side);
    items.push({ name, quantized: q, originalShape: q.kwargs.transpose ? [q.cols, q.rows] : [q.rows, q.cols] });
    const p = s.provenance;
    sources[`${name}.source`] = JSON.stringify({ side, file: p.file, tensor: p.tensor, shape: p.shape, dtype: p.dtype, sha256: p.sha256, analysis: workspace.result.id });
  }
  const { tensors, metadata } = quantizedFileContents(items);
  return serializeSafetensors(tensors, { ...metadata, ...sources });
}
