import { Fp4Error } from '../errors';
import type { ByteSource } from './byteSource';
import { readU64 } from './byteCursor';
import { itemSize, type DType } from './dtypes';
import type { RawInflater } from './inflate';
import { PickleNeedsMoreBytes, PyDict, PyForeign, PyGlobal, PyList, PyOpaque, PyTuple, describeValue, unpickle, type PickleGlobals, type PyValue } from './pickle';
import { gatherStrided, isContiguous, swapByteOrder } from './tensorLayout';
import type { TensorEntry, TensorFile } from './tensorFile';
import { openZipArchive, type ZipArchive, type ZipMember } from './zipArchive';

/**
 * PyTorch checkpoints (.pt/.pth/.bin): the zip format (torch >= 1.6: `<dir>/data.pkl` plus one
 * member per storage, `<dir>/data/<key>`) and the legacy format (a magic pickle, a protocol
 * pickle, a sys-info pickle, the object pickle, the storage-key pickle, then each storage as
 * an 8-byte element count and its bytes). The object pickle is read by our restricted
 * unpickler, which knows only what a state_dict needs.
 */

/** torch storage classes (as pickles name them) -> element type. */
const STORAGE_DTYPES: Record<string, DType> = {
  FloatStorage: 'F32',
  DoubleStorage: 'F64',
  HalfStorage: 'F16',
  BFloat16Storage: 'BF16',
  LongStorage: 'I64',
  IntStorage: 'I32',
  ShortStorage: 'I16',
  CharStorage: 'I8',
  ByteStorage: 'U8',
  BoolStorage: 'BOOL',
  UInt16Storage: 'U16',
  UInt32Storage: 'U32',
  UInt64Storage: 'U64',
  Float8_e4m3fnStorage: 'F8_E4M3',
  Float8_e5m2Storage: 'F8_E5M2',
  UntypedStorage: 'U8',
};

/** torch dtype objects (torch.float32 ...) -> element type; _rebuild_tensor_v3 passes these. */
const TORCH_DTYPES: Record<string, DType> = {
  float32: 'F32',
  float: 'F32',
  float64: 'F64',
  double: 'F64',
  float16: 'F16',
  half: 'F16',
  bfloat16: 'BF16',
  int64: 'I64',
  long: 'I64',
  int32: 'I32',
  int: 'I32',
  int16: 'I16',
  short: 'I16',
  int8: 'I8',
  uint8: 'U8',
  bool: 'BOOL',
  uint16: 'U16',
  uint32: 'U32',
  uint64: 'U64',
  float8_e4m3fn: 'F8_E4M3',
  float8_e5m2: 'F8_E5M2',
};

/** Tensor kinds torch can save that we recognise but cannot read yet. */
const UNSUPPORTED_TENSOR_GLOBALS: Record<string, string> = {
  'torch._utils._rebuild_qtensor': 'a quantized (torch.quint8/qint8) tensor',
  'torch._utils._rebuild_sparse_tensor': 'a sparse tensor',
  'torch._utils._rebuild_sparse_csr_tensor': 'a sparse CSR tensor',
  'torch._utils._rebuild_nested_tensor': 'a nested tensor',
  'torch._utils._rebuild_meta_tensor_no_storage': 'a meta tensor (no data)',
  'torch._utils._rebuild_wrapper_subclass': 'a tensor subclass',
  'torch._utils._rebuild_device_tensor_from_numpy': 'a tensor saved through numpy',
  'torch._utils._rebuild_xla_tensor': 'an XLA tensor',
  'torch._utils._rebuild_mtia_tensor': 'an MTIA tensor',
};

/** Values numpy leaves in checkpoints' metadata (a numpy float as "best accuracy"): kept opaque. */
const OPAQUE_GLOBALS = new Set([
  'numpy.core.multiarray.scalar',
  'numpy._core.multiarray.scalar',
  'numpy.core.multiarray._reconstruct',
  'numpy._core.multiarray._reconstruct',
  'numpy.dtype',
  'numpy.ndarray',
]);

export class TorchStorage extends PyForeign {
  constructor(
    readonly key: string,
    readonly dtype: DType,
    /** Elements in the storage (or in the view of a legacy root storage). */
    readonly numel: number,
    /** Legacy storage views: the root storage's key and the view's first element in it. */
    readonly rootKey: string,
    readonly rootOffset: number,
  ) {
    super();
  }
}

