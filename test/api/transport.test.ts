import { describe, expect, it } from 'vitest';
import { ApiCallError, apiFailure, containsBlobs, decodeFrame, decodeWireJson, encodeFrame, encodeWireJson, toApiError, unwrapResult } from '../../app/api/transport';
import { Fp4Error } from '../../app/errors';
import { readSseStream, type SseMessage } from '../../renderer/api/sse';

/** The pieces both transports share: envelopes, errors, wire JSON, frames, SSE parsing. */

function concat(chunks: Uint8Array[]): ArrayBuffer {
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let o = 0;
  for (const c of chunks) {
    out.set(c, o);
    o += c.length;
  }
  return out.buffer;
}

describe('wire JSON', () => {
  it('keeps the numbers plain JSON loses: non-finite ones (null) and negative zero (0)', () => {
    const value = { snr: Infinity, low: -Infinity, nan: NaN, list: [1, NaN, -0.5, -0, 0], nested: { x: Infinity, label: 'Infinity' } };
    const text = encodeWireJson(value);
    expect(JSON.parse(text).snr).not.toBeNull();
    const back = decodeWireJson(text) as typeof value;
    expect(back.snr).toBe(Infinity);
    expect(back.low).toBe(-Infinity);
    expect(back.nan).toBeNaN();
    expect(back.list[1]).toBeNaN();
    expect(Object.is(back.list[3], -0)).toBe(true);
    expect(Object.is(back.list[4], 0)).toBe(true);
    expect(back.nested).toEqual({ x: Infinity, label: 'Infinity' });
  });
});

describe('wire JSON fast path', () => {
  // The per-value replacer and reviver the wire format is defined by.
  const replacer = (_k: string, v: unknown): unknown => (typeof v === 'number' && (!Number.isFinite(v) || Object.is(v, -0)) ? { $nf: Object.is(v, -0) ? '-0' : String(v) } : v);
  const reviver = (_k: string, v: unknown): unknown => {
    if (typeof v === 'object' && v !== null && !Array.isArray(v) && Object.keys(v).length === 1 && '$nf' in v) {
      const t = (v as { $nf: unknown }).$nf;
      if (t === 'Infinity') return Infinity;
      if (t === '-Infinity') return -Infinity;
      if (t === 'NaN') return NaN;
      if (t === '-0') return -0;
    }
    return v;
  };
  const seed = (Math.random() * 2 ** 32) >>> 0;
  console.log(`[wire JSON fast path] seed ${seed}`);
  let state = seed;
  const rnd = (): number => ((state = (Math.imul(state ^ (state >>> 15), 0x2c1b3c6d) + 0x6d2b79f5) >>> 0), state / 2 ** 32);
  const numbers = [0, -0, 1.5, -2, NaN, Infinity, -Infinity, 3e-40, 1e300];
  const anyValue = (depth: number): unknown => {
    const k = rnd();
    if (depth > 3 || k < 0.35) return numbers[Math.floor(rnd() * numbers.length)];
    if (k < 0.45) return ['x', '$nf', 'NaN', true, null, undefined][Math.floor(rnd() * 6)];
    if (k < 0.7) return Array.from({ length: Math.floor(rnd() * 6) }, () => anyValue(depth + 1));
    if (k < 0.75) return Float32Array.from([1, NaN, -0]);
    if (k < 0.8) return new Date(0);
    const o: Record<string, unknown> = {};
    for (let i = Math.floor(rnd() * 4); i > 0; i--) {
      // an own property, also for "__proto__" (as JSON.parse makes it)
      Object.defineProperty(o, ['a', 'b', '$nf', 'data', '__proto__'][Math.floor(rnd() * 5)], { value: anyValue(depth + 1), enumerable: true, writable: true, configurable: true });
    }
    return o;
  };

  it('writes the text the replacer defines and reads it back as the reviver does (seeded random values)', () => {
    for (let i = 0; i < 2000; i++) {
      const value = anyValue(0);
      const text = encodeWireJson(value);
      expect(text, `seed ${seed} value ${i}`).toBe(JSON.stringify(value, replacer));
      if (text !== undefined) expect(decodeWireJson(text), `seed ${seed} value ${i}`).toEqual(JSON.parse(text, reviver));
    }
    // "__proto__" stays a plain key both ways, also when its value is rewritten
    const tricky = JSON.parse('{"__proto__": {"$nf": "NaN"}, "list": [{"$nf": "-0"}, {"$nf": "other"}]}') as Record<string, unknown>;
    const back = decodeWireJson(JSON.stringify(tricky)) as Record<string, unknown>;
    expect(Object.getPrototypeOf(back)).toBe(Object.prototype);
    expect(Object.keys(back)).toEqual(['__proto__', 'list']);
    expect(back['__proto__']).toBeNaN();
    expect(Object.is((back.list as unknown[])[0], -0)).toBe(true);
    expect((back.list as unknown[])[1]).toEqual({ $nf: 'other' });
    // long plain arrays are not copied on the way out
    const big = { data: Array.from({ length: 1000 }, (_, i) => i / 7) };
    expect(encodeWireJson(big)).toBe(JSON.stringify(big));
  });
});

