import type { Fp4Error } from '../errors';

/**
 * A restricted pickle reader with its own Python-object model. Pickles are programs for a stack
 * machine whose GLOBAL/REDUCE opcodes can call any Python function; this reader runs the stack
 * machine but resolves every global through the caller's allow-list, and an allowed global is a
 * pure TypeScript constructor of a plain value. Nothing in the file is ever executed.
 */

/** A Python value as the reader models it. */
export type PyValue = null | boolean | number | bigint | string | Uint8Array | PyTuple | PyList | PyDict | PyGlobal | PyOpaque | PyForeign;

export class PyTuple {
  constructor(readonly items: PyValue[]) {}
}

/** A list (or a set: order kept, duplicates not merged; state_dicts never need set semantics). */
export class PyList {
  constructor(readonly items: PyValue[]) {}
}

/** A dict (or OrderedDict) with primitive keys, in insertion order. */
export class PyDict {
  private readonly entries = new Map<string, [PyValue, PyValue]>();

  set(key: PyValue, value: PyValue, fail: (message: string) => Fp4Error): void {
    this.entries.set(dictKeyId(key, fail), [key, value]);
  }

  get(key: string): PyValue | undefined {
    return this.entries.get(dictKeyId(key, () => undefined as never))?.[1];
  }

  items(): IterableIterator<[PyValue, PyValue]> {
    return this.entries.values();
  }

  get size(): number {
    return this.entries.size;
  }
}

/** A reference to an allowed global (a class or function the caller knows how to model). */
export class PyGlobal {
  constructor(
    readonly module: string,
    readonly name: string,
  ) {}

  get qualifiedName(): string {
    return `${this.module}.${this.name}`;
  }
}

/** A value we accept but do not model (a numpy scalar in a checkpoint's metadata). */
export class PyOpaque {
  constructor(readonly description: string) {}
}

/** Values defined by the caller's globals (tensors, storages). */
export abstract class PyForeign {}

/** Tuple keys nest at most this deep (a hostile pickle could nest them without end). */
const MAX_KEY_DEPTH = 8;

function dictKeyId(key: PyValue, fail: (message: string) => Fp4Error, depth = 0): string {
  if (typeof key === 'string') return `s${key}`;
  if (typeof key === 'number' || typeof key === 'bigint') return `n${String(key)}`;
  if (typeof key === 'boolean') return `n${key ? 1 : 0}`;
  if (key === null) return 'None';
  if (key instanceof PyTuple) {
    if (depth >= MAX_KEY_DEPTH || key.items.length > 64) throw fail('a dict key is a tuple nested too deep or too long');
    return `t(${key.items.map((k) => dictKeyId(k, fail, depth + 1)).join(',')})`;
  }
  if (key instanceof PyGlobal) return `g${key.qualifiedName}`;
  throw fail(`a dict key of an unsupported type (${describeValue(key)})`);
}

export function describeValue(v: PyValue): string {
  if (v === null) return 'None';
  if (v instanceof PyTuple) return 'tuple';
  if (v instanceof PyList) return 'list';
  if (v instanceof PyDict) return 'dict';
  if (v instanceof PyGlobal) return v.qualifiedName;
  if (v instanceof PyOpaque) return v.description;
  if (v instanceof Uint8Array) return 'bytes';
  if (v instanceof PyForeign) return v.constructor.name;
  return typeof v;
}

/** How the caller models globals: what each allowed name does when called, and refusals. */
export interface PickleGlobals {
  /** The global for module.name, or a thrown refusal (an Fp4Error naming it). */
  resolve(module: string, name: string): PyGlobal;
  /** fn(*args) for an allowed global; throws for globals that cannot be called. */
  call(fn: PyGlobal, args: PyValue[]): PyValue;
  /** obj.__setstate__(state) (BUILD); returns the object to leave on the stack. */
  build(obj: PyValue, state: PyValue): PyValue;
  /** PyTorch's storage references. */
  persistentLoad(pid: PyValue): PyValue;
}

/** Thrown when the bytes end before STOP but the caller said more may follow. */
export class PickleNeedsMoreBytes extends Error {}

export interface UnpickleOptions {
  globals: PickleGlobals;
  /** Turns a sentence into the caller's FORMAT error (naming the file). */
  fail: (message: string) => Fp4Error;
  /** True when `bytes` ends where the data ends; false if more bytes could be read. */
  complete: boolean;
}

const MAX_LONG_BYTES = 64 * 1024;

