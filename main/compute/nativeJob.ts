import type { JobControl } from '../../app/backends/backend';
import { Fp4Error, type Fp4ErrorCode } from '../../app/errors';
import type { NativeJob } from './nativeAddon';

/**
 * What the native backends (cpu, cuda) share around one addon call: the job argument (a cancel
 * flag the AbortSignal sets, progress passed on increasing only) and the mapping of a rejected
 * call's `code` to the engine's error value.
 */

/** A rejected native call as the engine's error value (codes not in `codes`, i.e. bugs, stay plain Errors). */
export function fromNative(e: unknown, codes: Readonly<Record<string, Fp4ErrorCode>>): Error {
  if (e instanceof Error) {
    const code = codes[(e as { code?: string }).code ?? ''];
    if (code) return new Fp4Error(code, e.message);
    return e;
  }
  return new Error(String(e));
}

/**
 * Run one addon call with a job argument built from `control`: a cancel flag the signal sets,
 * and progress passed on increasing only, ending with 1 when the call succeeds (the kernel's own
 * last report can arrive after the promise settles; it is dropped then).
 */
export async function runNativeJob<T>(
  control: JobControl | undefined,
  base: Omit<NativeJob, 'cancel' | 'onProgress'>,
  codes: Readonly<Record<string, Fp4ErrorCode>>,
  call: (job: NativeJob) => Promise<T>,
): Promise<T> {
  const signal = control?.signal;
  signal?.throwIfAborted();
  const cancel = new Int32Array(new SharedArrayBuffer(4));
  const onAbort = (): void => void Atomics.store(cancel, 0, 1);
  signal?.addEventListener('abort', onAbort, { once: true });
  const report = control?.onProgress;
  let reported = -1;
  let settled = false;
  const onProgress = report
    ? (fraction: number): void => {
        if (settled || fraction <= reported) return;
        reported = fraction;
        report(fraction);
      }
    : undefined;
  try {
    const result = await call({ ...base, cancel, onProgress });
    onProgress?.(1);
    return result;
  } catch (e) {
    throw fromNative(e, codes);
  } finally {
    settled = true;
    signal?.removeEventListener('abort', onAbort);
  }
}

/**
 * Output arrays for the kernels, not zero-filled: every kernel writes every element of its
 * outputs (test/native pins this by poisoning them first), so zeroing would only cost time —
 * and memory the allocator can hand back from a freed buffer skips the page faults of fresh
 * pages (tens of ms for 64 MiB on a virtual machine).
 */
export function uninitialized<T extends Float32Array | Uint8Array | Uint16Array>(
  kind: { new (b: ArrayBuffer, o: number, n: number): T; BYTES_PER_ELEMENT: number },
  n: number,
): T {
  const bytes = Buffer.allocUnsafeSlow(n * kind.BYTES_PER_ELEMENT);
  return new kind(bytes.buffer as ArrayBuffer, bytes.byteOffset, n);
}
