import { invalidArgument } from '../errors';
import { FP4_FORMATS, isAdaptiveRule, resolveQuantizeKwargs, SCALE_RULES, type Fp4Format, type ScaleRule } from '../quantize/kwargs';
import { matrixShapeOf } from '../tensors/decode';
import { isFloatDType } from '../tensors/dtypes';
import type { TensorFile } from '../tensors/tensorFile';
import { SWEEP_SCHEMA, type SweepCheckpoint, type SweepKwargs, type SweepPlan, type SweepRequest, type SweepSkipped, type SweepTensorPlan, type SweepVariant } from './model';
import { tensorNameMatcher } from './tensorGlob';

/**
 * What a sweep compares when not told: plain NVFP4 (always_6, the baseline, first) against
 * always_4 and every 4/6 rule.
 */
export const DEFAULT_SWEEP_FORMATS: readonly Fp4Format[] = ['nvfp4'];
export const DEFAULT_SWEEP_RULES: readonly ScaleRule[] = ['always_6', 'always_4', 'mse', 'l1_norm', 'abs_max'];

/**
 * Every (format, rule) pair asked for, in a stable order (formats, then rules, as given). Pairs
 * that do not exist (an adaptive rule with MXFP4) are dropped; asking only for such pairs is an error.
 */
export function sweepVariants(formats: readonly Fp4Format[] = DEFAULT_SWEEP_FORMATS, rules: readonly ScaleRule[] = DEFAULT_SWEEP_RULES): SweepVariant[] {
  for (const f of formats) if (!FP4_FORMATS.includes(f)) throw invalidArgument(`fp4_format must be one of ${FP4_FORMATS.join(', ')}; got '${f}'`);
  for (const r of rules) if (!SCALE_RULES.includes(r)) throw invalidArgument(`scale_rule must be one of ${SCALE_RULES.join(', ')}; got '${r}'`);
  if (formats.length === 0 || rules.length === 0) throw invalidArgument('a sweep needs at least one fp4_format and one scale_rule');
  const variants: SweepVariant[] = [];
  for (const fp4_format of new Set(formats)) {
    for (const scale_rule of new Set(rules)) {
      if (fp4_format === 'mxfp4' && isAdaptiveRule(scale_rule)) continue;
      variants.push({ fp4_format, scale_rule });
    }
  }
  if (variants.length === 0) {
    throw invalidArgument(`no valid (format, rule) pair in formats ${formats.join(', ')} x rules ${rules.join(', ')}: mxfp4 has only always_6 and always_4`);
  }
  return variants;
}

/**
 * Resolve a request against a file: the tensors to sweep in file order, and what was left out.
 * Without patterns every 2-D floating-point tensor is swept (the weights of linear layers);
 * patterns select by name among all floating-point tensors (N-D ones flattened to matrices).
 */
export function planSweep(file: TensorFile, checkpoint: SweepCheckpoint, request: SweepRequest = {}): SweepPlan {
  const patterns = [...(request.tensors ?? [])];
  const matches = tensorNameMatcher(patterns);
  const variants = sweepVariants(request.formats, request.rules);
  // Validate the shared kwargs once, with a variant that always exists.
  const { fp4_format: _f, scale_rule: _r, ...kwargs } = resolveQuantizeKwargs({ ...request.kwargs, fp4_format: 'nvfp4', scale_rule: 'always_6' });
  const tensors: SweepTensorPlan[] = [];
  const skipped: SweepSkipped[] = [];
  file.tensors.forEach((t, index) => {
    if (!matches(t.name)) return;
    const explicit = patterns.length > 0;
    let reason: string | undefined;
    if (!isFloatDType(t.dtype)) reason = `${t.dtype} is not a floating-point type`;
    else if (t.shape.some((d) => d === 0)) reason = `it is empty (shape [${t.shape.join(', ')}])`;
    else if (!explicit && t.shape.length !== 2) reason = `it is ${t.shape.length}-D (only 2-D weights are swept unless --tensors names it)`;
    if (reason) {
      skipped.push({ name: t.name, reason });
      return;
    }
    tensors.push({ index, name: t.name, dtype: t.dtype, shape: [...t.shape], matrix: matrixShapeOf(t.shape), bytes: t.byteLength });
  });
  if (tensors.length === 0) {
    const why = patterns.length ? `no floating-point tensor matches ${patterns.map((p) => `'${p}'`).join(', ')}` : 'it has no 2-D floating-point tensor';
    throw invalidArgument(`nothing to sweep in ${checkpoint.file}: ${why}`);
  }
  return { schema: SWEEP_SCHEMA, checkpoint, patterns, variants, kwargs: kwargs as SweepKwargs, tensors, skipped };
}
