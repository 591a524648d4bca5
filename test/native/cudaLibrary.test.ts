import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../helpers/paths';

// The GPU library (native/cuda) runs its kernels only on a GPU machine (test/native/cuda/harness.cu,
// native/cuda/NOTES.md). Here, without a GPU: its arithmetic shortcuts are checked exhaustively on
// the host, and a built library must explain why it cannot run rather than fail.
const harness = join(REPO_ROOT, 'native', 'build', 'cuda', 'fp4lab_cuda_harness');

function nvccPresent(): boolean {
  return ['nvcc', '/usr/local/cuda/bin/nvcc', '/usr/local/bin/nvcc'].some((c) => spawnSync(c, ['--version']).status === 0);
}

describe('libfp4lab_cuda without a GPU', () => {
  it('divides by scales, encodes E4M3 and rounds to E2M1 exactly as IEEE fp32 does (exhaustive host check)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'fp4lab-numerics-'));
    try {
      const exe = join(dir, 'numerics_check');
      const cc = spawnSync('g++', ['-O2', '-std=c++17', '-I', join(REPO_ROOT, 'native', 'cuda', 'src'), join(REPO_ROOT, 'test', 'native', 'cuda', 'numerics_check.cpp'), '-o', exe], {
        encoding: 'utf8',
      });
      expect(cc.status, cc.stderr).toBe(0);
      const run = spawnSync(exe, [], { encoding: 'utf8' });
      console.log(run.stdout.trim());
      expect(run.stdout).toMatch(/numerics_check: \d{9,} checks, 0 mismatches/);
      expect(run.status).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 180_000);

  it('is built wherever nvcc is, and then reports the GPU backend as a status, never a crash', () => {
    if (!existsSync(harness)) {
      // Not built: only acceptable where there is no CUDA compiler (npm ci builds it otherwise).
      expect(nvccPresent()).toBe(false);
      const r = spawnSync(process.execPath, [join(REPO_ROOT, 'scripts', 'build-cuda.mjs'), '--no-harness'], { encoding: 'utf8' });
      expect(r.status).toBe(0);
      expect(r.stdout).toMatch(/nvcc not found/);
      return;
    }
    const r = spawnSync(harness, ['status'], { encoding: 'utf8' });
    console.log(r.stdout.trim());
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^libfp4lab_cuda ABI \d+, built for .*sm_90/m);
    // Either a usable device with its GEMM path, or the reason there is none, with its status code.
    expect(r.stdout).toMatch(/^cuda: (device 0 available: .+|unavailable: (NO_DRIVER|NO_DEVICE|UNSUPPORTED_ARCH|CUDA_ERROR): .{10,})$/m);
  });
});
