import { open, readFile, rm, truncate, type FileHandle } from 'node:fs/promises';
import { Fp4Error, isFp4Error } from '../../app/errors';
import type { SweepPlan, SweepTensorResult } from '../../app/sweep/model';
import { parsePartialResult, partialResultHeader, partialResultLine, resumableTensors } from '../../app/sweep/partialResult';
import { writeFileAtomic } from '../io/atomicWrite';

/**
 * The partial-result file of a running sweep (format: app/sweep/partialResult.ts). It is created
 * atomically with its header; each finished tensor is appended as one whole line and synced to
 * disk before the sweep reads the next tensor, so after a crash or Ctrl-C at most the line being
 * written is lost, and that torn line is cut off when the sweep resumes.
 */
export interface SweepJournal {
  readonly path: string;
  /** Results of the earlier run that this sweep resumes (empty for a fresh one). */
  readonly previous: readonly SweepTensorResult[];
  append(result: SweepTensorResult): Promise<void>;
  close(): Promise<void>;
  /** Close and delete (after the final outputs are written). */
  discard(): Promise<void>;
}

async function readIfExists(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new Fp4Error('IO', `cannot read ${path}: ${(e as Error).message}`);
  }
}

async function writeAll(handle: FileHandle, bytes: Uint8Array): Promise<void> {
  let done = 0;
  while (done < bytes.length) done += (await handle.write(bytes, done, bytes.length - done)).bytesWritten;
}

/** Open (resume) or create the partial-result file for `plan`. `restart` discards an existing one. */
export async function openSweepJournal(path: string, plan: SweepPlan, options: { restart?: boolean } = {}): Promise<SweepJournal> {
  const existing = options.restart ? undefined : await readIfExists(path);
  let previous: SweepTensorResult[] = [];
  if (existing !== undefined) {
    let parsed;
    try {
      parsed = parsePartialResult(existing, path);
    } catch (e) {
      if (isFp4Error(e) && e.code === 'FORMAT') {
        throw new Fp4Error('INVALID_ARGUMENT', `${e.message}; pick another --journal, or pass --restart to replace it`);
      }
      throw e;
    }
    previous = resumableTensors(parsed, plan, path);
    // Cut a torn last line (a crash mid-append) so new lines follow an intact prefix.
    if (parsed.intactBytes < new TextEncoder().encode(existing).length) await truncate(path, parsed.intactBytes);
  } else {
    await writeFileAtomic(path, [new TextEncoder().encode(partialResultHeader(plan))], { overwrite: true });
  }
  let handle: FileHandle | undefined;
  try {
    handle = await open(path, 'a');
  } catch (e) {
    throw new Fp4Error('IO', `cannot append to ${path}: ${(e as Error).message}`);
  }
  const close = async (): Promise<void> => {
    const h = handle;
    handle = undefined;
    await h?.close();
  };
  return {
    path,
    previous,
    async append(result) {
      if (!handle) throw new Fp4Error('IO', `${path} is closed`);
      try {
        await writeAll(handle, new TextEncoder().encode(partialResultLine(result)));
        await handle.sync();
      } catch (e) {
        throw new Fp4Error('IO', `cannot append to ${path}: ${(e as Error).message}`);
      }
    },
    close,
    async discard() {
      await close();
      await rm(path, { force: true });
    },
  };
}
