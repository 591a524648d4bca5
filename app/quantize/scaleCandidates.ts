import { E4M3_MAX, E4M3_MIN_NORMAL, E4M3_VALUES, float32ToE4M3 } from '../formats/e4m3';
import { float32ToUe8m0Ceil, ue8m0ToFloat32 } from '../formats/ue8m0';
import type { Fp4Format, ScaleRule } from './kwargs';

/** One candidate block scale: the stored byte and the fp32 value x is divided by. */
export interface ScaleCandidate {
  byte: number;
  scale: number;
}

/**
 * NVFP4 normconst divisor D (NUMERICS.md §2.1): 6·448 for always_6, 4·448 for always_4, 384·4
 * for the adaptive rules (384 is the largest E4M3 value whose 4/6 multiple is again exact).
 */
export function normconstDivisor(rule: ScaleRule): number {
  if (rule === 'always_6') return 2688;
  if (rule === 'always_4') return 1792;
  return 1536;
}

const NORMCONST_FLOOR = Math.fround(1e-12);

/** nc = max(fp32(amax / D), fp32(1e-12)) for NVFP4; MXFP4 has no tensor scale (1). */
export function computeNormconst(format: Fp4Format, rule: ScaleRule, amax: number): number {
  if (format === 'mxfp4') return 1;
  const nc = Math.fround(amax / normconstDivisor(rule));
  return nc > NORMCONST_FLOOR ? nc : NORMCONST_FLOOR;
}

/** NVFP4 candidate for target m (6 or 4), NUMERICS.md §2.2. */
export function nvfp4Candidate(amaxBlock: number, target: number, normconst: number, out: ScaleCandidate): void {
  let sHp = Math.fround(amaxBlock / Math.fround(target * normconst));
  if (sHp < E4M3_MIN_NORMAL) sHp = E4M3_MIN_NORMAL;
  else if (sHp > E4M3_MAX) sHp = E4M3_MAX;
  const byte = float32ToE4M3(sHp);
  out.byte = byte;
  out.scale = Math.fround(E4M3_VALUES[byte] * normconst);
}

/** MXFP4 candidate (NUMERICS.md §6): amax_b / m rounded up to a power of two; byte 0 = all-zero block. */
export function mxfp4Candidate(amaxBlock: number, target: number, out: ScaleCandidate): void {
  const byte = float32ToUe8m0Ceil(Math.fround(amaxBlock / target));
  out.byte = byte;
  out.scale = byte === 0 ? 0 : ue8m0ToFloat32(byte);
}
