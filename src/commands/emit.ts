/** `edgeface emit`: the files an app embeds (see src/emit/emit.ts). */
import type { Command } from 'commander';
import { EdgefaceError } from '../errors.js';
import { preprocessFromFlags } from '../image/preprocess.js';
import { addOptions, PREPROCESS_OPTIONS, type FlagsOf } from './options.js';
import { EMIT_OUTPUTS, emitModel, type EmitOutput } from '../emit/emit.js';

type Flags = FlagsOf<typeof PREPROCESS_OPTIONS> & {
  out: string;
  name?: string;
  outputs?: string;
  input?: string;
  output?: string;
};

function parseOutputs(text: string | undefined): EmitOutput[] | undefined {
  if (text === undefined) return undefined;
  const list = text.split(',').map((s) => s.trim()).filter(Boolean);
  const bad = list.filter((s) => !(EMIT_OUTPUTS as readonly string[]).includes(s));
  if (bad.length || !list.length) throw new EdgefaceError(`--outputs: expected a comma-separated subset of ${EMIT_OUTPUTS.join(', ')}, got '${text}'`);
  return list as EmitOutput[];
}

export function registerEmitCommand(program: Command): void {
  const cmd = program
    .command('emit')
    .description('write the files an app embeds: <m>.param.bin + <m>.bin + <m>.id.h (as ncnn2mem), <m>.mem.h, typed header edgeface_<m>.h, <m>.stamp.json')
    .argument('<model>', 'ncnn text .param, or .onnx (converted first)')
    .argument('[model.bin]', 'weights of a .param (default: same stem .bin)')
    .requiredOption('-o, --out <dir>', 'output folder')
    .option('--name <m>', "model name for file, array and namespace names (default: the model's file stem)")
    .option('--outputs <list>', `comma-separated subset of ${EMIT_OUTPUTS.join(',')} (default: all)`)
    .option('--input <blob>', "image input blob (default: the model's only Input)")
    .option('--output <blob>', "embedding blob (default: the converter's record, else the only output)");
  addOptions(cmd, PREPROCESS_OPTIONS).action(async (model: string, bin: string | undefined, f: Flags) => {
    const res = await emitModel({
      model,
      bin,
      outDir: f.out,
      name: f.name,
      outputs: parseOutputs(f.outputs),
      input: f.input,
      output: f.output,
      preprocess: preprocessFromFlags(f),
    });
    for (const file of res.files) process.stdout.write(`${file}\n`);
  });
}
