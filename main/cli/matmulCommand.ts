import type { Command } from 'commander';
import { invalidArgument } from '../../app/errors';
import { runFp4Matmul } from '../../app/backends/runFp4Matmul';
import { checkOutDtype, OUT_DTYPES } from '../../app/matmul/outDtype';
import { serializeSafetensors } from '../../app/tensors/safetensors';
import { backendForCommand } from '../compute/backends';
import { writeFileAtomic } from '../io/atomicWrite';
import { addQuantizeKwargOptions, quantizeKwargsFromOptions } from './kwargsOptions';
import { loadMatmulOperand } from './loadInputs';
import { printNote, printResult } from './output';

function parseOutShape(text: unknown): [number, number] | undefined {
  if (text === undefined) return undefined;
  const parts = String(text).split(',').map((s) => Number(s.trim()));
  if (parts.length !== 2 || !parts.every((n) => Number.isInteger(n) && n > 0)) {
    throw invalidArgument(`--out-shape must be M,N (two positive integers); got '${String(text)}'`);
  }
  return parts as [number, number];
}

const OUT_TENSOR_DTYPE = { bfloat16: 'BF16', float16: 'F16', float32: 'F32' } as const;

export function registerMatmulCommand(program: Command): void {
  const cmd = program
    .command('matmul')
    .description('fp4_matmul: out = a @ b.T in FP4; each side a high-precision tensor or a quantized-tensor file')
    .argument('<a>', 'tensor file for a')
    .argument('<b>', 'tensor file for b')
    .requiredOption('-o, --output <file>', 'output .safetensors (tensor "out")')
    .option('--a-tensor <name>', 'tensor of a')
    .option('--b-tensor <name>', 'tensor of b')
    .option('--out-dtype <dtype>', OUT_DTYPES.join(' | '), 'bfloat16')
    .option('--out-shape <M,N>', 'crop of the padded product (default: the padded shape, as the library returns it)')
    .option('--backend <name>', 'auto | reference (pytorch) | cpu | cuda (cutlass)', 'auto')
    .option('--force', 'overwrite the output file if it exists', false)
    .option('--json', 'print the summary as JSON', false);
  // Each side has its own kwargs (--a-scale-rule, --b-scale-rule, ...); --fp4-format is shared.
  addQuantizeKwargOptions(cmd, 'a', true);
  addQuantizeKwargOptions(cmd, 'b', false);
  cmd.action(async (aPath: string, bPath: string, opts: Record<string, unknown>) => {
    const outDtype = checkOutDtype(opts.outDtype);
    const outShape = parseOutShape(opts.outShape);
    const backend = await backendForCommand(opts.backend as string, printNote);
    const aKwargs = { ...quantizeKwargsFromOptions(opts, 'a'), fp4_format: opts.fp4Format as never };
    const bKwargs = { ...quantizeKwargsFromOptions(opts, 'b'), fp4_format: opts.fp4Format as never };
    const a = await loadMatmulOperand(aPath, opts.aTensor as string | undefined, 'a', aKwargs);
    const b = await loadMatmulOperand(bPath, opts.bTensor as string | undefined, 'b', bKwargs);
    const started = performance.now();
    const r = await runFp4Matmul(backend, a, b, { fp4_format: opts.fp4Format as never, out_dtype: outDtype, out_shape: outShape });
    const seconds = (performance.now() - started) / 1000;
    const bytes = r.bits ? new Uint8Array(r.bits.buffer) : new Uint8Array(r.data.buffer);
    await writeFileAtomic(opts.output as string, serializeSafetensors([{ name: 'out', dtype: OUT_TENSOR_DTYPE[outDtype], shape: [r.rows, r.cols], data: bytes }]), {
      overwrite: Boolean(opts.force),
    });
    printResult(Boolean(opts.json), {
      output: opts.output,
      backend: backend.name,
      out_shape: [r.rows, r.cols],
      out_dtype: outDtype,
      a_normconst: r.a.normconst,
      b_normconst: r.b.normconst,
      seconds,
    });
  });
}
