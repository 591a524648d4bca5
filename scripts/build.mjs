#!/usr/bin/env node
// `npm run build`: the desktop app's Node side with esbuild (Electron main, the sandboxed preload,
// the compute host: one CommonJS file each in dist/electron/) and the renderer with Vite (into
// dist/renderer/) when renderer/index.html exists. The CLI and web mode need no build (tsx).
//   node scripts/build.mjs [--electron-only | --renderer-only] [--outdir DIR (the Electron bundles; tests use their own)]
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { build } from 'esbuild';

const root = new URL('..', import.meta.url).pathname;
const argv = process.argv.slice(2);
const args = new Set(argv);
const outdirAt = argv.indexOf('--outdir');
const out = outdirAt >= 0 ? resolve(argv[outdirAt + 1]) : join(root, 'dist', 'electron');

// Bundles are CommonJS (a sandboxed preload must be; utilityProcess and main are simplest so);
// code that asks for import.meta.url gets this file's URL.
const importMetaUrl = { banner: { js: 'const __fp4labImportMetaUrl = require("url").pathToFileURL(__filename).href;' }, define: { 'import.meta.url': '__fp4labImportMetaUrl' } };

const common = {
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  sourcemap: 'linked',
  logLevel: 'warning',
  // The native addon and Electron itself are loaded at run time, never bundled.
  external: ['electron', '*.node'],
};

async function buildElectron() {
  mkdirSync(out, { recursive: true });
  await Promise.all([
    build({ ...common, ...importMetaUrl, entryPoints: [join(root, 'main/electron/main.ts')], outfile: join(out, 'main.cjs') }),
    build({ ...common, ...importMetaUrl, entryPoints: [join(root, 'main/compute/hostMain.ts')], outfile: join(out, 'computeHost.cjs') }),
    // The preload runs sandboxed: it may require only 'electron' (checked below).
    build({ ...common, entryPoints: [join(root, 'main/electron/preload.ts')], outfile: join(out, 'preload.cjs') }),
  ]);
  const preload = readFileSync(join(out, 'preload.cjs'), 'utf8');
  const requires = [...preload.matchAll(/\brequire\(["']([^"']+)["']\)/g)].map((m) => m[1]).filter((m) => m !== 'electron');
  if (requires.length > 0) throw new Error(`the sandboxed preload must require only 'electron', but it requires ${requires.join(', ')}`);
  process.stdout.write(`built ${out}/{main,preload,computeHost}.cjs\n`);
}

function buildRenderer() {
  if (!existsSync(join(root, 'renderer', 'index.html'))) {
    process.stdout.write('renderer/index.html does not exist yet: skipped the renderer build (the server shows a placeholder page)\n');
    return;
  }
  const r = spawnSync(join(root, 'node_modules', '.bin', 'vite'), ['build', '--logLevel', 'warn'], { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) throw new Error(`vite build failed (exit ${r.status ?? r.signal})`);
  process.stdout.write('built dist/renderer/\n');
}

try {
  if (!args.has('--renderer-only')) await buildElectron();
  if (!args.has('--electron-only')) buildRenderer();
} catch (e) {
  process.stderr.write(`build failed: ${e.message}\n`);
  process.exit(1);
}
