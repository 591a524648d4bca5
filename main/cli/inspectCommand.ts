import type { Command } from 'commander';
import { formatBytes } from '../../app/plots/numberFormat';
import { matrixShapeOf } from '../../app/tensors/decode';
import { isQuantizable } from '../../app/tensors/tensorFile';
import { openTensorFileAtPath } from '../io/openTensorFileAtPath';

export function registerInspectCommand(program: Command): void {
  program
    .command('inspect')
    .description('list the tensors of a file: names, dtypes, shapes, byte sizes')
    .argument('<file>', 'tensor file')
    .option('--json', 'print JSON', false)
    .action(async (path: string, opts: { json: boolean }) => {
      const opened = await openTensorFileAtPath(path);
      try {
        const { file } = opened;
        const rows = file.tensors.map((t) => ({
          name: t.name,
          dtype: t.dtype,
          // Only for tensors read() decodes (GGUF Q8_0 -> F32): the file's own type, and why not if it cannot.
          ...(t.encoding ? { stored_as: t.encoding.name, ...(t.encoding.unsupported ? { unsupported: t.encoding.unsupported } : {}) } : {}),
          shape: [...t.shape],
          bytes: t.encoding?.storedByteLength ?? t.byteLength,
          // How the app offers it for quantization (N-D flattened to a matrix), or why not.
          matrix: isQuantizable(t) ? matrixShapeOf(t.shape) : null,
        }));
        if (opts.json) {
          process.stdout.write(`${JSON.stringify({ file: path, format: file.format, metadata: file.metadata, tensors: rows }, null, 2)}\n`);
          return;
        }
        process.stdout.write(`${path}: ${file.format}, ${rows.length} tensor${rows.length === 1 ? '' : 's'}\n`);
        const nameWidth = Math.min(60, Math.max(4, ...rows.map((r) => r.name.length)));
        for (const r of rows) {
          const shape = `[${r.shape.join(', ')}]`;
          const note =
            r.unsupported !== undefined
              ? '  (not supported yet)'
              : r.matrix === null
                ? '  (not quantizable: integer/bool)'
                : `${r.stored_as ? `  (decoded to ${r.dtype})` : ''}${r.shape.length > 2 ? `  (as matrix ${r.matrix[0]}x${r.matrix[1]})` : ''}`;
          process.stdout.write(`  ${r.name.padEnd(nameWidth)}  ${(r.stored_as ?? r.dtype).padEnd(7)}  ${shape.padEnd(16)}  ${formatBytes(r.bytes).padStart(10)}${note}\n`);
        }
      } finally {
        await opened.close();
      }
    });
}