/** Run one pickle starting at `start`; returns its value and the offset after STOP. */
export function unpickle(bytes: Uint8Array, start: number, options: UnpickleOptions): { value: PyValue; end: number } {
  const { globals, fail, complete } = options;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const utf8 = new TextDecoder('utf-8');
  let pos = start;
  let stack: PyValue[] = [];
  const metastack: PyValue[][] = [];
  const memo = new Map<number, PyValue>();

  const need = (n: number, what: string): void => {
    if (!Number.isSafeInteger(n) || n < 0) throw fail(`pickle ${what} has an invalid length ${n}`);
    if (pos + n > bytes.length) {
      if (!complete) throw new PickleNeedsMoreBytes();
      throw fail(`pickle ${what} at byte ${pos} needs ${n} bytes but the data ends at ${bytes.length} (truncated?)`);
    }
  };
  const take = (n: number, what: string): Uint8Array => {
    need(n, what);
    const out = bytes.subarray(pos, pos + n);
    pos += n;
    return out;
  };
  const line = (what: string): string => {
    const end = bytes.indexOf(0x0a, pos);
    if (end < 0) {
      if (!complete) throw new PickleNeedsMoreBytes();
      throw fail(`pickle ${what} at byte ${pos} has no end of line`);
    }
    const text = utf8.decode(bytes.subarray(pos, end));
    pos = end + 1;
    return text;
  };
  const u8 = (): number => take(1, 'argument')[0];
  const u16 = (): number => {
    need(2, 'argument');
    pos += 2;
    return view.getUint16(pos - 2, true);
  };
  const u32 = (): number => {
    need(4, 'argument');
    pos += 4;
    return view.getUint32(pos - 4, true);
  };
  const i32 = (): number => {
    need(4, 'argument');
    pos += 4;
    return view.getInt32(pos - 4, true);
  };
  const u64 = (what: string): number => {
    need(8, what);
    const lo = view.getUint32(pos, true);
    const hi = view.getUint32(pos + 4, true);
    pos += 8;
    // Larger than any byte count we could hold; `need` will reject it.
    return hi > 0x1fffff ? -1 : hi * 4294967296 + lo;
  };
  const pop = (): PyValue => {
    if (stack.length === 0) throw fail(`pickle stack underflow at byte ${pos - 1}`);
    return stack.pop()!;
  };
  const top = (): PyValue => {
    if (stack.length === 0) throw fail(`pickle stack underflow at byte ${pos - 1}`);
    return stack[stack.length - 1];
  };
  const popMark = (): PyValue[] => {
    const items = stack;
    const previous = metastack.pop();
    if (previous === undefined) throw fail(`pickle has no MARK to pop at byte ${pos - 1}`);
    stack = previous;
    return items;
  };
  const memoGet = (index: number): PyValue => {
    if (!memo.has(index)) throw fail(`pickle memo has no entry ${index}`);
    return memo.get(index)!;
  };
  const setItems = (target: PyValue, items: PyValue[]): void => {
    if (!(target instanceof PyDict)) throw fail(`pickle sets items on a ${describeValue(target)}, not a dict`);
    if (items.length % 2 !== 0) throw fail('pickle SETITEMS has an odd number of items');
    for (let i = 0; i < items.length; i += 2) target.set(items[i], items[i + 1], fail);
  };
  const appendItems = (target: PyValue, items: PyValue[]): void => {
    if (!(target instanceof PyList)) throw fail(`pickle appends to a ${describeValue(target)}, not a list`);
    for (const item of items) target.items.push(item);
  };
  const long = (le: Uint8Array): number | bigint => {
    if (le.length === 0) return 0;
    if (le.length > MAX_LONG_BYTES) throw fail(`pickle integer of ${le.length} bytes is absurdly long`);
    let hex = '';
    for (let i = le.length - 1; i >= 0; i--) hex += le[i].toString(16).padStart(2, '0');
    let v = BigInt(`0x${hex}`);
    if (le[le.length - 1] & 0x80) v -= 1n << BigInt(8 * le.length);
    return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
  };
  const parseIntText = (text: string, what: string): number | bigint => {
    const t = text.trim().replace(/L$/, '');
    if (!/^[-+]?[0-9]+$/.test(t) || t.length > 4096) throw fail(`pickle ${what} '${text.slice(0, 40)}' is not an integer`);
    const v = BigInt(t);
    return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
  };
  const callGlobal = (fn: PyValue, args: PyValue): PyValue => {
    if (!(fn instanceof PyGlobal)) throw fail(`pickle calls a ${describeValue(fn)}, which is not callable`);
    if (!(args instanceof PyTuple)) throw fail(`pickle calls ${fn.qualifiedName} with ${describeValue(args)} arguments instead of a tuple`);
    return globals.call(fn, args.items);
  };

  for (;;) {
    need(1, 'opcode');
    const opAt = pos;
    const op = bytes[pos++];
    switch (op) {
      case 0x80: // PROTO
        if (u8() > 5) throw fail(`pickle protocol ${bytes[pos - 1]} is newer than 5`);
        break;
      case 0x95: // FRAME: only a hint for buffering
        u64('frame length');
        break;
      case 0x2e: // STOP
        if (stack.length !== 1 || metastack.length !== 0) throw fail(`pickle stopped with ${stack.length} values on the stack`);
        return { value: stack[0], end: pos };
      case 0x28: // MARK
        metastack.push(stack);
        stack = [];
        break;
      case 0x30: // POP
        if (stack.length === 0) popMark();
        else stack.pop();
        break;
      case 0x31: // POP_MARK
        popMark();
        break;
      case 0x32: // DUP
        stack.push(top());
        break;
      case 0x4e: // NONE
        stack.push(null);
        break;
      case 0x88: // NEWTRUE
        stack.push(true);
        break;
      case 0x89: // NEWFALSE
        stack.push(false);
        break;
      case 0x4a: // BININT
        stack.push(i32());
        break;
      case 0x4b: // BININT1
        stack.push(u8());
        break;
      case 0x4d: // BININT2
        stack.push(u16());
        break;
      case 0x49: {
        // INT (text); "I01"/"I00" are protocol 0's True/False
        const text = line('INT');
        stack.push(text === '01' ? true : text === '00' ? false : parseIntText(text, 'INT'));
        break;
      }
      case 0x4c: // LONG (text)
        stack.push(parseIntText(line('LONG'), 'LONG'));
        break;
      case 0x8a: // LONG1
        stack.push(long(take(u8(), 'LONG1')));
        break;
      case 0x8b: {
        // LONG4
        const n = i32();
        if (n < 0) throw fail('pickle LONG4 has a negative length');
        stack.push(long(take(n, 'LONG4')));
        break;
      }
      case 0x46: {
        // FLOAT (text)
        const text = line('FLOAT').trim();
        const v = Number(text);
        if (Number.isNaN(v) && !/^[-+]?nan$/i.test(text)) throw fail(`pickle FLOAT '${text.slice(0, 40)}' is not a number`);
        stack.push(v);
        break;
      }
      case 0x47: // BINFLOAT (big endian)
        need(8, 'BINFLOAT');
        stack.push(view.getFloat64(pos, false));
        pos += 8;
        break;
      case 0x58: // BINUNICODE
        stack.push(utf8.decode(take(u32(), 'BINUNICODE')));
        break;
      case 0x8c: // SHORT_BINUNICODE
        stack.push(utf8.decode(take(u8(), 'SHORT_BINUNICODE')));
        break;
      case 0x8d: // BINUNICODE8
        stack.push(utf8.decode(take(u64('BINUNICODE8 length'), 'BINUNICODE8')));
        break;
      case 0x56: // UNICODE (raw-unicode-escape text)
        stack.push(line('UNICODE'));
        break;
      case 0x54: {
        // BINSTRING (Python 2 str; torch decodes it as UTF-8)
        const n = i32();
        if (n < 0) throw fail('pickle BINSTRING has a negative length');
        stack.push(utf8.decode(take(n, 'BINSTRING')));
        break;
      }
      case 0x55: // SHORT_BINSTRING
        stack.push(utf8.decode(take(u8(), 'SHORT_BINSTRING')));
        break;
      case 0x53: {
        // STRING (a quoted repr)
        const text = line('STRING').trim();
        const quote = text[0];
        if (text.length < 2 || (quote !== "'" && quote !== '"') || text[text.length - 1] !== quote) throw fail('pickle STRING is not quoted');
        stack.push(text.slice(1, -1));
        break;
      }
      case 0x42: // BINBYTES
        stack.push(take(u32(), 'BINBYTES'));
        break;
      case 0x43: // SHORT_BINBYTES
        stack.push(take(u8(), 'SHORT_BINBYTES'));
        break;
      case 0x8e: // BINBYTES8
      case 0x96: // BYTEARRAY8
        stack.push(take(u64('BINBYTES8 length'), 'BINBYTES8'));
        break;
      case 0x29: // EMPTY_TUPLE
        stack.push(new PyTuple([]));
        break;
      case 0x85: // TUPLE1
        stack.push(new PyTuple([pop()]));
        break;
      case 0x86: {
        // TUPLE2
        const b = pop();
        stack.push(new PyTuple([pop(), b]));
        break;
      }
      case 0x87: {
        // TUPLE3
        const c = pop();
        const b = pop();
        stack.push(new PyTuple([pop(), b, c]));
        break;
      }
      case 0x74: {
        // TUPLE (popMark replaces `stack`, so pop before pushing)
        const items = popMark();
        stack.push(new PyTuple(items));
        break;
      }
      case 0x5d: // EMPTY_LIST
        stack.push(new PyList([]));
        break;
      case 0x6c: {
        // LIST
        const items = popMark();
        stack.push(new PyList(items));
        break;
      }
      case 0x61: {
        // APPEND
        const item = pop();
        appendItems(top(), [item]);
        break;
      }
      case 0x65: {
        // APPENDS
        const items = popMark();
        appendItems(top(), items);
        break;
      }
      case 0x7d: // EMPTY_DICT
        stack.push(new PyDict());
        break;
      case 0x64: {
        // DICT
        const d = new PyDict();
        setItems(d, popMark());
        stack.push(d);
        break;
      }
      case 0x73: {
        // SETITEM
        const value = pop();
        const key = pop();
        setItems(top(), [key, value]);
        break;
      }
      case 0x75: {
        // SETITEMS
        const items = popMark();
        setItems(top(), items);
        break;
      }
      case 0x8f: // EMPTY_SET
        stack.push(new PyList([]));
        break;
      case 0x90: {
        // ADDITEMS
        const items = popMark();
        appendItems(top(), items);
        break;
      }
      case 0x91: {
        // FROZENSET
        const items = popMark();
        stack.push(new PyList(items));
        break;
      }
      case 0x70: // PUT
        memo.set(Number(parseIntText(line('PUT'), 'PUT')), top());
        break;
      case 0x71: // BINPUT
        memo.set(u8(), top());
        break;
      case 0x72: // LONG_BINPUT
        memo.set(u32(), top());
        break;
      case 0x94: // MEMOIZE
        memo.set(memo.size, top());
        break;
      case 0x67: // GET
        stack.push(memoGet(Number(parseIntText(line('GET'), 'GET'))));
        break;
      case 0x68: // BINGET
        stack.push(memoGet(u8()));
        break;
      case 0x6a: // LONG_BINGET
        stack.push(memoGet(u32()));
        break;
      case 0x63: {
        // GLOBAL "module\nname\n"
        const module = line('GLOBAL module');
        const name = line('GLOBAL name');
        stack.push(globals.resolve(module, name));
        break;
      }
      case 0x93: {
        // STACK_GLOBAL
        const name = pop();
        const module = pop();
        if (typeof module !== 'string' || typeof name !== 'string') throw fail('pickle STACK_GLOBAL needs two strings');
        stack.push(globals.resolve(module, name));
        break;
      }
      case 0x52: {
        // REDUCE: callable(*args)
        const args = pop();
        const fn = pop();
        stack.push(callGlobal(fn, args));
        break;
      }
      case 0x81: {
        // NEWOBJ: cls.__new__(cls, *args), modelled as cls(*args)
        const args = pop();
        const cls = pop();
        stack.push(callGlobal(cls, args));
        break;
      }
      case 0x92: {
        // NEWOBJ_EX
        const kwargs = pop();
        const args = pop();
        const cls = pop();
        if (!(kwargs instanceof PyDict) || kwargs.size > 0) throw fail('pickle NEWOBJ_EX with keyword arguments is not supported');
        stack.push(callGlobal(cls, args));
        break;
      }
      case 0x6f: {
        // OBJ: MARK cls args...
        const items = popMark();
        if (items.length === 0) throw fail('pickle OBJ without a class');
        stack.push(callGlobal(items[0], new PyTuple(items.slice(1))));
        break;
      }
      case 0x69: {
        // INST "module\nname\n" with MARK args
        const module = line('INST module');
        const name = line('INST name');
        const cls = globals.resolve(module, name);
        const args = new PyTuple(popMark());
        stack.push(callGlobal(cls, args));
        break;
      }
      case 0x62: {
        // BUILD
        const state = pop();
        const obj = pop();
        stack.push(globals.build(obj, state));
        break;
      }
      case 0x50: // PERSID (text)
        stack.push(globals.persistentLoad(line('PERSID')));
        break;
      case 0x51: // BINPERSID
        stack.push(globals.persistentLoad(pop()));
        break;
      case 0x82: // EXT1
      case 0x83: // EXT2
      case 0x84: // EXT4
        throw fail(`pickle uses the copyreg extension registry (opcode 0x${op.toString(16)} at byte ${opAt}), which a state_dict never needs`);
      case 0x97: // NEXT_BUFFER
      case 0x98: // READONLY_BUFFER
        throw fail('pickle uses out-of-band buffers (protocol 5), which a saved file cannot hold');
      default:
        throw fail(`pickle has an unknown opcode 0x${op.toString(16).padStart(2, '0')} at byte ${opAt}`);
    }
  }
}

