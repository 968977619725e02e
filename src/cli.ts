#!/usr/bin/env node
/**
 * The edgeface command line: every command is a module under src/commands/ (a thin layer
 * over a library function); this file routes to them and is the one place that turns
 * errors into messages and exit codes.
 */
import { Command, CommanderError } from 'commander';
import { INTERNAL, isEdgefaceError, OK, USAGE } from './errors.js';

/**
 * Command modules, loaded on demand (quantize and eval pull in onnxruntime-node and sharp):
 * only the one being run is imported, so `convert` stays light; `--help` loads them all.
 */
const COMMANDS: Record<string, string> = {
  convert: './commands/convert.js',
  inspect: './commands/inspect.js',
  quantize: './commands/quantize.js',
  eval: './commands/eval.js',
  demo: './commands/demo.js',
  train: './commands/train.js',
  align: './commands/align.js',
  xcode: './commands/xcode.js',
  'build-inputs': './commands/build-inputs.js',
  emit: './commands/emit.js',
  build: './commands/build.js',
};

const EXIT_CODES = `
Exit codes (every command):
  0  ok
  1  the INT8 gate failed, or bad input (the one-line error names the file, node or image)
  2  usage: unknown option, missing argument, options that do not go together
  3  internal error (a bug; the stack trace is printed)
  train and align: 1 when the Python tool fails (its error line says why), 130 when interrupted`;

async function main(argv: string[]): Promise<number> {
  const program = new Command();
  // set before the commands are added: subcommands inherit them
  program
    .name('edgeface')
    .description('Face-recognition models from ONNX to ncnn: convert, quantize to INT8, gate on LFW accuracy; train and align faces')
    .version('0.1.0')
    .showHelpAfterError('(add --help for usage)')
    .exitOverride()
    .configureOutput({ outputError: (text, write) => write(`edgeface: ${text}`) })
    .addHelpText('after', EXIT_CODES);
  const name = argv[2];
  const wanted = name !== undefined && name in COMMANDS ? [COMMANDS[name]!] : Object.values(COMMANDS);
  for (const mod of wanted) {
    const m = (await import(mod)) as Record<string, unknown>;
    for (const [k, f] of Object.entries(m)) if (/^register\w+Command$/.test(k) && typeof f === 'function') f(program);
  }
  try {
    await program.parseAsync(argv);
    return process.exitCode === undefined ? OK : Number(process.exitCode);
  } catch (e) {
    if (e instanceof CommanderError) return e.exitCode === 0 ? OK : USAGE; // commander printed it
    if (isEdgefaceError(e)) {
      process.stderr.write(`edgeface: error: ${e.message}\n`);
      if (e.hint) process.stderr.write(`hint: ${e.hint}\n`);
      return e.exitCode;
    }
    throw e;
  }
}

main(process.argv).then(
  // Exit once stdout has drained: process.exit right after a large write to a pipe
  // (`edgeface inspect big.onnx | less`) would cut the output short.
  (code) => void process.stdout.write('', () => process.exit(code)),
  (e) => {
    process.stderr.write(`edgeface: internal error: ${(e as Error).stack ?? e}\n`);
    process.exit(INTERNAL);
  },
);
