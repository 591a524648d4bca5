import { Fp4Error } from '../errors';
import type { ByteSource } from './byteSource';
import { openSafetensors } from './safetensors';
import type { TensorFile } from './tensorFile';

/** Which parser a file needs, from its first bytes (and its name only where bytes cannot tell). */
export type SniffResult = { ok: true; format: TensorFile['format'] } | { ok: false; reason: string };

export async function sniffTensorFile(source: ByteSource): Promise<SniffResult> {
  const head = await source.read(0, Math.min(16, source.size));
  // safetensors: u64 header length, then the JSON header's '{'.
  if (head.length >= 9 && head[8] === 0x7b && head[6] === 0 && head[7] === 0) return { ok: true, format: 'safetensors' };
  return { ok: false, reason: `${source.name}: unrecognised file format (supported: .safetensors)` };
}

/** Parse a tensor file of any supported format, lazily (tensor bytes are read on demand). */
export async function openTensorFile(source: ByteSource): Promise<TensorFile> {
  const sniff = await sniffTensorFile(source);
  if (!sniff.ok) throw new Fp4Error('FORMAT', sniff.reason);
  switch (sniff.format) {
    case 'safetensors':
      return openSafetensors(source);
    default:
      throw new Fp4Error('UNSUPPORTED', `${source.name}: ${sniff.format} files are not supported yet`);
  }
}
