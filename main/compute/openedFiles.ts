import { createHash } from 'node:crypto';
import { stat } from 'node:fs/promises';
import { Fp4Error } from '../../app/errors';
import { openSampleFile } from '../../app/samples/sampleData';
import { readTensorAsMatrix } from '../../app/tensors/decode';
import type { Matrix } from '../../app/tensors/matrix';
import { openTensorFile } from '../../app/tensors/openTensorFile';
import { elementCount, findTensor, type TensorEntry, type TensorFile } from '../../app/tensors/tensorFile';
import { summarizeTensor } from '../../app/tensors/tensorSummary';
import { openFileByteSource } from '../io/fileByteSource';
import { nodeInflater } from '../io/nodeInflater';
import { openTensorFileAtPath } from '../io/openTensorFileAtPath';
import type { FileDescription, FileRef } from './protocol';

/** A file the host has open: its parsed header (tensor bytes stay on disk until used). */
interface OpenFile {
  readonly file: TensorFile;
  readonly size: number;
  close(): Promise<void>;
}

/** A tensor decoded to fp32, with the hash of its stored bytes (for provenance). */
export interface DecodedTensor {
  readonly entry: TensorEntry;
  readonly matrix: Matrix;
  /** Absent for tensors the file stores encoded (GGUF quant types): read() gives decoded bytes. */
  readonly sha256?: string;
}

/**
 * Largest matrix the host decodes (fp32 values). Far beyond what an interactive analysis can
 * run on the reference backend; it keeps one bad request from exhausting the host's memory.
 */
export const MAX_MATRIX_ELEMENTS = 2 ** 28;

/** Decoded tensors kept for repeated previews/analyses of the same tensor, by fp32 bytes. */
const DEFAULT_MATRIX_CACHE_BYTES = 512 * 1024 * 1024;

/**
 * The host's open files, keyed by the service's fileId. Files are opened on first use, so after
 * a host restart they reopen by themselves; closing one frees its handle and decoded tensors.
 */
export class OpenedFiles {
  private readonly files = new Map<string, Promise<OpenFile>>();
  private readonly decoded = new Map<string, DecodedTensor>(); // insertion order = least recently used first
  private decodedBytes = 0;

  constructor(private readonly cacheBytes = DEFAULT_MATRIX_CACHE_BYTES) {}

  private open(ref: FileRef): Promise<OpenFile> {
    let opened = this.files.get(ref.fileId);
    if (!opened) {
      opened = openFileSource(ref);
      this.files.set(ref.fileId, opened);
      // A failed open is not cached: the next request tries again (and reports its own error).
      opened.catch(() => this.files.delete(ref.fileId));
    }
    return opened;
  }

  async describe(ref: FileRef): Promise<FileDescription> {
    const { file, size } = await this.open(ref);
    return { format: file.format, size, tensors: file.tensors.map(summarizeTensor) };
  }

  async tensor(ref: FileRef, name: string): Promise<DecodedTensor> {
    const key = `${ref.fileId}\u0000${name}`;
    const cached = this.decoded.get(key);
    if (cached) {
      this.decoded.delete(key);
      this.decoded.set(key, cached);
      return cached;
    }
    const { file } = await this.open(ref);
    const entry = findTensor(file, name);
    const elements = elementCount(entry.shape);
    if (elements > MAX_MATRIX_ELEMENTS) {
      throw new Fp4Error('TOO_LARGE', `tensor '${name}' in ${ref.name} has ${elements} elements; FP4 Lab analyses at most ${MAX_MATRIX_ELEMENTS} (${MAX_MATRIX_ELEMENTS / 2 ** 20} Mi) at a time`);
    }
    if (elements === 0) throw new Fp4Error('INVALID_ARGUMENT', `tensor '${name}' in ${ref.name} is empty (shape [${entry.shape.join(', ')}])`);
    const bytes = await entry.read();
    const sha256 = entry.encoding ? undefined : createHash('sha256').update(bytes).digest('hex');
    const matrix = await readTensorAsMatrix({ ...entry, read: () => Promise.resolve(bytes) }, ref.name);
    const decoded: DecodedTensor = { entry, matrix, sha256 };
    this.remember(key, decoded);
    return decoded;
  }

  private remember(key: string, decoded: DecodedTensor): void {
    const bytes = decoded.matrix.data.byteLength;
    if (bytes > this.cacheBytes) return;
    this.decoded.set(key, decoded);
    this.decodedBytes += bytes;
    for (const [k, d] of this.decoded) {
      if (this.decodedBytes <= this.cacheBytes) break;
      this.decoded.delete(k);
      this.decodedBytes -= d.matrix.data.byteLength;
    }
  }

  /** Bytes of decoded tensors held for reuse (diagnostics, and the test that closing frees them). */
  get cachedBytes(): number {
    return this.decodedBytes;
  }

  async close(fileId: string): Promise<void> {
    for (const [k, d] of this.decoded) {
      if (k.startsWith(`${fileId}\u0000`)) {
        this.decoded.delete(k);
        this.decodedBytes -= d.matrix.data.byteLength;
      }
    }
    const opened = this.files.get(fileId);
    this.files.delete(fileId);
    if (opened) await opened.then((f) => f.close(), () => undefined);
  }

  async closeAll(): Promise<void> {
    await Promise.all([...this.files.keys()].map((id) => this.close(id)));
  }
}

async function openFileSource(ref: FileRef): Promise<OpenFile> {
  switch (ref.source.kind) {
    case 'sample': {
      const file = await openSampleFile();
      return { file, size: file.tensors.reduce((n, t) => n + t.byteLength, 0), close: () => Promise.resolve() };
    }
    case 'path': {
      // A user's file: every format, sharded checkpoints (an index beside its shards) included.
      const opened = await openTensorFileAtPath(ref.source.path);
      return { file: opened.file, size: (await stat(ref.source.path)).size, close: opened.close };
    }
    case 'upload': {
      const source = await openFileByteSource(ref.source.path);
      // Errors name the file as the user knows it, not by its temp name.
      const named = { name: ref.name, size: source.size, read: source.read };
      try {
        return { file: await openTensorFile(named, { inflater: nodeInflater }), size: source.size, close: () => source.close() };
      } catch (e) {
        await source.close();
        throw e;
      }
    }
  }
}
