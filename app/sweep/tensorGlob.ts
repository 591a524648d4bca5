import { invalidArgument } from '../errors';

/**
 * Globs over tensor names, as a shell user would write them for a checkpoint:
 * `*` any run of characters (dots included: `*.weight`, `layers.*.mlp.*`), `?` one character,
 * `[abc]` / `[0-9]` / `[!0-9]` a character class. Everything else is literal. A pattern matches
 * the whole name.
 */
export function globToRegExp(pattern: string): RegExp {
  if (pattern.length === 0) throw invalidArgument('a tensor pattern is empty; use e.g. "*.weight"');
  let re = '^';
  for (let i = 0; i < pattern.length; i++) {
    const ch = pattern[i];
    if (ch === '*') re += '.*';
    else if (ch === '?') re += '.';
    else if (ch === '[') {
      const end = pattern.indexOf(']', i + 2);
      if (end < 0) throw invalidArgument(`tensor pattern '${pattern}' has a '[' without a closing ']'`);
      let body = pattern.slice(i + 1, end);
      const negate = body.startsWith('!') || body.startsWith('^');
      if (negate) body = body.slice(1);
      re += `[${negate ? '^' : ''}${body.replace(/[\\\]^]/g, '\\$&')}]`;
      i = end;
    } else re += ch.replace(/[.+^${}()|\\/-]/g, '\\$&');
  }
  return new RegExp(`${re}$`);
}

/** A predicate over names: true when any pattern matches (no patterns: everything matches). */
export function tensorNameMatcher(patterns: readonly string[]): (name: string) => boolean {
  const res = patterns.map(globToRegExp);
  return (name) => res.length === 0 || res.some((r) => r.test(name));
}