export class TorchTensor extends PyForeign {
  constructor(
    readonly storage: TorchStorage,
    readonly dtype: DType,
    readonly offset: number,
    readonly shape: number[],
    readonly stride: number[],
  ) {
    super();
  }
}

function ptError(source: string, message: string): Fp4Error {
  return new Fp4Error('FORMAT', `${source}: not a valid PyTorch file: ${message}`);
}

function asIndex(v: PyValue, what: string, fail: (m: string) => Fp4Error): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) throw fail(`${what} is ${typeof v === 'number' ? v : describeValue(v)}, not a non-negative integer`);
  return v;
}

function asIndexTuple(v: PyValue, what: string, fail: (m: string) => Fp4Error): number[] {
  const items = v instanceof PyTuple || v instanceof PyList ? v.items : null;
  if (!items) throw fail(`${what} is a ${describeValue(v)}, not a tuple`);
  if (items.length > 64) throw fail(`${what} has ${items.length} dimensions`);
  return items.map((d, i) => asIndex(d, `${what}[${i}]`, fail));
}

/**
 * The allow-list. Every global a state_dict pickle uses maps to a pure constructor here; any
 * other global is refused with its name, before anything could run.
 */
function torchGlobals(fileName: string, fail: (m: string) => Fp4Error, persistentLoad: (pid: PyValue) => PyValue): PickleGlobals {
  const rebuildTensor = (args: PyValue[], dtypeArg?: PyValue): TorchTensor => {
    const [storage, offset, size, stride] = args;
    if (!(storage instanceof TorchStorage)) throw fail(`a tensor is built from a ${describeValue(storage ?? null)}, not a storage`);
    const shape = asIndexTuple(size ?? null, 'a tensor shape', fail);
    const strides = asIndexTuple(stride ?? null, 'a tensor stride', fail);
    if (strides.length !== shape.length) throw fail(`a tensor has shape ${JSON.stringify(shape)} but ${strides.length} strides`);
    let dtype = storage.dtype;
    if (dtypeArg !== undefined) {
      if (!(dtypeArg instanceof PyGlobal) || dtypeArg.module !== 'torch' || !TORCH_DTYPES[dtypeArg.name]) throw fail(`a tensor has dtype ${describeValue(dtypeArg)}`);
      dtype = TORCH_DTYPES[dtypeArg.name];
    }
    return new TorchTensor(storage, dtype, asIndex(offset ?? null, 'a storage offset', fail), shape, strides);
  };
  const calls: Record<string, (args: PyValue[]) => PyValue> = {
    'torch._utils._rebuild_tensor': (a) => rebuildTensor(a),
    'torch._utils._rebuild_tensor_v2': (a) => rebuildTensor(a),
    'torch._utils._rebuild_tensor_v3': (a) => rebuildTensor(a, a[6] ?? null),
    'torch._utils._rebuild_parameter': (a) => a[0] ?? null,
    'torch._utils._rebuild_parameter_with_state': (a) => a[0] ?? null,
    'torch._tensor._rebuild_from_type_v2': (a) => {
      const [fn, , args] = a;
      if (!(fn instanceof PyGlobal) || !fn.qualifiedName.startsWith('torch._utils._rebuild_')) throw fail(`_rebuild_from_type_v2 calls ${describeValue(fn ?? null)}`);
      if (!(args instanceof PyTuple)) throw fail('_rebuild_from_type_v2 has no argument tuple');
      return call(fn, args.items);
    },
    'collections.OrderedDict': (a) => {
      const d = new PyDict();
      const items = a[0];
      if (items instanceof PyList || items instanceof PyTuple) {
        for (const pair of items.items) if (pair instanceof PyTuple && pair.items.length === 2) d.set(pair.items[0], pair.items[1], fail);
      }
      return d;
    },
    'torch.Size': (a) => (a[0] instanceof PyTuple || a[0] instanceof PyList ? new PyTuple([...a[0].items]) : new PyTuple([])),
    'torch.device': (a) => a.map((x) => String(x)).join(':'),
    '_codecs.encode': (a) => (typeof a[0] === 'string' ? Uint8Array.from(a[0], (ch) => ch.charCodeAt(0) & 0xff) : fail('_codecs.encode needs a string')),
    'builtins.set': (a) => new PyList(a[0] instanceof PyList || a[0] instanceof PyTuple ? [...a[0].items] : []),
    'builtins.frozenset': (a) => new PyList(a[0] instanceof PyList || a[0] instanceof PyTuple ? [...a[0].items] : []),
    'builtins.bytearray': (a) => (a[0] instanceof Uint8Array ? a[0] : new Uint8Array(0)),
  };
  const aliases: Record<string, string> = { '__builtin__.set': 'builtins.set', '__builtin__.frozenset': 'builtins.frozenset', '__builtin__.bytearray': 'builtins.bytearray', 'torch.nn.parameter.Parameter': 'torch._utils._rebuild_parameter' };
  function call(fn: PyGlobal, args: PyValue[]): PyValue {
    const q = aliases[fn.qualifiedName] ?? fn.qualifiedName;
    const f = calls[q];
    if (f) return f(args);
    if (OPAQUE_GLOBALS.has(q)) return new PyOpaque(q);
    throw fail(`the pickle calls ${q}, which is a type, not a function`);
  }
  return {
    resolve(module, name) {
      const q = `${module}.${name}`;
      const canonical = aliases[q] ?? q;
      if (calls[canonical] || OPAQUE_GLOBALS.has(canonical)) return new PyGlobal(module, name);
      if (module === 'torch' && (STORAGE_DTYPES[name] || TORCH_DTYPES[name] || name === 'Tensor')) return new PyGlobal(module, name);
      if (UNSUPPORTED_TENSOR_GLOBALS[q]) throw new Fp4Error('UNSUPPORTED', `${fileName} holds ${UNSUPPORTED_TENSOR_GLOBALS[q]} (${q}), which FP4 Lab cannot read yet`);
      if (module === 'torch' && /Storage$/.test(name)) throw new Fp4Error('UNSUPPORTED', `${fileName} holds a torch.${name}, whose element type FP4 Lab cannot read yet`);
      throw new Fp4Error('UNSUPPORTED', `refused to load ${fileName}: it calls ${q}, which a state_dict never needs (FP4 Lab reads PyTorch files without running any of their code)`);
    },
    call,
    build(obj, _state) {
      // State for dicts (OrderedDict._metadata), tensors (requires_grad hooks) and opaque
      // numpy values carries nothing we show; anything else has no state to take.
      if (obj instanceof PyDict || obj instanceof TorchTensor || obj instanceof PyOpaque) return obj;
      throw fail(`the pickle sets the state of a ${describeValue(obj)}`);
    },
    persistentLoad,
  };
}

