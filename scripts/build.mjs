#!/usr/bin/env node
// `npm run build`: everything the app ships. Each step is a separate process so a failure names
// its step. (The shell and native steps join this list as they land.)
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const bin = (name) => join(root, 'node_modules', '.bin', name);

const steps = [['renderer (vite build -> dist/renderer)', bin('vite'), ['build', '--logLevel', 'warn']]];

for (const [title, command, args] of steps) {
  process.stdout.write(`== build ${title}\n`);
  const r = spawnSync(command, args, { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) {
    process.stdout.write(`== build ${title}: FAILED (exit ${r.status ?? r.signal})\n`);
    process.exit(1);
  }
}
