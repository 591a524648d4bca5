import { Command, CommanderError } from 'commander';
import { isFp4Error } from '../app/errors';
import { registerAnalyzeCommand } from './cli/analyzeCommand';
import { registerBackendsCommand } from './cli/backendsCommand';
import { registerDequantizeCommand } from './cli/dequantizeCommand';
import { registerExportCommand } from './cli/exportCommand';
import { registerInspectCommand } from './cli/inspectCommand';
import { registerMatmulCommand } from './cli/matmulCommand';
import { registerQuantizeCommand } from './cli/quantizeCommand';
import { registerSweepCommand } from './cli/sweepCommand';
import { registerServeCommand } from './cli/serveCommand';

/**
 * `fp4lab`: the engine from the command line. Exit codes: 0 success, 2 usage errors (bad flags
 * or argument values), 1 failures (unreadable files, bad data), 130 cancelled (Ctrl-C). Errors
 * are one line on stderr.
 */
export function buildProgram(): Command {
  const program = new Command('fp4lab')
    .description('FP4 Lab: quantize tensors to NVFP4/MXFP4 (incl. Four Over Six) and see where the error comes from')
    .version('0.1.0')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();
  registerInspectCommand(program);
  registerQuantizeCommand(program);
  registerDequantizeCommand(program);
  registerMatmulCommand(program);
  registerExportCommand(program);
  registerAnalyzeCommand(program);
  registerSweepCommand(program);
  registerServeCommand(program);
  registerBackendsCommand(program);
  return program;
}

/** `fp4lab inspect big.gguf | head`: a closed pipe ends the command quietly, as Unix tools do. */
function exitQuietlyOnClosedPipe(): void {
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(0);
    throw e;
  });
}

export async function runCli(argv: string[]): Promise<number> {
  exitQuietlyOnClosedPipe();
  const program = buildProgram();
  program.configureOutput({ writeErr: (s) => process.stderr.write(s) });
  try {
    await program.parseAsync(argv, { from: 'user' });
    return 0;
  } catch (e) {
    if (e instanceof CommanderError) {
      // --help and --version exit through here with code 0; commander already printed the message.
      return e.exitCode === 0 ? 0 : 2;
    }
    if (isFp4Error(e) && e.code === 'CANCELLED') {
      process.stderr.write(`fp4lab: ${e.message}\n`);
      return 130;
    }
    if (isFp4Error(e)) {
      process.stderr.write(`fp4lab: error: ${e.message}\n`);
      return e.code === 'INVALID_ARGUMENT' ? 2 : 1;
    }
    process.stderr.write(`fp4lab: internal error: ${(e as Error)?.stack ?? String(e)}\n`);
    return 1;
  }
}
