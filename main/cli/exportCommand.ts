import { extname } from 'node:path';
import type { Command } from 'commander';
import { Fp4Error, invalidArgument } from '../../app/errors';
import { decodeToFloat32 } from '../../app/tensors/decode';
import { serializeNpy } from '../../app/tensors/npy';
import { serializeSafetensors } from '../../app/tensors/safetensors';
import { findTensor } from '../../app/tensors/tensorFile';
import { writeFileAtomic } from '../io/atomicWrite';
import { openTensorFileAtPath } from '../io/openTensorFileAtPath';
import { printResult } from './output';

const EXPORT_FORMATS = ['.npy', '.safetensors'];

/** `fp4lab export FILE --tensor NAME -o OUT.npy|OUT.safetensors`: one tensor as f32, any input format. */
export function registerExportCommand(program: Command): void {
  program
    .command('export')
    .description('write one tensor of any supported file as float32 .npy or .safetensors (same shape, C order)')
    .argument('<input>', 'tensor file (any supported format)')
    .option('--tensor <name>', 'tensor to export (default: the only tensor in the file)')
    .requiredOption('-o, --output <file>', 'output .npy or .safetensors')
    .option('--force', 'overwrite the output file if it exists', false)
    .option('--json', 'print the summary as JSON', false)
    .action(async (input: string, opts: { tensor?: string; output: string; force: boolean; json: boolean }) => {
      const ext = extname(opts.output).toLowerCase();
      if (!EXPORT_FORMATS.includes(ext)) throw invalidArgument(`-o must end in ${EXPORT_FORMATS.join(' or ')}; got '${opts.output}'`);
      const opened = await openTensorFileAtPath(input);
      let shape: readonly number[];
      let data: Float32Array;
      let sourceType: string;
      let name: string;
      try {
        const { tensors } = opened.file;
        if (opts.tensor === undefined && tensors.length !== 1) {
          const listed = tensors.slice(0, 10).map((t) => `'${t.name}'`).join(', ');
          throw invalidArgument(`${opened.file.name} holds ${tensors.length} tensors; choose one with --tensor (${listed}${tensors.length > 10 ? ', ...' : ''})`);
        }
        const entry = opts.tensor === undefined ? tensors[0] : findTensor(opened.file, opts.tensor);
        name = entry.name;
        if (entry.encoding?.unsupported) throw new Fp4Error('UNSUPPORTED', entry.encoding.unsupported);
        shape = entry.shape;
        sourceType = entry.encoding?.name ?? entry.dtype;
        data = decodeToFloat32(await entry.read(), entry.dtype);
      } finally {
        await opened.close();
      }
      const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
      const chunks = ext === '.npy' ? serializeNpy('F32', shape, bytes) : serializeSafetensors([{ name, dtype: 'F32', shape, data: bytes }]);
      await writeFileAtomic(opts.output, chunks, { overwrite: opts.force });
      printResult(opts.json, { input, tensor: name, from: sourceType, shape: [...shape], output: opts.output, dtype: 'float32' });
    });
}
