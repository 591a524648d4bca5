// Lint rules that keep the house in order (DESIGN.md "Rules of the house").
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

const nodeBuiltins = ['assert', 'buffer', 'child_process', 'cluster', 'crypto', 'dgram', 'dns', 'events', 'fs', 'fs/promises', 'http', 'http2', 'https', 'module', 'net', 'os', 'path', 'perf_hooks', 'process', 'readline', 'stream', 'timers', 'tls', 'url', 'util', 'v8', 'vm', 'worker_threads', 'zlib'];

const noFocusedTests = {
  selector: "CallExpression[callee.type='MemberExpression'][callee.property.name='only'][callee.object.name=/^(it|test|describe)$/]",
  message: 'A focused test (.only) hides the rest of the suite.',
};

export default tseslint.config(
  { ignores: ['node_modules/**', 'dist/**', 'build/**', 'native/build/**', 'test-results/**', 'bench-out/**', '.gpu/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { ecmaVersion: 2022, sourceType: 'module' },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-restricted-syntax': ['error', noFocusedTests],
      eqeqeq: ['error', 'always', { null: 'ignore' }],
    },
  },
  {
    // The Node side: scripts, the CLI, the server, tests.
    files: ['scripts/**', 'bin/**', 'main/**', 'test/**', '*.config.*'],
    languageOptions: { globals: { ...globals.node } },
  },
  {
    files: ['renderer/**'],
    languageOptions: { globals: { ...globals.browser } },
  },
  {
    // app/ is the engine: pure TypeScript that runs in Node, a worker or a browser.
    files: ['app/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [...nodeBuiltins, 'electron', 'react', 'react-dom', 'plotly.js-dist-min'].map((name) => ({ name, message: 'app/ stays pure: no Node, Electron, DOM or React imports.' })),
          patterns: [
            { group: ['node:*'], message: 'app/ stays pure: no node:* imports.' },
            { group: ['**/main/**', '**/renderer/**', '**/native/**'], message: 'app/ may not import main/, renderer/ or native/.' },
          ],
        },
      ],
      'no-restricted-globals': ['error', 'document', 'window', 'process', 'Buffer', 'require', '__dirname'],
    },
  },
  {
    // The renderer talks to one Api; it never reaches into main/ or Node.
    files: ['renderer/**/*.ts', 'renderer/**/*.tsx'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [...nodeBuiltins, 'electron'].map((name) => ({ name, message: 'renderer/ runs in a sandboxed page: no Node or Electron imports.' })),
          patterns: [
            { group: ['node:*'], message: 'renderer/ runs in a sandboxed page: no node:* imports.' },
            { group: ['**/main/**', '**/native/**'], message: 'renderer/ may import app/ only (types and pure helpers).' },
          ],
        },
      ],
    },
  },
  {
    // Only main/compute loads the native addon.
    files: ['main/**/*.ts', 'test/**/*.ts'],
    ignores: ['main/compute/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: [{ group: ['**/native/build/**', '*.node'], message: 'Only main/compute loads the native addon.' }] },
      ],
    },
  },
);
