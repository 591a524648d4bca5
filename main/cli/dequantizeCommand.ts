import type { Command } from 'commander';
import { Fp4Error } from '../../app/errors';
import { float32ToBfloat16Bits } from '../../app/formats/bfloat16';
import { quantizedTensorNames, readQuantizedTensor } from '../../app/tensors/quantizedFile';
import { serializeSafetensors } from '../../app/tensors/safetensors';
import { backendForCommand } from '../compute/backends';
import { writeFileAtomic } from '../io/atomicWrite';
import { openTensorFileAtPath } from '../io/openTensorFileAtPath';
import { printNote, printResult } from './output';

export function registerDequantizeCommand(program: Command): void {
  program
    .command('dequantize')
    .description('dequantize a quantized-tensor file (values of the quantized matrix, i.e. after transpose/had, as the library returns them)')
    .argument('<input>', 'quantized-tensor .safetensors')
    .requiredOption('-o, --output <file>', 'output .safetensors (one tensor per quantized tensor)')
    .option('--dtype <dtype>', 'float32 | bfloat16', 'float32')
    .option('--fp4-format <format>', 'nvfp4 | mxfp4, for files without fp4lab metadata')
    .option('--backend <name>', 'auto | reference | cpu | cuda', 'auto')
    .option('--force', 'overwrite the output file if it exists', false)
    .option('--json', 'print the summary as JSON', false)
    .action(async (input: string, opts: Record<string, unknown>) => {
      const dtype = opts.dtype as string;
      if (dtype !== 'float32' && dtype !== 'bfloat16') throw new Fp4Error('INVALID_ARGUMENT', `--dtype must be float32 or bfloat16; got '${dtype}'`);
      const backend = await backendForCommand(opts.backend as string, printNote);
      const opened = await openTensorFileAtPath(input);
      const outputs = [];
      try {
        const names = quantizedTensorNames(opened.file);
        if (names.length === 0) throw new Fp4Error('FORMAT', `${input} holds no quantized tensor (expected e2m1, sf and normconst)`);
        for (const name of names) {
          const { quantized } = await readQuantizedTensor(opened.file, name, opts.fp4Format as never);
          const m = await backend.dequantize(quantized, { applyNormconst: true, crop: true });
          const data =
            dtype === 'float32'
              ? new Uint8Array(m.data.buffer, m.data.byteOffset, m.data.byteLength)
              : new Uint8Array(Uint16Array.from(m.data, float32ToBfloat16Bits).buffer);
          outputs.push({ name: name || 'x', dtype: dtype === 'float32' ? ('F32' as const) : ('BF16' as const), shape: [m.rows, m.cols], data });
        }
      } finally {
        await opened.close();
      }
      await writeFileAtomic(opts.output as string, serializeSafetensors(outputs), { overwrite: Boolean(opts.force) });
      printResult(Boolean(opts.json), { output: opts.output, tensors: outputs.map((o) => ({ name: o.name, shape: o.shape, dtype: o.dtype })) });
    });
}
