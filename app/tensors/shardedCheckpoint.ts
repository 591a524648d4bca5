import { Fp4Error } from '../errors';
import type { TensorEntry, TensorFile } from './tensorFile';

/**
 * Sharded checkpoints (Hugging Face): `model.safetensors.index.json` (or
 * `pytorch_model.bin.index.json`) maps every tensor name to the shard file holding it:
 * {"metadata": {...}, "weight_map": {"lm_head.weight": "model-00002-of-00002.safetensors"}}.
 * main/ opens the shards beside the index; this combines them into one tensor list.
 */
export const SHARD_INDEX_SUFFIX = '.index.json';
export const SHARD_INDEX_MAX_BYTES = 64 * 1024 * 1024;

export function hasShardIndexName(name: string): boolean {
  return name.toLowerCase().endsWith(SHARD_INDEX_SUFFIX);
}

export interface ShardIndex {
  /** tensor name -> shard file name, in the index's order. */
  readonly weightMap: ReadonlyMap<string, string>;
  /** Distinct shard file names, in order of first appearance. */
  readonly shards: readonly string[];
  readonly metadata: Readonly<Record<string, string>>;
}

function indexError(source: string, message: string): Fp4Error {
  return new Fp4Error('FORMAT', `${source}: not a valid sharded-checkpoint index: ${message}`);
}

/** A shard must be a plain file name beside the index: no directories, no '..'. */
function isPlainFileName(name: string): boolean {
  return name.length > 0 && name.length <= 255 && !/[\\/\0]/.test(name) && name !== '.' && name !== '..';
}

export function parseShardIndex(text: string, source: string): ShardIndex {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw indexError(source, `it is not JSON (${(e as Error).message})`);
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw indexError(source, 'it is not a JSON object');
  const { weight_map: weightMap, metadata } = json as Record<string, unknown>;
  if (typeof weightMap !== 'object' || weightMap === null || Array.isArray(weightMap)) throw indexError(source, "it has no 'weight_map' object");
  const map = new Map<string, string>();
  const shards: string[] = [];
  for (const [tensor, shard] of Object.entries(weightMap as Record<string, unknown>)) {
    if (typeof shard !== 'string' || !isPlainFileName(shard)) {
      throw indexError(source, `weight_map['${tensor}'] is ${JSON.stringify(shard)}; shards must be file names in the index's folder`);
    }
    map.set(tensor, shard);
    if (!shards.includes(shard)) shards.push(shard);
  }
  if (shards.length === 0) throw indexError(source, "'weight_map' is empty");
  const md: Record<string, string> = Object.create(null);
  if (typeof metadata === 'object' && metadata !== null && !Array.isArray(metadata)) {
    for (const [k, v] of Object.entries(metadata as Record<string, unknown>)) md[k] = typeof v === 'string' ? v : JSON.stringify(v);
  }
  return { weightMap: map, shards, metadata: md };
}

/**
 * One tensor list from the parsed shards (keyed by shard file name): each tensor comes from
 * the shard the index names; a tensor the index names but its shard lacks is an error.
 */
export function combineShards(source: string, index: ShardIndex, shards: ReadonlyMap<string, TensorFile>): TensorFile {
  const tensors: TensorEntry[] = [];
  const formats = new Set<TensorFile['format']>();
  for (const [tensor, shardName] of index.weightMap) {
    const shard = shards.get(shardName);
    if (!shard) throw new Fp4Error('NOT_FOUND', `${source}: shard '${shardName}' was not opened`);
    formats.add(shard.format);
    const entry = shard.tensors.find((t) => t.name === tensor);
    if (!entry) throw indexError(source, `weight_map puts '${tensor}' in ${shardName}, which has no such tensor`);
    tensors.push(entry);
  }
  const format = formats.size === 1 ? [...formats][0] : 'safetensors';
  const metadata: Record<string, string> = Object.assign(Object.create(null), index.metadata, { shards: String(index.shards.length) });
  return { format, name: source, tensors, metadata };
}