describe('frames', () => {
  it('carry typed arrays of any length as aligned bytes next to wire JSON', () => {
    const f32 = Float32Array.from([1.5, -2, NaN, Infinity, 3e-40]);
    const u8 = Uint8Array.from([1, 2, 3]);
    const value = { heat: { data: f32, rows: 1 }, export: { data: u8, fileName: 'x.bin' }, score: -Infinity };
    expect(containsBlobs(value)).toBe(true);
    expect(containsBlobs({ data: [1, 2, 3] })).toBe(false);
    const chunks = encodeFrame(value);
    const buffer = concat(chunks);
    expect(buffer.byteLength % 8).toBe(0);
    const back = decodeFrame(buffer) as typeof value;
    expect(back.heat.data).toBeInstanceOf(Float32Array);
    expect(Array.from(back.heat.data).map(String)).toEqual(Array.from(f32).map(String));
    expect(Array.from(back.export.data)).toEqual([1, 2, 3]);
    expect(back.export.fileName).toBe('x.bin');
    expect(back.score).toBe(-Infinity);
  });

  it('refuses bytes that are not a frame, or a truncated one', () => {
    expect(() => decodeFrame(new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8]).buffer)).toThrow(/magic/);
    const full = concat(encodeFrame({ d: new Uint8Array(100) }));
    expect(() => decodeFrame(full.slice(0, full.byteLength - 50))).toThrow(/truncated/);
  });
});

describe('errors across a boundary', () => {
  it('keeps an Fp4Error code and sentence, and never leaks a stack for a bug', () => {
    expect(toApiError(new Fp4Error('FORMAT', 'w.safetensors: header too long'))).toEqual({ code: 'FORMAT', message: 'w.safetensors: header too long' });
    const bug = toApiError(new TypeError("Cannot read properties of undefined (reading 'x')"));
    expect(bug.code).toBe('INTERNAL');
    expect(bug.message).not.toMatch(/\n\s+at /);
    expect(toApiError(new ApiCallError({ code: 'NOT_FOUND', message: 'gone', cause: 'fileId' }))).toEqual({ code: 'NOT_FOUND', message: 'gone', cause: 'fileId' });
    expect(() => unwrapResult(apiFailure(new Fp4Error('TOO_LARGE', 'big')))).toThrow(ApiCallError);
  });
});

describe('server-sent events', () => {
  it('parses events split anywhere across chunks, with comments and CRLF', async () => {
    const text = ': keep-alive\n\nid: 1\nevent: job\ndata: {"a":1}\n\nid: 2\r\nevent: job\r\ndata: line1\r\ndata: line2\r\n\r\n';
    const bytes = new TextEncoder().encode(text);
    for (const cut of [1, 3, 7, 13, bytes.length]) {
      const stream = new ReadableStream<Uint8Array>({
        start(controller) {
          for (let i = 0; i < bytes.length; i += cut) controller.enqueue(bytes.slice(i, i + cut));
          controller.close();
        },
      });
      const got: SseMessage[] = [];
      await readSseStream(stream, (m) => got.push(m));
      expect(got, `chunks of ${cut}`).toEqual([
        { id: '1', event: 'job', data: '{"a":1}' },
        { id: '2', event: 'job', data: 'line1\nline2' },
      ]);
    }
  });
});
