import { describe, expect, it } from 'vitest';
import type { Backend } from '../../app/backends/backend';
import { yieldingBackend } from '../../main/compute/yieldingBackend';

/**
 * The compute host wraps its backend so a cancel can run between steps. Every method of the
 * Backend interface must come through: a fast path the wrapper drops silently sends the analysis
 * to its TypeScript fallback (seconds at 8192^2). Required<Backend> makes a new method of the
 * interface fail to compile here until it is listed, and then this test checks the wrapper.
 */
function everyMethod(calls: string[]): Required<Backend> {
  const record =
    <T,>(name: string, value: T) =>
    async (): Promise<T> => {
      calls.push(name);
      return value;
    };
  return {
    name: 'cpu',
    quantize: record('quantize', 'q' as never),
    dequantize: record('dequantize', 'd' as never),
    matmul: record('matmul', 'm' as never),
    matmulHighPrecision: record('matmulHighPrecision', new Float32Array(1)),
    reduceSide: record('reduceSide', 'r' as never),
    pairMetrics: record('pairMetrics', 'p' as never),
    pool: record('pool', new Float32Array(2)),
    poolMany: record('poolMany', []),
  };
}

describe('yieldingBackend', () => {
  it('passes every method of the inner backend through (and only those it has)', async () => {
    const calls: string[] = [];
    const inner = everyMethod(calls);
    const wrapped = yieldingBackend(inner) as unknown as Record<string, unknown>;
    expect(Object.keys(wrapped).sort()).toEqual(Object.keys(inner).sort());
    for (const key of Object.keys(inner).filter((k) => k !== 'name')) await (wrapped[key] as () => Promise<unknown>)();
    expect(calls.sort()).toEqual(Object.keys(inner).filter((k) => k !== 'name').sort());
    const { pairMetrics: _p, poolMany: _m, reduceSide: _r, pool: _o, ...required } = inner;
    expect(Object.keys(yieldingBackend(required as Backend)).sort()).toEqual(['dequantize', 'matmul', 'matmulHighPrecision', 'name', 'quantize']);
  });

  it('checks for a cancel before each heavy step', async () => {
    const calls: string[] = [];
    const wrapped = yieldingBackend(everyMethod(calls));
    const signal = AbortSignal.abort();
    await expect(wrapped.pairMetrics!({ ref: new Float32Array(1), refStride: 1, approx: new Float32Array(1), approxStride: 1, rows: 1, cols: 1 }, { signal })).rejects.toMatchObject({ name: 'AbortError' });
    await expect(wrapped.quantize({ rows: 1, cols: 1, data: new Float32Array(1), dtype: 'float32' }, {} as never, { signal })).rejects.toMatchObject({ name: 'AbortError' });
    expect(calls).toEqual([]);
  });
});
