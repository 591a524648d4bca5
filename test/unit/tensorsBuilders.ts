import { crc32, deflateRawSync } from 'node:zlib';
import { concatChunks } from '../../app/tensors/safetensors';

/**
 * Writers for test inputs the corpus cannot hold: zip archives (incl. ZIP64), pickles built
 * opcode by opcode, PyTorch zip checkpoints around them, and GGUF files. Written from the
 * format specs, independently of the readers under test.
 */

export const u16 = (v: number): number[] => [v & 0xff, (v >>> 8) & 0xff];
export const u32 = (v: number): number[] => [v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, (v >>> 24) & 0xff];
export const u64 = (v: number | bigint): number[] => {
  const b = BigInt(v);
  return [...u32(Number(b & 0xffffffffn)), ...u32(Number(b >> 32n))];
};

export interface ZipInput {
  readonly name: string;
  readonly data: Uint8Array;
  readonly deflate?: boolean;
  /** Write sizes/offset as 0xFFFFFFFF with a ZIP64 extra field (and ZIP64 end records). */
  readonly zip64?: boolean;
  /** The CRC-32 the headers declare (default: the data's own, from node:zlib). */
  readonly crc32?: number;
}

export function buildZip(members: readonly ZipInput[], options: { alignment?: number } = {}): Uint8Array {
  const chunks: Uint8Array[] = [];
  const central: number[] = [];
  let offset = 0;
  const anyZip64 = members.some((m) => m.zip64);
  for (const m of members) {
    const body = m.deflate ? new Uint8Array(deflateRawSync(m.data)) : m.data;
    const name = new TextEncoder().encode(m.name);
    const method = m.deflate ? 8 : 0;
    const crc = m.crc32 ?? crc32(m.data);
    // Pad the local extra field so stored data starts aligned (as torch does, 64 bytes).
    const base = offset + 30 + name.length;
    const pad = options.alignment ? (options.alignment - ((base + 4) % options.alignment)) % options.alignment : 0;
    const localExtra = pad ? [...u16(0x5a5a), ...u16(pad), ...new Array<number>(pad).fill(0x5a)] : [];
    const local = [0x50, 0x4b, 0x03, 0x04, ...u16(20), ...u16(0x800), ...u16(method), ...u32(0), ...u32(crc), ...u32(body.length), ...u32(m.data.length), ...u16(name.length), ...u16(localExtra.length)];
    chunks.push(Uint8Array.from(local), name, Uint8Array.from(localExtra), body);
    const big = m.zip64 ? 0xffffffff : undefined;
    const extra = m.zip64 ? [...u16(1), ...u16(24), ...u64(m.data.length), ...u64(body.length), ...u64(offset)] : [];
    central.push(
      ...[0x50, 0x4b, 0x01, 0x02, ...u16(45), ...u16(45), ...u16(0x800), ...u16(method), ...u32(0), ...u32(crc)],
      ...u32(big ?? body.length),
      ...u32(big ?? m.data.length),
      ...u16(name.length),
      ...u16(extra.length),
      ...u16(0),
      ...u16(0),
      ...u16(0),
      ...u32(0),
      ...u32(big ?? offset),
      ...name,
      ...extra,
    );
    offset += local.length + name.length + localExtra.length + body.length;
  }
  const cdOffset = offset;
  chunks.push(Uint8Array.from(central));
  const end: number[] = [];
  if (anyZip64) {
    const z64At = cdOffset + central.length;
    end.push(...[0x50, 0x4b, 0x06, 0x06], ...u64(44), ...u16(45), ...u16(45), ...u32(0), ...u32(0), ...u64(members.length), ...u64(members.length), ...u64(central.length), ...u64(cdOffset));
    end.push(...[0x50, 0x4b, 0x06, 0x07], ...u32(0), ...u64(z64At), ...u32(1));
  }
  end.push(
    ...[0x50, 0x4b, 0x05, 0x06, ...u16(0), ...u16(0)],
    ...u16(anyZip64 ? 0xffff : members.length),
    ...u16(anyZip64 ? 0xffff : members.length),
    ...u32(anyZip64 ? 0xffffffff : central.length),
    ...u32(anyZip64 ? 0xffffffff : cdOffset),
    ...u16(0),
  );
  chunks.push(Uint8Array.from(end));
  return concatChunks(chunks);
}

/** A pickle written opcode by opcode (protocol 2, the torch default). */
export class PickleWriter {
  private readonly bytes: number[] = [0x80, 0x02];

