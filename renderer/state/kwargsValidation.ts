import { isFp4Error } from '../../app/errors';
import { resolveQuantizeKwargs, type Fp4Format, type QuantizeKwargs } from '../../app/quantize/kwargs';

export type SideName = 'a' | 'b';

/**
 * Which kwarg of a side is wrong, as `<side>.<kwarg>` -> sentence, so the message can sit next
 * to the control that caused it. Each kwarg is checked alone first; a combination that fails
 * only together (an adaptive scale_rule with mxfp4) is charged to scale_rule, the one a user
 * changes to fix it.
 */
export function kwargsErrors(side: SideName, kwargs: Partial<QuantizeKwargs>, fp4_format: Fp4Format): Record<string, string> {
  const errors: Record<string, string> = {};
  const attempt = (partial: Partial<Record<keyof QuantizeKwargs, unknown>>): string | null => {
    try {
      resolveQuantizeKwargs(partial);
      return null;
    } catch (e) {
      if (isFp4Error(e)) return e.message;
      throw e;
    }
  };
  for (const [key, value] of Object.entries(kwargs)) {
    if (key === 'fp4_format' || value === undefined) continue;
    // alone with the default rule, except scale_rule which is judged with the chosen format below
    const message = key === 'scale_rule' ? null : attempt({ [key]: value });
    if (message) errors[`${side}.${key}`] = message;
  }
  if (Object.keys(errors).length === 0) {
    const message = attempt({ ...kwargs, fp4_format });
    if (message) errors[`${side}.scale_rule`] = message;
  }
  return errors;
}
