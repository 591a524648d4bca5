import { describe, expect, it } from 'vitest';
import { memoryByteSource } from '../../app/tensors/byteSource';
import { decodeToFloat32 } from '../../app/tensors/decode';
import { openTensorFile } from '../../app/tensors/openTensorFile';
import { PyDict, unpickle, type PickleGlobals } from '../../app/tensors/pickle';
import { Fp4Error } from '../../app/errors';
import { buildTorchZip, f32Bytes, PickleWriter } from './tensorsBuilders';

/**
 * The PyTorch reader on checkpoints built opcode by opcode: what torch.save writes for the
 * layouts the corpus lacks, and what an attacker might write instead.
 */
const open = (bytes: Uint8Array, name = 'model.pt') => openTensorFile(memoryByteSource(bytes, name));
const floats = async (f: Awaited<ReturnType<typeof open>>, name: string): Promise<number[]> => {
  const t = f.tensors.find((e) => e.name === name)!;
  return [...decodeToFloat32(await t.read(), t.dtype)];
};
const iota = (n: number): number[] => Array.from({ length: n }, (_, i) => i);

/** {name: tensor} state dict over one F32 storage '0' holding 0..n-1. */
function stateDict(n: number, tensors: [string, number, number[], number[]][]): Uint8Array {
  const w = new PickleWriter().emptyDict().mark();
  for (const [name, offset, shape, stride] of tensors) w.str(name).tensorV2('FloatStorage', '0', n, offset, shape, stride);
  return buildTorchZip(w.setItems().stop(), { '0': f32Bytes(iota(n)) });
}

