import { Fp4Error } from '../errors';
import { stringifyWithNonFinite } from './nonFiniteJson';

/**
 * Putting text into HTML safely. Names in reports come from files (a tensor may be called
 * `</script><img onerror=...>`), so every string is escaped on its way in, and the JSON and
 * JavaScript embedded in <script> elements cannot close them early.
 */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/**
 * JSON for a `<script type="application/json">` element: `<` is written as \u003c (so neither
 * `</script` nor `<!--` can appear), and U+2028/U+2029 escaped for old JavaScript parsers.
 */
export function scriptJson(value: unknown): string {
  return stringifyWithNonFinite(value)
    .replace(/</g, '\\u003c')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

/**
 * JavaScript source (a library bundle) for an inline <script>. `</script` would end the element
 * early: it is written `<\/script`, which means the same inside JS strings, regexes and comments.
 * A bundle that also opens `<!--` and `<script` would put the HTML parser into its "double
 * escaped" state, which no rewrite can undo safely, so it is refused.
 */
export function inlineScriptSource(source: string): string {
  if (/<!--/.test(source) && /<script/i.test(source)) {
    throw new Fp4Error('FORMAT', 'this JavaScript bundle contains both "<!--" and "<script", so it cannot be inlined into an HTML report safely');
  }
  return source.replace(/<\/(script)/gi, '<\\/$1');
}
