/**
 * JSON with explicit non-finite numbers. JSON has no Infinity or NaN (JSON.stringify would write
 * null and lose the difference between "exact" SQNR = +Infinity and "no data"), so they are
 * written as the strings "Infinity", "-Infinity" and "NaN": Python's float() and pandas read
 * those spellings back as numbers. Our reader turns them back into numbers everywhere except
 * under the keys that hold free text (file and tensor names), so a tensor named "NaN" stays a name.
 */
export const NON_FINITE_NOTE = 'non-finite numbers are written as the strings "Infinity", "-Infinity" and "NaN"';

const SPELLINGS: Readonly<Record<string, number>> = { Infinity: Infinity, '-Infinity': -Infinity, NaN: NaN };

/** Keys whose string values are free text, never encoded numbers. */
export const TEXT_KEYS: ReadonlySet<string> = new Set(['file', 'tensor', 'name', 'dtype', 'sha256', 'id', 'createdAt', 'reason', 'current', 'stage', 'format', 'schema', 'note']);

function encodeNumber(_key: string, value: unknown): unknown {
  if (typeof value === 'number' && !Number.isFinite(value)) return Number.isNaN(value) ? 'NaN' : value > 0 ? 'Infinity' : '-Infinity';
  return value;
}

/**
 * JSON.stringify with non-finite numbers spelled out. With `indent`, objects and arrays of
 * objects are laid out one member a line, while arrays of plain values (heatmap cells, histogram
 * counts, shapes) stay on one line: readable and diffable without a line per number.
 */
export function stringifyWithNonFinite(value: unknown, indent?: number): string {
  if (!indent) return JSON.stringify(value, encodeNumber);
  const pad = ' '.repeat(indent);
  const write = (v: unknown, depth: number): string | undefined => {
    const json = JSON.stringify(v, encodeNumber);
    if (json === undefined || v === null || typeof v !== 'object') return json;
    const items = Array.isArray(v) ? v : Object.entries(v as Record<string, unknown>);
    if (Array.isArray(v) && v.every((x) => x === null || typeof x !== 'object')) return json;
    if (items.length === 0) return json;
    const inner = pad.repeat(depth + 1);
    const parts: string[] = [];
    if (Array.isArray(v)) {
      for (const x of v) parts.push(`${inner}${write(x, depth + 1) ?? 'null'}`);
      return `[\n${parts.join(',\n')}\n${pad.repeat(depth)}]`;
    }
    for (const [k, x] of items as [string, unknown][]) {
      const text = write(typeof (x as { toJSON?: unknown })?.toJSON === 'function' ? (x as { toJSON(): unknown }).toJSON() : x, depth + 1);
      if (text !== undefined) parts.push(`${inner}${JSON.stringify(k)}: ${text}`);
    }
    return `{\n${parts.join(',\n')}\n${pad.repeat(depth)}}`;
  };
  return write(value, 0) ?? 'null';
}

/** JSON.parse that turns the spelled-out non-finite numbers back into numbers. */
export function parseWithNonFinite(text: string): unknown {
  return JSON.parse(text, (key, value) => {
    if (typeof value === 'string' && value in SPELLINGS && !TEXT_KEYS.has(key)) return SPELLINGS[value];
    return value;
  });
}
