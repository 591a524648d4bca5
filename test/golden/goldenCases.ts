import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Fp4Format, ScaleRule } from '../../app/quantize/kwargs';
import type { OutDType } from '../../app/matmul/outDtype';
import { goldenDir } from '../helpers/paths';

/** The golden manifest's shape (see shared/golden/README.md). */
export interface GoldenQuantizeCase {
  id: string;
  input: string;
  shape: [number, number];
  padded_shape: [number, number];
  kwargs: { fp4_format: Fp4Format; scale_rule: ScaleRule; block_scale_2d: boolean; had: boolean; transpose: boolean };
  file: string;
}

export interface GoldenMatmulCase {
  id: string;
  a_shape: [number, number];
  b_shape: [number, number];
  fp4_format: Fp4Format;
  a_quantize_kwargs: { scale_rule: ScaleRule };
  b_quantize_kwargs: { scale_rule: ScaleRule };
  out_dtype: OutDType;
  out_shape: [number, number];
  file: string;
}

export interface GoldenErrorCase {
  id: string;
  kwargs: GoldenQuantizeCase['kwargs'];
  error: string;
}

export interface GoldenManifest {
  quantize: GoldenQuantizeCase[];
  matmul: GoldenMatmulCase[];
  errors: GoldenErrorCase[];
  reference_bugs: { id: string; kwargs: GoldenQuantizeCase['kwargs']; bug: string }[];
}

export function loadGoldenManifest(): GoldenManifest {
  return JSON.parse(readFileSync(join(goldenDir(), 'manifest.json'), 'utf8')) as GoldenManifest;
}

export const goldenPath = (file: string): string => join(goldenDir(), file);
