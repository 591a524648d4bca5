// Child process of sweep-memory.test.ts (and test/bench/sweepMemory.ts): sweep one file with one
// rule and print the peak resident set size as JSON. With --expose-gc it collects after every
// tensor, so the peak measures what the sweep keeps reachable rather than when V8 collects.
import { readFileSync } from 'node:fs';
import { referenceBackend } from '../../app/backends/referenceBackend';
import { planSweep } from '../../app/sweep/planSweep';
import { runSweep } from '../../app/sweep/runSweep';
import { openTensorFileAtPath } from '../../main/io/openTensorFileAtPath';

/**
 * Peak RSS of this process image: VmHWM on Linux. (getrusage's maxrss is no good here: across
 * fork + exec it keeps the parent's high-water mark, e.g. a test that just wrote the file.)
 * Elsewhere, the largest RSS sampled after each step.
 */
let sampled = 0;
function sample(): void {
  sampled = Math.max(sampled, process.memoryUsage().rss);
}
function peakRss(): number {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
    if (m) return Number(m[1]) * 1024;
  } catch {
    // not Linux
  }
  return sampled;
}

const [path] = process.argv.slice(2);
const opened = await openTensorFileAtPath(path);
const plan = planSweep(opened.file, { file: path, format: 'safetensors', size: 0 }, { rules: ['always_6'] });
const started = performance.now();
const result = await runSweep(opened.file, plan, {
  backend: referenceBackend,
  onProgress: sample,
  onTensorDone: () => {
    sample();
    (globalThis as { gc?: () => void }).gc?.();
  },
});
await opened.close();
process.stdout.write(
  `${JSON.stringify({
    tensors: result.tensors.length,
    largestTensorBytes: Math.max(...plan.tensors.map((t) => t.bytes)),
    checkpointBytes: plan.tensors.reduce((n, t) => n + t.bytes, 0),
    maxRssBytes: peakRss(),
    seconds: (performance.now() - started) / 1000,
  })}\n`,
);
