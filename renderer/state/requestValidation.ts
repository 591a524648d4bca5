import type { AnalyzeRequest } from '../../app/api/contract';
import { kwargsErrors } from './kwargsValidation';
import { parseOutShape, sideSelection, tensorOf, type WorkbenchState } from './workbench';

export interface RequestCheck {
  /** The request to send, when nothing blocks it. */
  readonly request: AnalyzeRequest | null;
  /** Problems by the input that causes them ("a.scale_rule", "b.tensor", "out_shape", ...). */
  readonly problems: Readonly<Record<string, string>>;
  /** Values that will be quantized (A + B), to judge whether a re-run is quick. */
  readonly elements: number;
}

/**
 * Everything the page can check before asking the service, so a wrong kwarg is flagged next to
 * its control as it is typed. The service checks again (it is the boundary); its errors carry
 * the same cause names and land in the same places.
 */
export function checkRequest(state: WorkbenchState): RequestCheck {
  const problems: Record<string, string> = {};
  const { options } = state;
  const a = sideSelection(state, 'a');
  const b = sideSelection(state, 'b');
  if (!a) problems['a.tensor'] = 'pick a tensor for A (the A button in the tensor list)';
  const matrixOf = (side: 'a' | 'b') => {
    const t = tensorOf(state, state.slots[side]);
    if (state.slots[side] && !t) problems[`${side}.tensor`] = `${state.slots[side]!.tensor} is no longer open`;
    else if (t && !t.matrix) problems[`${side}.tensor`] = `${t.name}: ${t.note ?? 'cannot be quantized'}`;
    if (!t?.matrix) return null;
    const [rows, cols] = t.matrix;
    return state.kwargs[side].transpose ? [cols, rows] : [rows, cols];
  };
  const ma = a ? matrixOf('a') : null;
  const mb = b ? matrixOf('b') : null;
  if (ma && mb && ma[1] !== mb[1]) {
    problems['b.tensor'] = `a @ b.T needs A and B with the same number of columns (after transpose); A has ${ma[1]}, B has ${mb[1]}`;
  }
  Object.assign(problems, kwargsErrors('a', state.kwargs.a, options.fp4_format));
  if (b) Object.assign(problems, kwargsErrors('b', state.kwargs.b, options.fp4_format));
  const outShape = parseOutShape(options.out_shape);
  if (!outShape.ok) problems.out_shape = outShape.message;
  else if (outShape.value && !b) problems.out_shape = 'out_shape applies to the matmul output; pick a B tensor or clear it';
  else if (outShape.value && ma && mb && (outShape.value[0] !== ma[0] || outShape.value[1] !== mb[0])) {
    problems.out_shape = `out_shape must be [${ma[0]}, ${mb[0]}] (A rows x B rows); got [${outShape.value.join(', ')}]`;
  }
  const elements = (ma ? ma[0] * ma[1] : 0) + (mb ? mb[0] * mb[1] : 0);
  const blocked = Object.keys(problems).length > 0 || !a;
  const request: AnalyzeRequest | null = blocked
    ? null
    : {
        a: a!,
        ...(b ? { b } : {}),
        options: {
          fp4_format: options.fp4_format,
          out_dtype: options.out_dtype,
          backend: options.backend,
          compareRules: options.compareRules,
          ...(outShape.ok && outShape.value ? { out_shape: outShape.value } : {}),
        },
      };
  return { request, problems, elements };
}
