import { Fp4Error } from '../errors';
import type { ByteSource } from './byteSource';
import type { RawInflater } from './inflate';
import { npyTensorEntry, readNpyHeaderFrom, type NpyHeader } from './npy';
import type { TensorEntry, TensorFile } from './tensorFile';
import { METHOD_STORED, openZipArchive, type ZipArchive, type ZipMember } from './zipArchive';

/**
 * NumPy .npz: a zip of .npy members (numpy.savez stores them, savez_compressed deflates them).
 * Each member 'A.npy' is the tensor 'A'. Stored members are read lazily by range; a deflated
 * member's header comes from inflating its first bytes, its data from inflating it whole on read.
 */
function memberHeader(zip: ZipArchive, member: ZipMember): Promise<NpyHeader> {
  return readNpyHeaderFrom((n) => zip.readPrefix(member, n), member.size, `${zip.source.name}:${member.name}`);
}

export async function openNpz(source: ByteSource, inflater?: RawInflater, zipArchive?: ZipArchive): Promise<TensorFile> {
  const zip = zipArchive ?? (await openZipArchive(source, inflater));
  const tensors: TensorEntry[] = [];
  const skipped: string[] = [];
  for (const member of zip.members) {
    if (!member.name.endsWith('.npy')) {
      if (!member.name.endsWith('/')) skipped.push(member.name);
      continue;
    }
    const header = await memberHeader(zip, member);
    const readStored =
      member.method === METHOD_STORED
        ? () => zip.readRange(member, header.dataOffset, header.dataLength)
        : async () => (await zip.read(member)).subarray(header.dataOffset, header.dataOffset + header.dataLength);
    tensors.push(npyTensorEntry(member.name.slice(0, -'.npy'.length), header, readStored));
  }
  if (tensors.length === 0) {
    throw new Fp4Error('FORMAT', `${source.name}: not a valid .npz file: the archive holds no .npy members${skipped.length ? ` (it has ${skipped.slice(0, 5).join(', ')})` : ''}`);
  }
  const metadata: Record<string, string> = skipped.length ? { skipped_members: skipped.join(', ') } : {};
  return { format: 'npz', name: source.name, tensors, metadata };
}
