import type { Command } from 'commander';
import { resolveQuantizeKwargs } from '../../app/quantize/kwargs';
import { quantizedFileContents } from '../../app/tensors/quantizedFile';
import { serializeSafetensors } from '../../app/tensors/safetensors';
import { backendForCommand } from '../compute/backends';
import { writeFileAtomic } from '../io/atomicWrite';
import { addQuantizeKwargOptions, quantizeKwargsFromOptions } from './kwargsOptions';
import { loadMatrix } from './loadInputs';
import { printNote, printResult } from './output';

export function registerQuantizeCommand(program: Command): void {
  const cmd = program
    .command('quantize')
    .description('quantize one tensor to NVFP4/MXFP4 and write the quantized-tensor .safetensors (e2m1, sf, normconst)')
    .argument('<input>', 'tensor file')
    .option('--tensor <name>', 'tensor to quantize (default: the only floating-point tensor)')
    .requiredOption('-o, --output <file>', 'output .safetensors')
    .option('--backend <name>', 'auto | reference (pytorch) | cpu | cuda (cutlass)', 'auto')
    .option('--force', 'overwrite the output file if it exists', false)
    .option('--json', 'print the summary as JSON', false);
  addQuantizeKwargOptions(cmd);
  cmd.action(async (input: string, opts: Record<string, unknown>) => {
    const kwargs = resolveQuantizeKwargs(quantizeKwargsFromOptions(opts));
    const backend = await backendForCommand(opts.backend as string, printNote);
    const loaded = await loadMatrix(input, opts.tensor as string | undefined);
    const started = performance.now();
    const q = await backend.quantize(loaded.matrix, kwargs);
    const seconds = (performance.now() - started) / 1000;
    const { tensors, metadata } = quantizedFileContents([{ name: '', quantized: q, originalShape: [loaded.matrix.rows, loaded.matrix.cols] }]);
    await writeFileAtomic(opts.output as string, serializeSafetensors(tensors, metadata), { overwrite: Boolean(opts.force) });
    const chose4 = q.blockSelection.reduce((n, s) => n + (s === 4 ? 1 : 0), 0);
    printResult(Boolean(opts.json), {
      input: { file: input, tensor: loaded.tensor, shape: loaded.shape },
      output: opts.output,
      backend: backend.name,
      kwargs,
      shape: [q.rows, q.cols],
      padded_shape: [q.paddedRows, q.paddedCols],
      normconst: q.normconst,
      blocks_choosing_4_percent: (100 * chose4) / q.blockSelection.length,
      seconds,
    });
  });
}