/** A persistent id ('storage', type, key, location, numel[, view]) -> a storage. */
function parseStoragePid(pid: PyValue, fail: (m: string) => Fp4Error, fileName: string): { storageType: string; key: string; numel: number; view: PyValue } {
  if (!(pid instanceof PyTuple) || pid.items.length < 5) {
    if (pid instanceof PyTuple && pid.items[0] === 'module') {
      throw new Fp4Error('UNSUPPORTED', `${fileName} holds a whole nn.Module (its class and source code), not a state_dict; save model.state_dict() instead`);
    }
    throw fail(`a persistent id is a ${describeValue(pid)}, not a storage reference`);
  }
  const [kind, type, key, , numel, view] = pid.items;
  if (kind !== 'storage') throw fail(`a persistent id has kind ${JSON.stringify(describeValue(kind))}, not 'storage'`);
  if (!(type instanceof PyGlobal) || type.module !== 'torch' || !STORAGE_DTYPES[type.name]) throw fail(`a storage has type ${describeValue(type ?? null)}`);
  if (typeof key !== 'string' || key.length > 256) throw fail('a storage key is not a short string');
  return { storageType: type.name, key, numel: asIndex(numel, `storage '${key}' size`, fail), view: view ?? null };
}

export interface NamedTensor {
  readonly name: string;
  readonly tensor: TorchTensor;
}

const MAX_DEPTH = 32;
const MAX_METADATA = 1000;
/**
 * Objects visited while collecting. Shared references make the object graph a DAG whose paths
 * can grow exponentially (a list holding one list twice, 40 levels deep); real checkpoints
 * have one path per tensor, far below this.
 */
const MAX_VISITS = 1_000_000;

