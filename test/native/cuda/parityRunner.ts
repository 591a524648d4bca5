/**
 * The cuda parity suite (test/native/cudaParity.ts) without vitest, for a GPU machine that has
 * Node but no node_modules: test/native/cuda/bundleForGpu.mjs bundles this file into one .mjs.
 * Prints PASS/FAIL per check and a summary line; exits 1 when cuda is unavailable or a check fails.
 *
 *   FP4LAB_NATIVE_ADDON=... FP4LAB_CUDA_LIBRARY=... FP4LAB_SHARED=... node parity.mjs [words]
 *
 * With words, only the checks whose name contains one of them run (e.g. `exponent` to try one
 * check against another build of the library).
 */
import { backendStatuses, getBackend, initBackends } from '../../../main/compute/backends';
import { nativeAddon } from '../../../main/compute/nativeAddon';
import { cudaParityChecks } from '../cudaParity';
import { testSeed } from '../nativeKit';

async function main(): Promise<number> {
  await initBackends('cuda');
  const load = nativeAddon();
  if (!load.ok) {
    console.log(`cuda parity: the native addon did not load: ${load.reasons.join('; ')}`);
    return 1;
  }
  for (const s of backendStatuses()) console.log(`backend ${s.name}: ${s.available ? `available${s.detail ? ` (${s.detail})` : ''}` : `unavailable: ${s.reason}`}`);
  const cuda = backendStatuses().find((s) => s.name === 'cuda');
  if (!cuda?.available) {
    console.log(`cuda parity: cuda is unavailable: ${cuda?.reason}`);
    return 1;
  }
  const raw = load.addon.cuda!;
  const words = process.argv.slice(2);
  const checks = cudaParityChecks({ cuda: getBackend('cuda'), raw, statuses: backendStatuses, pick: getBackend, seed: testSeed('cuda parity'), log: (line) => console.log(`  ${line}`) }).filter(
    (c) => words.length === 0 || words.some((w) => c.name.includes(w)),
  );
  if (checks.length === 0) {
    console.log(`cuda parity: no check's name contains ${words.join(' or ')}`);
    return 1;
  }
  let passed = 0;
  let failed = 0;
  for (const check of checks) {
    const started = performance.now();
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        check.run(),
        new Promise((_, reject) => {
          timer = setTimeout(() => reject(new Error(`timed out after ${check.timeoutMs} ms`)), check.timeoutMs);
        }),
      ]);
      passed++;
      console.log(`PASS ${check.name} (${((performance.now() - started) / 1000).toFixed(1)} s)`);
    } catch (e) {
      failed++;
      console.log(`FAIL ${check.name} (${((performance.now() - started) / 1000).toFixed(1)} s)\n  ${String((e as Error)?.stack ?? e).split('\n').join('\n  ')}`);
    } finally {
      clearTimeout(timer);
    }
  }
  console.log(`cuda parity: ${passed} passed, ${failed} failed`);
  return failed === 0 ? 0 : 1;
}

process.exitCode = await main();
