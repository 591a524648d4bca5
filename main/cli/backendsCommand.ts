import type { Command } from 'commander';
import { backendStatuses, getBackend } from '../compute/backends';

/** `fp4lab backends`: what each backend is on this machine (device, kernels) or why it is unavailable, and what `auto` picks. */
export function registerBackendsCommand(program: Command): void {
  program
    .command('backends')
    .description('list the compute backends: what each runs on here, or why it is unavailable, and what --backend auto picks')
    .option('--json', 'print JSON', false)
    .action((opts: { json: boolean }) => {
      const statuses = backendStatuses();
      const auto = getBackend('auto').name;
      if (opts.json) {
        process.stdout.write(`${JSON.stringify({ auto, backends: statuses }, null, 2)}\n`);
        return;
      }
      for (const s of statuses) {
        const text = s.available ? `available${s.detail ? `: ${s.detail}` : ''}` : `unavailable: ${s.reason ?? 'not registered'}`;
        process.stdout.write(`${s.name.padEnd(9)}  ${text}\n`);
      }
      process.stdout.write(`auto       -> ${auto}\n`);
    });
}