  raw(...b: number[]): this {
    this.bytes.push(...b);
    return this;
  }
  mark(): this {
    return this.raw(0x28);
  }
  str(s: string): this {
    const b = new TextEncoder().encode(s);
    return this.raw(0x58, ...u32(b.length), ...b);
  }
  int(v: number): this {
    return v >= 0 && v < 256 ? this.raw(0x4b, v) : v >= 0 && v < 65536 ? this.raw(0x4d, ...u16(v)) : this.raw(0x4a, ...u32(v));
  }
  float(v: number): this {
    const b = new Uint8Array(8);
    new DataView(b.buffer).setFloat64(0, v, false);
    return this.raw(0x47, ...b);
  }
  none(): this {
    return this.raw(0x4e);
  }
  bool(v: boolean): this {
    return this.raw(v ? 0x88 : 0x89);
  }
  global(module: string, name: string): this {
    const b = new TextEncoder().encode(`${module}\n${name}\n`);
    return this.raw(0x63, ...b);
  }
  tuple(): this {
    return this.raw(0x74);
  }
  emptyTuple(): this {
    return this.raw(0x29);
  }
  emptyDict(): this {
    return this.raw(0x7d);
  }
  emptyList(): this {
    return this.raw(0x5d);
  }
  setItems(): this {
    return this.raw(0x75);
  }
  appends(): this {
    return this.raw(0x65);
  }
  reduce(): this {
    return this.raw(0x52);
  }
  build(): this {
    return this.raw(0x62);
  }
  binPersId(): this {
    return this.raw(0x51);
  }
  put(i: number): this {
    return this.raw(0x71, i);
  }
  get(i: number): this {
    return this.raw(0x68, i);
  }
  intTuple(values: readonly number[]): this {
    this.mark();
    for (const v of values) this.int(v);
    return this.tuple();
  }
  /** torch._utils._rebuild_tensor_v2(storage pid, offset, size, stride, False, OrderedDict()) */
  tensorV2(storageType: string, key: string, numel: number, offset: number, shape: readonly number[], stride: readonly number[]): this {
    this.global('torch._utils', '_rebuild_tensor_v2').mark();
    this.mark().str('storage').global('torch', storageType).str(key).str('cpu').int(numel).tuple().binPersId();
    this.int(offset).intTuple(shape).intTuple(stride).bool(false);
    this.global('collections', 'OrderedDict').emptyTuple().reduce();
    return this.tuple().reduce();
  }
  stop(): Uint8Array {
    return Uint8Array.from([...this.bytes, 0x2e]);
  }
}

/** A torch zip checkpoint: `archive/data.pkl`, `archive/byteorder`, `archive/data/<key>`. */
export function buildTorchZip(pickle: Uint8Array, storages: Record<string, Uint8Array>, options: { byteorder?: string; folder?: string } = {}): Uint8Array {
  const dir = options.folder ?? 'archive';
  return buildZip(
    [
      { name: `${dir}/data.pkl`, data: pickle },
      { name: `${dir}/byteorder`, data: new TextEncoder().encode(options.byteorder ?? 'little') },
      ...Object.entries(storages).map(([key, data]) => ({ name: `${dir}/data/${key}`, data })),
      { name: `${dir}/version`, data: new TextEncoder().encode('3\n') },
    ],
    { alignment: 64 },
  );
}

export function f32Bytes(values: ArrayLike<number>): Uint8Array {
  return new Uint8Array(Float32Array.from(values).buffer);
}

export interface GgufTensorInput {
  readonly name: string;
  /** Innermost first, as GGUF stores them. */
  readonly dims: readonly number[];
  readonly type: number;
  readonly data: Uint8Array;
}

export type GgufValue = { type: 'u32'; value: number } | { type: 'string'; value: string } | { type: 'f32'; value: number } | { type: 'string[]'; value: string[] } | { type: 'i32[]'; value: number[] };

export function buildGguf(tensors: readonly GgufTensorInput[], options: { version?: number; alignment?: number; metadata?: Record<string, GgufValue> } = {}): Uint8Array {
  const alignment = options.alignment ?? 32;
  const enc = new TextEncoder();
  const str = (s: string): number[] => {
    const b = enc.encode(s);
    return [...u64(b.length), ...b];
  };
  const metadata: Record<string, GgufValue> = { ...(options.metadata ?? {}) };
  if (options.alignment !== undefined) metadata['general.alignment'] = { type: 'u32', value: alignment };
  const head: number[] = [...u32(0x46554747), ...u32(options.version ?? 3), ...u64(tensors.length), ...u64(Object.keys(metadata).length)];
  // Appends element by element: spreading a 150k-token vocabulary would overflow the stack.
  const append = (values: ArrayLike<number>): void => {
    for (let i = 0; i < values.length; i++) head.push(values[i]);
  };
  for (const [key, v] of Object.entries(metadata)) {
    append(str(key));
    if (v.type === 'u32') append([...u32(4), ...u32(v.value)]);
    else if (v.type === 'string') append([...u32(8), ...str(v.value)]);
    else if (v.type === 'f32') append([...u32(6), ...new Uint8Array(Float32Array.of(v.value).buffer)]);
    else if (v.type === 'string[]') {
      append([...u32(9), ...u32(8), ...u64(v.value.length)]);
      for (const item of v.value) append(str(item));
    } else {
      append([...u32(9), ...u32(5), ...u64(v.value.length)]);
      for (const item of v.value) append(u32(item));
    }
  }
  let offset = 0;
  const offsets: number[] = [];
  for (const t of tensors) {
    offsets.push(offset);
    offset = Math.ceil((offset + t.data.length) / alignment) * alignment;
  }
  tensors.forEach((t, i) => head.push(...str(t.name), ...u32(t.dims.length), ...t.dims.flatMap((d) => u64(d)), ...u32(t.type), ...u64(offsets[i])));
  const dataStart = Math.ceil(head.length / alignment) * alignment;
  const out = new Uint8Array(dataStart + offset);
  out.set(head);
  tensors.forEach((t, i) => out.set(t.data, dataStart + offsets[i]));
  return out;
}
