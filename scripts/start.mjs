#!/usr/bin/env node
// `npm start`: the desktop app when Electron's binary is installed, otherwise the web mode (same
// UI and API in a browser). Electron's binary is downloaded on install and cannot be on machines
// that install with ELECTRON_SKIP_BINARY_DOWNLOAD=1; those get one line saying so and the web
// mode. Builds first when the sources are newer than the build. Arguments go to the app
// (`npm start -- FILE...`).
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const args = process.argv.slice(2);

const electronDir = join(root, 'node_modules', 'electron');

/** Where the electron package says its binary is (path.txt), honouring ELECTRON_OVERRIDE_DIST_PATH. */
function electronBinaryPath() {
  const pathFile = join(electronDir, 'path.txt');
  const relative = existsSync(pathFile) ? readFileSync(pathFile, 'utf8').trim() : undefined;
  if (process.env.ELECTRON_OVERRIDE_DIST_PATH) return join(process.env.ELECTRON_OVERRIDE_DIST_PATH, relative || 'electron');
  return relative ? join(electronDir, 'dist', relative) : undefined;
}

/**
 * The Electron binary's path, or why there is none. Electron 45 downloads its binary on first
 * use; we try that once, quietly (its output would be a stack trace where it cannot), and
 * report the outcome in one line.
 */
function findElectron() {
  if (process.env.FP4LAB_WEB === '1') return { reason: 'FP4LAB_WEB=1 asks for the web mode' };
  if (!existsSync(join(electronDir, 'package.json'))) return { reason: 'the electron package is not installed' };
  let path = electronBinaryPath();
  if (!path || !existsSync(path)) {
    const r = spawnSync(process.execPath, [join(electronDir, 'install.js')], { cwd: root, stdio: 'pipe', timeout: 120_000 });
    path = electronBinaryPath();
    if (r.status !== 0 || !path || !existsSync(path)) {
      const why = (r.stderr?.toString() ?? '').split('\n').find((l) => /error|failed/i.test(l))?.trim();
      return { reason: `its binary is not installed and could not be downloaded${why ? ` (${why})` : ''}` };
    }
  }
  return { path };
}

function newestMtime(dir) {
  if (!existsSync(dir)) return 0;
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(p) : statSync(p).mtimeMs);
  }
  return newest;
}

function mtime(path) {
  return existsSync(path) ? statSync(path).mtimeMs : 0;
}

function buildIfStale(what, output, sources) {
  const sourceTime = Math.max(...sources.map((s) => newestMtime(join(root, s))));
  if (mtime(join(root, output)) >= sourceTime) return;
  const r = spawnSync(process.execPath, [join(root, 'scripts', 'build.mjs'), what], { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) process.exit(r.status ?? 1);
}

/** Run a child with our stdio, pass Ctrl+C / SIGTERM on, and leave with its exit code. */
function run(command, commandArgs, env = process.env) {
  const child = spawn(command, commandArgs, { cwd: root, stdio: 'inherit', env });
  for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
}

const electron = findElectron();
if (existsSync(join(root, 'renderer', 'index.html'))) buildIfStale('--renderer-only', 'dist/renderer/index.html', ['renderer', 'app']);
if (electron.path) {
  buildIfStale('--electron-only', 'dist/electron/main.cjs', ['main', 'app']);
  const env = { ...process.env };
  delete env.ELECTRON_RUN_AS_NODE; // would make the binary behave as plain Node
  run(electron.path, ['.', ...args], env);
} else {
  process.stdout.write(`fp4lab: Electron is not available here (${electron.reason}); starting the web mode instead.\n`);
  run(process.execPath, [join(root, 'bin', 'fp4lab.mjs'), 'serve', ...args]);
}
