/** `edgeface eval`: registered on the lead's commander program by registerEvalCommand. */
import { Command, InvalidArgumentError, Option } from 'commander';
import { EdgefaceError } from '../errors.js';
import { preprocessFromFlags } from '../image/preprocess.js';
import { assertGateHasCandidate, checkGate } from './gate.js';
import { formatReport } from './report-table.js';
import { writeJsonReport } from './report-json.js';
import { writeRocPng } from './roc-plot.js';
import { runEval, type DatasetSpec } from './run-eval.js';

export interface EvalCommandOptions {
  lfw?: string;
  pairs?: string;
  bin?: string;
  flip?: boolean;
  folds: number;
  far: number;
  maxDrop?: number;
  minCosine?: number;
  json?: string;
  roc?: string;
  preset?: string;
  color?: string;
  mean?: string;
  std?: string;
  inputSize?: string;
  input?: string;
  output?: string;
  threads?: number;
  batch?: number;
  python?: string;
  quiet?: boolean;
}

const number = (what: string, check: (v: number) => boolean = Number.isFinite) => (text: string) => {
  const v = Number(text);
  if (!check(v)) throw new InvalidArgumentError(`${what}: '${text}' is not valid`);
  return v;
};
const positiveInt = (what: string) => number(what, (v) => Number.isInteger(v) && v > 0);

function datasetFrom(o: EvalCommandOptions): DatasetSpec | undefined {
  if (o.bin && o.lfw) throw new EdgefaceError('give either --lfw or --bin, not both');
  if (o.pairs && !o.lfw) throw new EdgefaceError('--pairs needs --lfw <image folder>');
  if (o.bin) return { bin: o.bin };
  if (o.lfw) return { lfw: o.lfw, pairs: o.pairs };
  return undefined;
}

/** Runs the command; returns the exit code (0 ok, 1 gate failed). Throws EdgefaceError on bad input. */
export async function evalCommandAction(models: string[], o: EvalCommandOptions): Promise<number> {
  assertGateHasCandidate(models, { maxDropPp: o.maxDrop, minCosine: o.minCosine });
  const log = o.quiet ? undefined : (line: string) => process.stderr.write(`eval: ${line}\n`);
  const report = await runEval({
    models,
    dataset: datasetFrom(o),
    flip: o.flip,
    folds: o.folds,
    far: o.far,
    threads: o.threads,
    batch: o.batch,
    preprocess: preprocessFromFlags(o),
    input: o.input,
    output: o.output,
    python: o.python,
    log,
  });
  const verdict = checkGate(report, { maxDropPp: o.maxDrop, minCosine: o.minCosine });
  process.stdout.write(formatReport(report) + '\n');
  if (o.json) {
    await writeJsonReport(o.json, report, {
      gate: { maxDropPp: o.maxDrop ?? null, minCosine: o.minCosine ?? null, ...verdict },
    });
  }
  if (o.roc) await writeRocPng(o.roc, report);
  if (!verdict.ok) {
    process.stderr.write(`gate failed: ${verdict.failures.join('; ')}\n`);
    return 1;
  }
  if (verdict.checked) process.stdout.write(`gate passed (${verdict.checked} quantized model${verdict.checked > 1 ? 's' : ''} checked)\n`);
  return 0;
}

export function registerEvalCommand(program: Command): Command {
  return program
    .command('eval')
    .description(
      'LFW verification accuracy of ONNX (onnxruntime) and ncnn (real ncnn runtime) models on the same images; ' +
        'gates INT8 against FP32',
    )
    .argument('<models...>', 'model.onnx, model.param, model-int8.param (append :fp16 to run an ncnn model in FP16)')
    .option('--lfw <dir>', 'LFW-style folder (<Person>/<Person>_NNNN.jpg, or a root with aligned112/) with pairs.txt; default: the bundled fold-1 subset')
    .option('--pairs <file>', 'pairs file (default <lfw dir>/pairs.txt)')
    .option('--bin <file>', 'insightface verification set (lfw.bin, cfp_fp.bin, agedb_30.bin)')
    .option('--flip', 'flip test: add the embedding of the mirrored image')
    .addOption(new Option('--folds <n>', 'cross-validation folds').default(10).argParser(positiveInt('--folds')))
    .addOption(new Option('--far <rate>', 'false accept rate for TAR@FAR').default(1e-3).argParser(number('--far', (v) => v > 0 && v < 1)))
    .addOption(new Option('--max-drop <pp>', 'fail (exit 1) when a quantized model loses more accuracy than this, in percentage points').argParser(number('--max-drop', (v) => v >= 0)))
    .addOption(new Option('--min-cosine <c>', 'fail (exit 1) when the mean FP32-vs-quantized embedding cosine is below this').argParser(number('--min-cosine', (v) => v >= -1 && v <= 1)))
    .option('--json <file>', 'write every figure as JSON')
    .option('--roc <file.png>', 'write ROC curves as PNG')
    .addOption(new Option('--preset <name>', 'preprocessing preset').choices(['arcface', 'imagenet', 'raw']))
    .option('--color <RGB|BGR>', 'channel order the model expects')
    .option('--mean <m>', "per-channel mean over 0..255 pixels, 'm' or 'r,g,b'")
    .option('--std <s>', "per-channel std over 0..255 pixels, 's' or 'r,g,b'")
    .option('--input-size <WxH>', 'crop size the images are decoded at')
    .option('--input <name>', 'input name (ONNX input or ncnn blob); default: the model\'s first input')
    .option('--output <name>', 'output name; default: the model\'s first output')
    .addOption(new Option('--threads <n>', 'onnxruntime threads and ncnn runner processes (default: all cores)').argParser(positiveInt('--threads')))
    .addOption(new Option('--batch <n>', 'images per inference call').argParser(positiveInt('--batch')))
    .option('--python <path>', 'Python with the ncnn package (default $EDGEFACE_PYTHON, .venv, python3)')
    .option('-q, --quiet', 'no progress on stderr')
    .action(async (models: string[], o: EvalCommandOptions) => {
      try {
        process.exitCode = await evalCommandAction(models, o);
      } catch (e) {
        if (!(e instanceof EdgefaceError)) throw e;
        process.stderr.write(`edgeface eval: ${e.message}\n${e.hint ? `hint: ${e.hint}\n` : ''}`);
        process.exitCode = e.exitCode || 2;
      }
    });
}
