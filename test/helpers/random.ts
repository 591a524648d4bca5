import { SeededRandom } from '../../app/samples/seededRandom';
import { roundToBfloat16 } from '../../app/formats/bfloat16';
import type { Matrix } from '../../app/tensors/matrix';

/** A fresh seed per run, printed so a failure can be replayed with FP4LAB_SEED=<seed>. */
export function freshSeed(label: string): number {
  const fromEnv = process.env.FP4LAB_SEED;
  const seed = fromEnv !== undefined ? Number(fromEnv) >>> 0 : (Math.random() * 2 ** 32) >>> 0;
  console.log(`[${label}] seed ${seed} (replay with FP4LAB_SEED=${seed})`);
  return seed;
}

export type Distribution = 'normal' | 'heavy' | 'outlier_cols' | 'tiny' | 'huge' | 'sparse' | 'grid';

/** A bf16-valued random matrix of a given kind, like the golden inputs. */
export function randomMatrix(rng: SeededRandom, rows: number, cols: number, kind: Distribution = 'normal'): Matrix {
  const data = new Float32Array(rows * cols);
  const outliers = new Set(Array.from({ length: Math.max(1, cols >> 5) }, () => rng.integer(0, cols)));
  const grid = [0, 0.5, 1, 1.5, 2, 3, 4, 6];
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      let v: number;
      switch (kind) {
        case 'heavy':
          v = rng.studentT(2);
          break;
        case 'outlier_cols':
          v = rng.normal() * (outliers.has(c) ? 50 : 1);
          break;
        case 'tiny':
          v = rng.normal() * 1e-30;
          break;
        case 'huge':
          v = rng.normal() * 1e30;
          break;
        case 'sparse':
          v = rng.uniform() < 0.9 ? 0 : rng.normal();
          break;
        case 'grid':
          v = rng.pick(grid) * (rng.uniform() < 0.5 ? -1 : 1) * 2 ** rng.integer(-3, 3);
          break;
        default:
          v = rng.normal();
      }
      data[r * cols + c] = roundToBfloat16(v);
    }
  }
  return { rows, cols, data, dtype: 'bfloat16' };
}