describe('PyTorch zip checkpoints', () => {
  it('materializes strided views (permuted 3-D, column slice, offset) as C-order bytes', async () => {
    const f = await open(
      stateDict(24, [
        ['contiguous', 0, [2, 3, 4], [12, 4, 1]],
        ['permuted', 0, [4, 2, 3], [1, 12, 4]], // x.permute(2, 0, 1)
        ['column', 1, [6], [4]], // x.view(6, 4)[:, 1]
        ['block', 5, [2, 2], [4, 1]], // x.view(6, 4)[1:3, 1:3]
      ]),
    );
    expect(await floats(f, 'contiguous')).toEqual(iota(24));
    const permuted: number[] = [];
    for (let k = 0; k < 4; k++) for (let i = 0; i < 2; i++) for (let j = 0; j < 3; j++) permuted.push(i * 12 + j * 4 + k);
    expect(await floats(f, 'permuted')).toEqual(permuted);
    expect(await floats(f, 'column')).toEqual([1, 5, 9, 13, 17, 21]);
    expect(await floats(f, 'block')).toEqual([5, 6, 9, 10]);
  });

  it('reads big-endian archives (byteorder "big") as little-endian values', async () => {
    const be = f32Bytes([1.5, -2, 3.25]);
    for (let i = 0; i < be.length; i += 4) be.subarray(i, i + 4).reverse();
    const pkl = new PickleWriter().emptyDict().mark().str('w').tensorV2('FloatStorage', '0', 3, 0, [3], [1]).setItems().stop();
    const f = await open(buildTorchZip(pkl, { '0': be }, { byteorder: 'big' }));
    expect(await floats(f, 'w')).toEqual([1.5, -2, 3.25]);
  });

  it('flattens nested checkpoints and keeps primitive values as metadata', async () => {
    const w = new PickleWriter().emptyDict().mark();
    w.str('model').emptyDict().mark().str('fc.weight').tensorV2('HalfStorage', '0', 4, 0, [2, 2], [2, 1]).setItems();
    w.str('epoch').int(7).str('best').float(0.25).str('layers').emptyList().mark().str('a').str('b').appends();
    const f = await open(buildTorchZip(w.setItems().stop(), { '0': new Uint8Array(Uint16Array.of(0x3c00, 0x4000, 0xc000, 0).buffer) }));
    expect(f.tensors.map((t) => [t.name, t.dtype, t.shape])).toEqual([['model.fc.weight', 'F16', [2, 2]]]);
    expect(await floats(f, 'model.fc.weight')).toEqual([1, 2, -2, 0]);
    expect({ ...f.metadata }).toEqual({ epoch: '7', best: '0.25', 'layers.0': 'a', 'layers.1': 'b' });
  });

  it('accepts OrderedDict state (BUILD of _metadata), _rebuild_parameter and _rebuild_tensor_v3', async () => {
    const w = new PickleWriter().global('collections', 'OrderedDict').emptyTuple().reduce().mark();
    w.str('p').global('torch._utils', '_rebuild_parameter').mark().tensorV2('BFloat16Storage', 'a', 2, 0, [2], [1]).bool(true).global('collections', 'OrderedDict').emptyTuple().reduce().tuple().reduce();
    // v3: an untyped (byte) storage reinterpreted through an explicit dtype.
    w.str('v3').global('torch._utils', '_rebuild_tensor_v3').mark();
    w.mark().str('storage').global('torch', 'UntypedStorage').str('b').str('cpu').int(8).tuple().binPersId();
    w.int(0).intTuple([2]).intTuple([1]).bool(false).global('collections', 'OrderedDict').emptyTuple().reduce().global('torch', 'float32').tuple().reduce();
    w.setItems().emptyDict().mark().str('_metadata').emptyDict().setItems().build();
    const f = await open(buildTorchZip(w.stop(), { a: new Uint8Array(Uint16Array.of(0x3f80, 0xc000).buffer), b: f32Bytes([4, 5]) }));
    expect(await floats(f, 'p')).toEqual([1, -2]);
    expect(f.tensors.find((t) => t.name === 'v3')).toMatchObject({ dtype: 'F32', shape: [2] });
    expect(await floats(f, 'v3')).toEqual([4, 5]);
  });

  it.each([
    ['builtins', 'eval', 'builtins.eval'],
    ['os', 'system', 'os.system'],
    ['__main__', 'MyModel', '__main__.MyModel'],
    ['builtins', 'getattr', 'builtins.getattr'],
    ['subprocess', 'Popen', 'subprocess.Popen'],
  ])('refuses %s.%s, naming it', async (module, name, qualified) => {
    const pkl = new PickleWriter().global(module, name).mark().str('x').tuple().reduce().stop();
    await expect(open(buildTorchZip(pkl, {}), 'evil.pt')).rejects.toMatchObject({
      code: 'UNSUPPORTED',
      message: `refused to load evil.pt: it calls ${qualified}, which a state_dict never needs (FP4 Lab reads PyTorch files without running any of their code)`,
    });
  });

  it('refuses STACK_GLOBAL and INST routes to a global too', async () => {
    const stackGlobal = new PickleWriter().str('os').str('system').raw(0x93).mark().str('id').tuple().reduce().stop();
    await expect(open(buildTorchZip(stackGlobal, {}), 'evil.pt')).rejects.toThrow('it calls os.system');
    const inst = new PickleWriter().mark().str('id').raw(0x69, ...new TextEncoder().encode('os\nsystem\n')).stop();
    await expect(open(buildTorchZip(inst, {}), 'evil.pt')).rejects.toThrow('it calls os.system');
    const ext = new PickleWriter().raw(0x82, 1).stop();
    await expect(open(buildTorchZip(ext, {}), 'evil.pt')).rejects.toThrow(/copyreg extension registry/);
  });

  it('gives clear errors for views outside their storage, missing storages and unsupported tensors', async () => {
    await expect(open(stateDict(4, [['w', 2, [2, 2], [2, 1]]]))).rejects.toThrow(
      "model.pt: not a valid PyTorch file: tensor 'w' (shape [2,2], stride [2,1], offset 2) reaches element 5 of a storage holding 4",
    );
    const pkl = new PickleWriter().emptyDict().mark().str('w').tensorV2('FloatStorage', '9', 4, 0, [4], [1]).setItems().stop();
    await expect(open(buildTorchZip(pkl, {}))).rejects.toThrow("storage '9' has no member archive/data/9");
    await expect(open(buildTorchZip(pkl, { '9': new Uint8Array(8) }))).rejects.toThrow("storage '9' holds 4 F32 elements but its member has only 8 bytes");
    const q = new PickleWriter().global('torch._utils', '_rebuild_qtensor').stop();
    await expect(open(buildTorchZip(q, {}))).rejects.toThrow('model.pt holds a quantized (torch.quint8/qint8) tensor (torch._utils._rebuild_qtensor), which FP4 Lab cannot read yet');
  });

  it('refuses a broadcast view that would expand a tiny storage without bound', async () => {
    await expect(open(stateDict(1, [['w', 0, [1 << 20, 1 << 10], [0, 0]]]))).rejects.toMatchObject({ code: 'UNSUPPORTED', message: expect.stringContaining('broadcast view') });
    // A small one (HF position_ids-style expand) is fine.
    const f = await open(stateDict(3, [['ids', 0, [2, 3], [0, 1]]]));
    expect(await floats(f, 'ids')).toEqual([0, 1, 2, 0, 1, 2]);
  });
});

