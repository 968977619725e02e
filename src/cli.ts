#!/usr/bin/env node
import { Command } from 'commander';
import { isEdgefaceError } from './errors.js';
import { registerConvertCommand } from './commands/convert.js';
import { registerInspectCommand } from './commands/inspect.js';

/**
 * Command modules loaded on demand (they pull in onnxruntime-node, sharp...): only the one
 * being run is imported, so `convert` stays light. Absent modules are skipped.
 */
const LAZY: Record<string, string> = {
  quantize: './quantize/command.js',
  eval: './eval/command.js',
  train: './commands/train.js',
  align: './commands/train.js',
  demo: './commands/demo.js',
  xcode: './commands/xcode.js',
};

async function main(argv: string[]): Promise<number> {
  const program = new Command();
  program
    .name('edgeface')
    .description('Face-recognition models from ONNX to ncnn: convert, quantize to INT8, gate on LFW accuracy')
    .version('0.1.0')
    .showHelpAfterError();
  registerConvertCommand(program);
  registerInspectCommand(program);
  const wanted = argv[2] !== undefined && argv[2] in LAZY ? [LAZY[argv[2]]!] : argv[2] === 'convert' || argv[2] === 'inspect' ? [] : [...new Set(Object.values(LAZY))];
  for (const mod of wanted) {
    let m: Record<string, unknown>;
    try {
      m = (await import(mod)) as Record<string, unknown>;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ERR_MODULE_NOT_FOUND' && String((e as Error).message).includes(mod.slice(2, -3))) continue;
      throw e;
    }
    for (const [k, f] of Object.entries(m)) if (/^register\w+Command$/.test(k) && typeof f === 'function') f(program);
  }
  program.exitOverride();
  try {
    await program.parseAsync(argv);
    return process.exitCode === undefined ? 0 : Number(process.exitCode);
  } catch (e) {
    if (e && typeof e === 'object' && 'code' in e && String((e as { code: string }).code).startsWith('commander.')) {
      const ce = e as unknown as { exitCode: number };
      return ce.exitCode;
    }
    if (isEdgefaceError(e)) {
      process.stderr.write(`edgeface: error: ${e.message}\n`);
      if (e.hint) process.stderr.write(`hint: ${e.hint}\n`);
      return e.exitCode;
    }
    throw e;
  }
}

main(process.argv).then(
  (code) => process.exit(code),
  (e) => {
    process.stderr.write(`edgeface: internal error: ${(e as Error).stack ?? e}\n`);
    process.exit(2);
  },
);
