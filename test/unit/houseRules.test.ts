import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../helpers/paths';

/** The lint rules that keep app/ pure must exist and fire (they are part of `npm test`). */
describe('house rules are enforced by lint', () => {
  const eslint = new ESLint({ cwd: REPO_ROOT });
  const lint = async (code: string, file: string): Promise<string[]> => {
    const [result] = await eslint.lintText(code, { filePath: `${REPO_ROOT}/${file}` });
    return result.messages.map((m) => `${m.ruleId}: ${m.message}`);
  };

  it('app/ may not import node:*, electron, react, main/ or use DOM/Node globals', async () => {
    const messages = await lint(
      "import { readFileSync } from 'node:fs';\nimport { app } from 'electron';\nimport React from 'react';\nimport { x } from '../main/cli';\nexport const y = [readFileSync, app, React, x, document, process];\n",
      'app/probe.ts',
    );
    expect(messages.filter((m) => m.startsWith('no-restricted-imports'))).toHaveLength(4);
    expect(messages.filter((m) => m.startsWith('no-restricted-globals'))).toHaveLength(2);
  });

  it('renderer/ may not import main/ or Node', async () => {
    const messages = await lint("import { x } from '../main/cli';\nimport fs from 'fs';\nexport const y = [x, fs];\n", 'renderer/probe.ts');
    expect(messages.filter((m) => m.startsWith('no-restricted-imports'))).toHaveLength(2);
  });

  it('a focused test (.only) fails the lint', async () => {
    const messages = await lint("import { it } from 'vitest';\nit.only('x', () => {});\n", 'test/unit/probe.test.ts');
    expect(messages.some((m) => m.includes('focused test'))).toBe(true);
  });
});