describe('the restricted unpickler', () => {
  const fail = (m: string): Fp4Error => new Fp4Error('FORMAT', m);
  const globals: PickleGlobals = {
    resolve: (m, n) => {
      throw new Fp4Error('UNSUPPORTED', `no ${m}.${n}`);
    },
    call: () => null,
    build: (o) => o,
    persistentLoad: () => null,
  };
  const run = (bytes: Uint8Array) => unpickle(bytes, 0, { globals, fail, complete: true }).value;

  it('survives cycles and deep nesting without recursion', () => {
    // l = []; l.append(l)
    const cyclic = new PickleWriter().emptyList().put(0).get(0).raw(0x61).stop();
    expect(() => run(cyclic)).not.toThrow();
    const deep = new PickleWriter();
    for (let i = 0; i < 100_000; i++) deep.emptyList();
    for (let i = 0; i < 99_999; i++) deep.raw(0x61);
    expect(() => run(deep.stop())).not.toThrow();
  });

  it('reads protocol 0-4 primitives', () => {
    const v = run(new PickleWriter().emptyDict().mark().str('i').raw(0x49, ...new TextEncoder().encode('-12\n')).str('l').raw(0x8a, 9, 0, 0, 0, 0, 0, 0, 0, 0, 1).str('t').raw(0x49, ...new TextEncoder().encode('01\n')).setItems().stop());
    expect(v).toBeInstanceOf(PyDict);
    const d = v as PyDict;
    expect(d.get('i')).toBe(-12);
    expect(d.get('l')).toBe(2n ** 64n);
    expect(d.get('t')).toBe(true);
  });

  it('rejects truncation, unknown opcodes and memo misses with FORMAT errors', () => {
    expect(() => run(Uint8Array.of(0x80, 2, 0x58, 0xff, 0xff, 0xff, 0x7f))).toThrow(/needs 2147483647 bytes/);
    expect(() => run(Uint8Array.of(0x80, 2, 0xff))).toThrow(/unknown opcode 0xff/);
    expect(() => run(Uint8Array.of(0x80, 2, 0x68, 3, 0x2e))).toThrow(/memo has no entry 3/);
    expect(() => run(Uint8Array.of(0x80, 2, 0x52, 0x2e))).toThrow(/stack underflow/);
  });
});

describe('hostile object graphs', () => {
  it('stops walking a DAG of shared references whose paths grow exponentially', async () => {
    // l0 = [t, t]; l1 = [l0, l0]; ... l40 = [l39, l39]: 2^40 paths to one tensor.
    const w = new PickleWriter().emptyList().mark().tensorV2('FloatStorage', '0', 1, 0, [1], [1]).put(0).get(0).appends().put(1).raw(0x30);
    for (let i = 1; i <= 40; i++) w.emptyList().mark().get(i).get(i).appends().put(i + 1).raw(0x30);
    w.get(41);
    const started = performance.now();
    await expect(openTensorFile(memoryByteSource(buildTorchZip(w.stop(), { '0': f32Bytes([1]) }), 'dag.pt'))).rejects.toThrow(/more than 1000000 paths to walk/);
    expect(performance.now() - started).toBeLessThan(10_000);
  });

  it('refuses dict keys nested without end instead of overflowing the stack', async () => {
    const w = new PickleWriter().emptyDict().none();
    for (let i = 0; i < 100_000; i++) w.raw(0x85); // TUPLE1
    w.none().raw(0x73); // SETITEM
    await expect(openTensorFile(memoryByteSource(buildTorchZip(w.stop(), {}), 'keys.pt'))).rejects.toMatchObject({ code: 'FORMAT', message: expect.stringContaining('nested too deep') });
  });
});
