/** `edgeface eval`: flags -> runEval() (src/eval/run-eval.ts), then the report and the gate. */
import type { Command } from 'commander';
import { EdgefaceError, USAGE } from '../errors.js';
import { preprocessFromFlags } from '../image/preprocess.js';
import { assertGateHasCandidate, checkGate, type GateLimits } from '../eval/gate.js';
import { formatReport } from '../eval/report-table.js';
import { writeJsonReport } from '../eval/report-json.js';
import { writeRocPng } from '../eval/roc-plot.js';
import type { DatasetSpec } from '../eval/datasets/index.js';
import { runEval, type EvalReport } from '../eval/run-eval.js';
import { addOptions, choice, flag, numberIn, numeric, positiveInt, PREPROCESS_OPTIONS, text, type FlagsOf } from './options.js';

export const EVAL_OPTIONS = {
  lfw: text('--lfw <dir>', 'LFW-style folder (<Person>/<Person>_NNNN.jpg, or a root with aligned112/) with pairs.txt; default: the bundled fold-1 subset'),
  pairs: text('--pairs <file>', 'pairs file (default <lfw dir>/pairs.txt)'),
  bin: text('--bin <file>', 'insightface verification set (lfw.bin, cfp_fp.bin, agedb_30.bin)'),
  flip: flag('--flip', 'flip test: add the embedding of the mirrored image'),
  folds: numeric('--folds <n>', 'cross-validation folds', positiveInt, 10),
  far: numeric('--far <rate>', 'false accept rate for TAR@FAR', numberIn(0, 1, true), 1e-3),
  maxDrop: numeric('--max-drop <pp>', 'fail (exit 1) when a quantized model loses more accuracy than this, in percentage points', numberIn(0, 100)),
  minCosine: numeric('--min-cosine <c>', 'fail (exit 1) when the mean FP32-vs-quantized embedding cosine is below this', numberIn(-1, 1)),
  json: text('--json <file>', 'write every figure as JSON'),
  roc: text('--roc <file.png>', 'write ROC curves as PNG'),
  ...PREPROCESS_OPTIONS,
  input: text('--input <name>', "input name (ONNX input or ncnn blob); default: the model's first input"),
  output: text('--output <name>', "output name; default: the model's first output"),
  threads: numeric('--threads <n>', 'onnxruntime threads and ncnn runner processes (default: all cores)', positiveInt),
  batch: numeric('--batch <n>', 'images per inference call', positiveInt),
  python: text('--python <path>', 'Python with the ncnn package (default $EDGEFACE_PYTHON, .venv, python3)'),
  runner: choice('--runner <name>', 'what runs ncnn models: python (the PyPI ncnn runtime), host (ncnn built from source here) or arm64 (cross-built, under qemu-aarch64: the NEON kernels phones run)', ['python', 'host', 'arm64'] as const, 'python'),
  quiet: flag('-q, --quiet', 'no progress on stderr'),
};

export type EvalFlags = FlagsOf<typeof EVAL_OPTIONS>;

function datasetFrom(o: EvalFlags): DatasetSpec | undefined {
  if (o.bin && o.lfw) throw new EdgefaceError('give either --lfw or --bin, not both', { exitCode: USAGE });
  if (o.pairs && !o.lfw) throw new EdgefaceError('--pairs needs --lfw <image folder>', { exitCode: USAGE });
  if (o.bin) return { bin: o.bin };
  if (o.lfw) return { lfw: o.lfw, pairs: o.pairs };
  return undefined;
}

/**
 * Prints the table, writes the JSON and ROC files, and applies the gate; returns the exit
 * code (0, or 1 when the gate failed). Shared by eval and demo.
 */
export async function reportAndGate(report: EvalReport, limits: GateLimits, files: { json?: string; roc?: string }): Promise<number> {
  const verdict = checkGate(report, limits);
  process.stdout.write(formatReport(report) + '\n');
  if (files.json) {
    await writeJsonReport(files.json, report, { gate: { maxDropPp: limits.maxDropPp ?? null, minCosine: limits.minCosine ?? null, ...verdict } });
  }
  if (files.roc) await writeRocPng(files.roc, report);
  if (!verdict.ok) {
    process.stderr.write(`gate failed: ${verdict.failures.join('; ')}\n`);
    return 1;
  }
  if (verdict.checked) process.stdout.write(`gate passed (${verdict.checked} quantized model${verdict.checked > 1 ? 's' : ''} checked)\n`);
  return 0;
}

export function registerEvalCommand(program: Command): Command {
  const cmd = program
    .command('eval')
    .description(
      'LFW verification accuracy of ONNX (onnxruntime) and ncnn (real ncnn runtime) models on the same images; ' +
        'gates INT8 against FP32',
    )
    .argument('<models...>', 'model.onnx, model.param, model-int8.param (append :fp16 to run an ncnn model in FP16)');
  return addOptions(cmd, EVAL_OPTIONS).action(async (models: string[], o: EvalFlags) => {
    const limits: GateLimits = { maxDropPp: o.maxDrop, minCosine: o.minCosine };
    assertGateHasCandidate(models, limits);
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
      runner: o.runner,
      log: o.quiet ? undefined : (line: string) => process.stderr.write(`eval: ${line}\n`),
    });
    process.exitCode = await reportAndGate(report, limits, { json: o.json, roc: o.roc });
  });
}
