import { readFile, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { Fp4Error } from '../../app/errors';
import { openTensorFile } from '../../app/tensors/openTensorFile';
import { combineShards, hasShardIndexName, parseShardIndex, SHARD_INDEX_MAX_BYTES } from '../../app/tensors/shardedCheckpoint';
import type { TensorFile } from '../../app/tensors/tensorFile';
import { openFileByteSource, type FileByteSource } from './fileByteSource';
import { nodeInflater } from './nodeInflater';

export interface OpenedTensorFile {
  readonly path: string;
  readonly file: TensorFile;
  close(): Promise<void>;
}

/** Open a tensor file on disk: the header is parsed now, tensor bytes are read when used. */
export async function openTensorFileAtPath(path: string): Promise<OpenedTensorFile> {
  if (hasShardIndexName(path)) return openShardedCheckpoint(path);
  const source = await openFileByteSource(path);
  try {
    return { path, file: await openTensorFile(source, { inflater: nodeInflater }), close: () => source.close() };
  } catch (e) {
    await source.close();
    throw e;
  }
}

/** `*.index.json`: open every shard it names (files beside it) as one tensor list. */
async function openShardedCheckpoint(path: string): Promise<OpenedTensorFile> {
  let text: string;
  try {
    const st = await stat(path);
    if (st.size > SHARD_INDEX_MAX_BYTES) throw new Fp4Error('TOO_LARGE', `${path}: an index of ${st.size} bytes exceeds the ${SHARD_INDEX_MAX_BYTES}-byte limit`);
    text = await readFile(path, 'utf8');
  } catch (e) {
    if (e instanceof Fp4Error) throw e;
    throw new Fp4Error('IO', `cannot read ${path}: ${(e as Error).message}`);
  }
  const index = parseShardIndex(text, basename(path));
  const sources: FileByteSource[] = [];
  const close = async (): Promise<void> => {
    await Promise.all(sources.map((s) => s.close()));
  };
  try {
    const shards = new Map<string, TensorFile>();
    for (const shard of index.shards) {
      // parseShardIndex admits only plain file names, so this stays in the index's folder.
      const source = await openFileByteSource(join(dirname(path), shard)).catch((e: unknown) => {
        throw new Fp4Error('NOT_FOUND', `${basename(path)} names shard '${shard}', which cannot be opened (${(e as Error).message})`);
      });
      sources.push(source);
      shards.set(shard, await openTensorFile(source, { inflater: nodeInflater }));
    }
    return { path, file: combineShards(basename(path), index, shards), close };
  } catch (e) {
    await close();
    throw e;
  }
}
