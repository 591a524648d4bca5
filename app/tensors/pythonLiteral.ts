/**
 * The Python literal subset a .npy header is written in: a dict of str keys whose values are
 * str, bool, None, int, or tuples/lists of those, e.g.
 * {'descr': '<f4', 'fortran_order': False, 'shape': (70, 130), }
 * A literal parser, not an evaluator: nothing in the header is ever run.
 */
export type PyLiteral = string | number | boolean | null | PyLiteral[] | { [key: string]: PyLiteral };

export class PyLiteralError extends Error {}

const MAX_DEPTH = 16;

export function parsePythonLiteral(text: string): PyLiteral {
  let pos = 0;
  const fail = (what: string): never => {
    throw new PyLiteralError(`${what} at character ${pos}`);
  };
  const skipSpace = (): void => {
    while (pos < text.length && /\s/.test(text[pos])) pos++;
  };
  const value = (depth: number): PyLiteral => {
    if (depth > MAX_DEPTH) fail('nesting too deep');
    skipSpace();
    const c = text[pos];
    if (c === undefined) return fail('unexpected end');
    if (c === '{') return dict(depth);
    if (c === '(' || c === '[') return sequence(c === '(' ? ')' : ']', depth);
    if (c === "'" || c === '"') return str();
    if (/[-+0-9]/.test(c)) return int();
    for (const [word, v] of [['True', true], ['False', false], ['None', null]] as const) {
      if (text.startsWith(word, pos)) {
        pos += word.length;
        return v;
      }
    }
    return fail(`unexpected '${c}'`);
  };
  const str = (): string => {
    const quote = text[pos++];
    let out = '';
    while (pos < text.length && text[pos] !== quote) {
      if (text[pos] === '\\') {
        pos++;
        if (pos >= text.length) break;
      }
      out += text[pos++];
    }
    if (text[pos] !== quote) fail('unterminated string');
    pos++;
    return out;
  };
  const int = (): number => {
    const m = /^[-+]?[0-9]+L?/.exec(text.slice(pos, pos + 32));
    if (!m) return fail('bad number');
    pos += m[0].length;
    const n = Number(m[0].replace('L', ''));
    if (!Number.isSafeInteger(n)) fail(`integer ${m[0]} is out of range`);
    return n;
  };
  const sequence = (close: string, depth: number): PyLiteral[] => {
    pos++;
    const items: PyLiteral[] = [];
    for (;;) {
      skipSpace();
      if (text[pos] === close) {
        pos++;
        return items;
      }
      items.push(value(depth + 1));
      skipSpace();
      if (text[pos] === ',') pos++;
      else if (text[pos] !== close) fail(`expected ',' or '${close}'`);
    }
  };
  const dict = (depth: number): { [key: string]: PyLiteral } => {
    pos++;
    const out: { [key: string]: PyLiteral } = Object.create(null);
    for (;;) {
      skipSpace();
      if (text[pos] === '}') {
        pos++;
        return out;
      }
      const key = value(depth + 1);
      if (typeof key !== 'string') fail('dict keys must be strings');
      skipSpace();
      if (text[pos] !== ':') fail("expected ':'");
      pos++;
      out[key as string] = value(depth + 1);
      skipSpace();
      if (text[pos] === ',') pos++;
      else if (text[pos] !== '}') fail("expected ',' or '}'");
    }
  };
  const result = value(0);
  skipSpace();
  if (pos !== text.length) fail('trailing characters');
  return result;
}
