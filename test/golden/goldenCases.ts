import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { goldenDir } from '../helpers/paths';

/** The golden manifest's shape (see shared/golden/README.md). */
export interface GoldenQuantizeCase {
  id: string;
  input: string;
  shape: [number, number];
  padded_shape: [number, number];
  kwargs: { fp4_format: 'nvfp4' | 'mxfp4'; scale_rule: string; block_scale_2d: boolean; had: boolean; transpose: boolean };
  file: string;
}

export interface GoldenMatmulCase {
  id: string;
  a_shape: [number, number];
  b_shape: [number, number];
  fp4_format: 'nvfp4' | 'mxfp4';
  a_quantize_kwargs: { scale_rule: string };
  b_quantize_kwargs: { scale_rule: string };
  out_dtype: 'bfloat16' | 'float16' | 'float32';
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
