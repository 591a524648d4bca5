import { Fp4Error } from '../errors';
import type { ByteSource } from './byteSource';
import { isGgufMagic, openGguf } from './gguf';
import type { RawInflater } from './inflate';
import { isNpyMagic, openNpy } from './npy';
import { openNpz } from './npz';
import { isLegacyPytorchMagic, isPytorchZip, openPytorchLegacy, openPytorchZip } from './pytorch';
import { openSafetensors } from './safetensors';
import { hasShardIndexName } from './shardedCheckpoint';
import type { TensorFile } from './tensorFile';
import { hasTextMatrixName, openTextMatrix } from './textMatrix';
import { isZipMagic, openZipArchive } from './zipArchive';

/** What the user is told we read, in every "unrecognised" message. */
export const SUPPORTED_FORMATS =
  '.safetensors (and sharded *.index.json), .npy, .npz, PyTorch .pt/.pth/.bin (zip and legacy), .gguf, and .csv/.tsv/.txt text matrices';

export type SniffedFormat = TensorFile['format'] | 'zip' | 'pytorch-legacy' | 'shard-index';

/** Which parser a file needs, from its first bytes (and its name only where bytes cannot tell). */
export type SniffResult = { ok: true; format: SniffedFormat } | { ok: false; reason: string };

const EXTENSION_FORMATS: [RegExp, string][] = [
  [/\.safetensors$/i, 'safetensors'],
  [/\.npy$/i, '.npy'],
  [/\.npz$/i, '.npz'],
  [/\.(pt|pth|bin|ckpt)$/i, 'PyTorch'],
  [/\.gguf$/i, 'GGUF'],
];

export function sniffTensorBytes(head: Uint8Array, name: string, size: number): SniffResult {
  // safetensors: u64 header length (small, so its high bytes are zero), then the JSON '{'.
  if (head.length >= 9 && head[8] === 0x7b && head[5] === 0 && head[6] === 0 && head[7] === 0) return { ok: true, format: 'safetensors' };
  if (isNpyMagic(head)) return { ok: true, format: 'npy' };
  if (isGgufMagic(head)) return { ok: true, format: 'gguf' };
  if (isZipMagic(head)) return { ok: true, format: 'zip' };
  if (isLegacyPytorchMagic(head)) return { ok: true, format: 'pytorch-legacy' };
  // PyTorch before 0.4 saved a tar archive ("ustar" at 257).
  if (head.length >= 262 && head[257] === 0x75 && head[258] === 0x73 && head[259] === 0x74 && head[260] === 0x61 && head[261] === 0x72) {
    return { ok: false, reason: `${name}: a tar archive, which is how PyTorch saved checkpoints before 2018; re-save it with a current torch (torch.save(torch.load(f)))` };
  }
  // Text has no magic: only the name can say so (a .json index, a .csv matrix).
  if (hasShardIndexName(name)) return { ok: true, format: 'shard-index' };
  if (hasTextMatrixName(name)) return { ok: true, format: 'text' };
  const claimed = EXTENSION_FORMATS.find(([re]) => re.test(name));
  const what = size === 0 ? 'the file is empty' : claimed ? `its first bytes are not those of a ${claimed[1]} file (corrupt or mislabelled?)` : 'unrecognised file format';
  return { ok: false, reason: `${name}: ${what}; FP4 Lab reads ${SUPPORTED_FORMATS}` };
}

export async function sniffTensorFile(source: ByteSource): Promise<SniffResult> {
  return sniffTensorBytes(await source.read(0, Math.min(512, source.size)), source.name, source.size);
}

export interface OpenOptions {
  /** DEFLATE for compressed .npz members (main/ passes Node's zlib). */
  readonly inflater?: RawInflater;
}

/** Parse a tensor file of any supported format, lazily (tensor bytes are read on demand). */
export async function openTensorFile(source: ByteSource, options: OpenOptions = {}): Promise<TensorFile> {
  const sniff = await sniffTensorFile(source);
  if (!sniff.ok) throw new Fp4Error('FORMAT', sniff.reason);
  switch (sniff.format) {
    case 'safetensors':
      return openSafetensors(source);
    case 'npy':
      return openNpy(source);
    case 'gguf':
      return openGguf(source);
    case 'pytorch-legacy':
      return openPytorchLegacy(source);
    case 'text':
      return openTextMatrix(source);
    case 'zip': {
      const zip = await openZipArchive(source, options.inflater);
      return isPytorchZip(zip) ? openPytorchZip(source, options.inflater, zip) : openNpz(source, options.inflater, zip);
    }
    case 'shard-index':
      throw new Fp4Error('UNSUPPORTED', `${source.name}: a sharded-checkpoint index is opened from its folder (its shards are separate files)`);
    default:
      throw new Fp4Error('UNSUPPORTED', `${source.name}: ${sniff.format} files are not supported yet`);
  }
}
