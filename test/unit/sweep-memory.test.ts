import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../helpers/paths';
import { writeCheckpoint } from './sweepFixtures';

const dir = mkdtempSync(join(tmpdir(), 'fp4lab-sweep-memory-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface ProbeResult {
  tensors: number;
  largestTensorBytes: number;
  checkpointBytes: number;
  maxRssBytes: number;
}

/** Sweep a checkpoint of `count` 512x1024 F32 weights (2 MiB each) in a fresh process. */
function sweepPeak(count: number): ProbeResult {
  const path = join(dir, `weights-${count}.safetensors`);
  writeCheckpoint(path, Array.from({ length: count }, (_, i) => ({ name: `layers.${i}.weight`, dtype: 'F32' as const, shape: [512, 1024] })), 1);
  const r = spawnSync(process.execPath, ['--expose-gc', '--import', 'tsx', join(REPO_ROOT, 'test/unit/sweepMemoryProbe.ts'), path], { cwd: REPO_ROOT, encoding: 'utf8' });
  expect(r.status, r.stderr).toBe(0);
  rmSync(path);
  return JSON.parse(r.stdout) as ProbeResult;
}

describe('sweep memory', () => {
  it('stays near the largest tensor: 29 more tensors (58 MiB) add far less than their size to peak RSS', () => {
    const small = sweepPeak(3);
    const large = sweepPeak(32);
    expect(large.tensors).toBe(32);
    const growth = large.maxRssBytes - small.maxRssBytes;
    const extraTensorBytes = large.checkpointBytes - small.checkpointBytes;
    process.stdout.write(
      `[sweep memory] peak RSS ${(small.maxRssBytes / 2 ** 20).toFixed(1)} MiB for 3 tensors, ${(large.maxRssBytes / 2 ** 20).toFixed(1)} MiB for 32 (checkpoint ${(large.checkpointBytes / 2 ** 20).toFixed(0)} MiB): +${(growth / 2 ** 20).toFixed(1)} MiB\n`,
    );
    // Holding on to each tensor (bytes or decoded matrix) would add at least its 2 MiB; a quarter
    // of that per tensor leaves room for allocator noise and still catches any leak of a tensor.
    expect(growth).toBeLessThan(extraTensorBytes / 4);
  });
});