/**
 * Walk the unpickled object for tensors: a state_dict's keys become names; nested dicts and
 * lists (a checkpoint's 'model', 'optimizer', ...) are joined with '.'. Primitive values become
 * metadata. Shared objects keep every name they appear under; cycles are cut.
 */
export function collectTensors(root: PyValue, fail: (message: string) => Fp4Error): { tensors: NamedTensor[]; metadata: Record<string, string> } {
  const tensors: NamedTensor[] = [];
  const metadata: Record<string, string> = Object.create(null);
  let metadataCount = 0;
  const onPath = new Set<object>();
  let visits = 0;
  const visit = (v: PyValue, name: string, depth: number): void => {
    if (++visits > MAX_VISITS) throw fail(`the pickled object graph has more than ${MAX_VISITS} paths to walk (shared references nested absurdly deep)`);
    if (v instanceof TorchTensor) {
      tensors.push({ name: name || 'tensor', tensor: v });
      return;
    }
    if (v instanceof PyDict || v instanceof PyList || v instanceof PyTuple) {
      if (depth >= MAX_DEPTH || onPath.has(v)) return;
      onPath.add(v);
      const children: [string, PyValue][] =
        v instanceof PyDict ? [...v.items()].map(([k, x]) => [typeof k === 'string' || typeof k === 'number' || typeof k === 'bigint' || typeof k === 'boolean' ? String(k) : describeValue(k), x]) : v.items.map((x, i) => [String(i), x]);
      for (const [key, child] of children) visit(child, name ? `${name}.${key}` : key, depth + 1);
      onPath.delete(v);
      return;
    }
    if ((typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') && name && metadataCount < MAX_METADATA) {
      metadata[name] = String(v).slice(0, 200);
      metadataCount++;
    }
  };
  visit(root, '', 0);
  return { tensors, metadata };
}

/** How to get the bytes of a storage (by its root key). */
interface StorageData {
  /** Elements available in the stored data of the root storage. */
  elements(rootKey: string, dtype: DType): number;
  read(rootKey: string, byteOffset: number, byteLength: number): Promise<Uint8Array>;
}

/** Materialized bytes may exceed the storage only this much (broadcast views of tiny storages). */
const MAX_BROADCAST_BYTES = 1024 * 1024;

function tensorEntries(source: string, named: NamedTensor[], data: StorageData, bigEndian: boolean): TensorEntry[] {
  const seen = new Set<string>();
  return named.map(({ name, tensor: t }) => {
    if (seen.has(name)) throw ptError(source, `tensor name '${name}' appears twice`);
    seen.add(name);
    const size = itemSize(t.dtype);
    const storageItem = itemSize(t.storage.dtype);
    // Storage elements visible to this tensor, in the tensor's dtype (v3 tensors reinterpret).
    const storageBytes = Math.min(t.storage.numel * storageItem, data.elements(t.storage.rootKey, t.storage.dtype) * storageItem - t.storage.rootOffset * storageItem);
    const available = Math.floor(storageBytes / size);
    let count = 1;
    let last = 0;
    for (let i = 0; i < t.shape.length; i++) {
      count *= t.shape[i];
      last += Math.max(0, t.shape[i] - 1) * t.stride[i];
    }
    if (!Number.isSafeInteger(count * size) || !Number.isSafeInteger(t.offset + last)) throw ptError(source, `tensor '${name}' shape ${JSON.stringify(t.shape)} is absurdly large`);
    const byteLength = count * size;
    if (count > 0 && t.offset + last >= available) {
      throw ptError(source, `tensor '${name}' (shape ${JSON.stringify(t.shape)}, stride ${JSON.stringify(t.stride)}, offset ${t.offset}) reaches element ${t.offset + last} of a storage holding ${available}`);
    }
    if (byteLength > Math.max(storageBytes, MAX_BROADCAST_BYTES)) {
      throw new Fp4Error('UNSUPPORTED', `${source}: tensor '${name}' is a broadcast view of ${byteLength} bytes over a ${storageBytes}-byte storage; FP4 Lab does not expand those`);
    }
    const base = (t.storage.rootOffset * storageItem) / size + t.offset;
    const contiguous = isContiguous(t.shape, t.stride);
    return {
      name,
      dtype: t.dtype,
      shape: t.shape,
      byteLength,
      read: async () => {
        if (count === 0) return new Uint8Array(0);
        const span = contiguous ? count : last + 1;
        let bytes = await data.read(t.storage.rootKey, base * size, span * size);
        if (bigEndian && size > 1) bytes = swapByteOrder(bytes, size);
        return contiguous ? bytes : gatherStrided(bytes, size, t.shape, t.stride);
      },
    };
  });
}

/** Longest data.pkl we read into memory (real ones are kilobytes to a few megabytes). */
const MAX_PICKLE = 256 * 1024 * 1024;

export function isPytorchZip(zip: ZipArchive): boolean {
  return zip.members.some((m) => m.name === 'data.pkl' || m.name.endsWith('/data.pkl'));
}

export async function openPytorchZip(source: ByteSource, inflater?: RawInflater, zipArchive?: ZipArchive): Promise<TensorFile> {
  const zip = zipArchive ?? (await openZipArchive(source, inflater));
  const fail = (m: string): Fp4Error => ptError(source.name, m);
  const pkl = zip.members.filter((m) => m.name.endsWith('/data.pkl') && m.name.split('/').length === 2).concat(zip.members.filter((m) => m.name === 'data.pkl'))[0];
  if (!pkl) throw fail('the archive has no data.pkl');
  const prefix = pkl.name.slice(0, -'data.pkl'.length);
  if (pkl.size > MAX_PICKLE) throw new Fp4Error('TOO_LARGE', `${source.name}: data.pkl has ${pkl.size} bytes, more than the ${MAX_PICKLE}-byte limit`);
  if (zip.members.some((m) => m.name.startsWith(`${prefix}code/`))) {
    throw new Fp4Error('UNSUPPORTED', `${source.name} is a TorchScript archive (torch.jit.save); save a state_dict with torch.save(model.state_dict()) instead`);
  }
  const byteorderMember = zip.find(`${prefix}byteorder`);
  const byteorder = byteorderMember && byteorderMember.size < 16 ? new TextDecoder().decode(await zip.read(byteorderMember)).trim() : 'little';
  if (byteorder !== 'little' && byteorder !== 'big') throw fail(`byteorder is '${byteorder}'`);

  const storages = new Map<string, TorchStorage>();
  const globals = torchGlobals(source.name, fail, (pid) => {
    const { storageType, key, numel } = parseStoragePid(pid, fail, source.name);
    const existing = storages.get(key);
    if (existing && existing.dtype === STORAGE_DTYPES[storageType]) return existing;
    const storage = new TorchStorage(key, STORAGE_DTYPES[storageType], numel, key, 0);
    storages.set(key, storage);
    return storage;
  });
  const { value } = unpickle(await zip.read(pkl), 0, { globals, fail, complete: true });
  const { tensors, metadata } = collectTensors(value, fail);

  const members = new Map<string, ZipMember>();
  for (const s of storages.values()) {
    const member = zip.find(`${prefix}data/${s.key}`);
    if (!member) throw fail(`storage '${s.key}' has no member ${prefix}data/${s.key}`);
    if (s.numel * itemSize(s.dtype) > member.size) throw fail(`storage '${s.key}' holds ${s.numel} ${s.dtype} elements but its member has only ${member.size} bytes`);
    members.set(s.key, member);
  }
  const data: StorageData = {
    elements: (key, dtype) => Math.floor(members.get(key)!.size / itemSize(dtype)),
    read: async (key, offset, length) => {
      const m = members.get(key)!;
      return m.method === 0 ? zip.readRange(m, offset, length) : (await zip.read(m)).subarray(offset, offset + length);
    },
  };
  return { format: 'pytorch', name: source.name, tensors: tensorEntries(source.name, tensors, data, byteorder === 'big'), metadata };
}

/** The legacy format's first pickle: LONG1 0x1950a86a20f9469cfc6c. */
const LEGACY_MAGIC = [0x80, 0x02, 0x8a, 0x0a, 0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19];

export function isLegacyPytorchMagic(head: Uint8Array): boolean {
  return head.length >= LEGACY_MAGIC.length && LEGACY_MAGIC.every((b, i) => head[i] === b);
}

/** The pickles come first; read a growing prefix until they fit (bounded by MAX_PICKLE). */
async function readLegacyPickles(source: ByteSource, run: (bytes: Uint8Array, complete: boolean) => number): Promise<number> {
  for (let length = Math.min(source.size, 1 << 20); ; length = Math.min(source.size, length * 8, MAX_PICKLE)) {
    const bytes = await source.read(0, length);
    try {
      return run(bytes, length === source.size);
    } catch (e) {
      if (!(e instanceof PickleNeedsMoreBytes)) throw e;
      if (length >= MAX_PICKLE) throw new Fp4Error('TOO_LARGE', `${source.name}: the pickled object is larger than the ${MAX_PICKLE}-byte limit`);
    }
  }
}

export async function openPytorchLegacy(source: ByteSource): Promise<TensorFile> {
  const fail = (m: string): Fp4Error => ptError(source.name, m);
  const roots = new Map<string, { dtype: DType; numel: number }>();
  const globals = torchGlobals(source.name, fail, (pid) => {
    const { storageType, key, numel, view } = parseStoragePid(pid, fail, source.name);
    const dtype = STORAGE_DTYPES[storageType];
    const root = roots.get(key);
    if (root && (root.dtype !== dtype || root.numel !== numel)) throw fail(`storage '${key}' is declared twice with different types or sizes`);
    roots.set(key, { dtype, numel });
    if (view === null) return new TorchStorage(key, dtype, numel, key, 0);
    if (!(view instanceof PyTuple) || view.items.length !== 3) throw fail(`storage '${key}' has an invalid view ${describeValue(view)}`);
    const [viewKey, offset, viewSize] = view.items;
    const storage = new TorchStorage(String(viewKey), dtype, asIndex(viewSize, 'a storage view size', fail), key, asIndex(offset, 'a storage view offset', fail));
    if (storage.rootOffset + storage.numel > numel) throw fail(`storage view '${storage.key}' lies outside storage '${key}'`);
    return storage;
  });
  let object = null as PyValue;
  let keys = null as PyValue;
  const end = await readLegacyPickles(source, (bytes, complete) => {
    roots.clear();
    let pos = 0;
    const next = (): PyValue => {
      const r = unpickle(bytes, pos, { globals, fail, complete });
      pos = r.end;
      return r.value;
    };
    const magic = next();
    if (magic !== 0x1950a86a20f9469cfc6cn) throw fail('the magic number is wrong');
    const protocol = next();
    if (protocol !== 1001) throw fail(`protocol version ${String(protocol)} is not 1001`);
    const sysInfo = next();
    if (sysInfo instanceof PyDict && sysInfo.get('little_endian') === false) {
      throw new Fp4Error('UNSUPPORTED', `${source.name} was saved on a big-endian machine in the legacy format; re-save it with a newer torch`);
    }
    object = next();
    keys = next();
    return pos;
  });
  if (!(keys instanceof PyList)) throw fail('the storage key list is missing');
  // Storage records follow the key list in its order: an 8-byte element count, then the bytes.
  const located = new Map<string, { offset: number; numel: number }>();
  let pos = end;
  for (const key of keys.items) {
    if (typeof key !== 'string' || !roots.has(key)) throw fail(`the storage key list names ${JSON.stringify(describeValue(key))}, which no tensor uses`);
    const { dtype, numel } = roots.get(key)!;
    if (pos + 8 > source.size) throw fail(`storage '${key}' starts at ${pos}, past the end of the ${source.size}-byte file (truncated?)`);
    const count = readU64(await source.read(pos, 8), 0);
    if (count !== numel) throw fail(`storage '${key}' records ${count} elements but the pickle declares ${numel}`);
    const bytes = numel * itemSize(dtype);
    if (pos + 8 + bytes > source.size) throw fail(`storage '${key}' (${bytes} bytes at ${pos + 8}) runs past the end of the ${source.size}-byte file (truncated?)`);
    located.set(key, { offset: pos + 8, numel });
    pos += 8 + bytes;
  }
  for (const key of roots.keys()) if (!located.has(key)) throw fail(`storage '${key}' is used by a tensor but not stored`);
  const { tensors, metadata } = collectTensors(object, fail);
  const data: StorageData = {
    elements: (key) => located.get(key)!.numel,
    read: (key, offset, length) => source.read(located.get(key)!.offset + offset, length),
  };
  return { format: 'pytorch', name: source.name, tensors: tensorEntries(source.name, tensors, data, false), metadata };
}
