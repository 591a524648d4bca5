import { Fp4Error } from '../errors';
import { parseWithNonFinite, stringifyWithNonFinite } from '../report/nonFiniteJson';
import { SWEEP_SCHEMA, type SweepPlan, type SweepTensorResult } from './model';

/**
 * The partial-result file of a sweep: JSON lines. The first line describes the plan; then one
 * line per finished tensor, appended as the sweep goes. A crash can tear only the last line
 * (each line is written whole and synced before the next tensor starts), and a torn line is
 * recognised — it has no newline or is not JSON — and dropped, so a resumed sweep redoes that
 * one tensor and no other.
 */
export const PARTIAL_RESULT_KIND = 'fp4lab.sweep.partial';

interface HeaderLine {
  readonly kind: typeof PARTIAL_RESULT_KIND;
  readonly schema: typeof SWEEP_SCHEMA;
  readonly plan: SweepPlan;
}

export function partialResultHeader(plan: SweepPlan): string {
  const line: HeaderLine = { kind: PARTIAL_RESULT_KIND, schema: SWEEP_SCHEMA, plan };
  return `${stringifyWithNonFinite(line)}\n`;
}

export function partialResultLine(result: SweepTensorResult): string {
  return `${stringifyWithNonFinite(result)}\n`;
}

export interface ParsedPartialResult {
  readonly plan: SweepPlan;
  readonly tensors: SweepTensorResult[];
  /** Length (in UTF-8 bytes) of the intact prefix; anything after it is a torn line to cut off. */
  readonly intactBytes: number;
}

function utf8Length(s: string): number {
  return new TextEncoder().encode(s).length;
}

/** Parse a partial-result file; `source` names it in errors. */
export function parsePartialResult(text: string, source: string): ParsedPartialResult {
  const lines: string[] = [];
  let start = 0;
  let intactChars = 0;
  for (;;) {
    const nl = text.indexOf('\n', start);
    if (nl < 0) break; // no newline: torn (or empty) tail
    lines.push(text.slice(start, nl));
    start = nl + 1;
  }
  if (lines.length === 0) throw new Fp4Error('FORMAT', `${source} is not a sweep's partial-result file (it has no complete first line)`);
  let header: HeaderLine;
  try {
    header = parseWithNonFinite(lines[0]) as HeaderLine;
  } catch {
    throw new Fp4Error('FORMAT', `${source} is not a sweep's partial-result file (its first line is not JSON)`);
  }
  if (header?.kind !== PARTIAL_RESULT_KIND || header.schema !== SWEEP_SCHEMA || !header.plan) {
    throw new Fp4Error('FORMAT', `${source} is not a ${SWEEP_SCHEMA} partial-result file`);
  }
  intactChars = lines[0].length + 1;
  const tensors: SweepTensorResult[] = [];
  for (let i = 1; i < lines.length; i++) {
    let r: SweepTensorResult;
    try {
      r = parseWithNonFinite(lines[i]) as SweepTensorResult;
    } catch {
      break; // a torn line can only be the last one written; stop at it
    }
    if (typeof r?.index !== 'number' || typeof r.name !== 'string' || !Array.isArray(r.variants)) break;
    tensors.push(r);
    intactChars += lines[i].length + 1;
  }
  return { plan: header.plan, tensors, intactBytes: utf8Length(text.slice(0, intactChars)) };
}

/** What must agree for a partial result to be resumed under a plan. */
function planIdentity(plan: SweepPlan): string {
  return JSON.stringify({
    checkpoint: plan.checkpoint,
    variants: plan.variants,
    kwargs: plan.kwargs,
    tensors: plan.tensors.map((t) => [t.index, t.name, t.dtype, t.shape]),
  });
}

/**
 * The earlier results to reuse, or an error that says what differs: resuming over another file
 * or with other settings would mix numbers that do not belong together.
 */
export function resumableTensors(parsed: ParsedPartialResult, plan: SweepPlan, source: string): SweepTensorResult[] {
  const was = parsed.plan;
  const differences: string[] = [];
  if (JSON.stringify(was.checkpoint) !== JSON.stringify(plan.checkpoint)) differences.push(`checkpoint (${was.checkpoint.file}, ${was.checkpoint.size} bytes)`);
  if (JSON.stringify(was.variants) !== JSON.stringify(plan.variants)) differences.push('formats/rules');
  if (JSON.stringify(was.kwargs) !== JSON.stringify(plan.kwargs)) differences.push('kwargs');
  if (differences.length === 0 && planIdentity(was) !== planIdentity(plan)) differences.push('tensor selection');
  if (differences.length > 0) {
    throw new Fp4Error(
      'INVALID_ARGUMENT',
      `${source} holds a sweep with a different ${differences.join(', ')}; run with the same settings to resume it, or pass --restart to discard it`,
    );
  }
  const byIndex = new Map(plan.tensors.map((t) => [t.index, t.name]));
  return parsed.tensors.filter((r) => byIndex.get(r.index) === r.name);
}
