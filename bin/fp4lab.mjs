#!/usr/bin/env node
// The `fp4lab` command. Runs the TypeScript sources through tsx's loader, so a checkout works
// right after `npm install` with no build step.
import { register } from 'tsx/esm/api';

register();
const { runCli } = await import('../main/cli.ts');
process.exitCode = await runCli(process.argv.slice(2));
