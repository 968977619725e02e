/** The CI gate: how much a quantized model may lose against its FP32 source. */
import type { EvalReport } from './run-eval.js';
import { EdgefaceError } from '../errors.js';
import { inspectNcnnParam } from '../runtime/ncnn-model.js';
import { parseModelSpec } from './model-spec.js';

const NO_CANDIDATE =
  '--max-drop/--min-cosine need a quantized model (INT8 .param, or a .param:fp16 run) together with its FP32 source';

/** Checked before any inference so a misconfigured CI job fails in a second, not after the run. */
export function assertGateHasCandidate(models: string[], limits: GateLimits): void {
  if (limits.maxDropPp === undefined && limits.minCosine === undefined) return;
  const specs = models.map(parseModelSpec);
  const candidates = specs.filter((s) => s.format === 'ncnn' && (s.fp16 || inspectNcnnParam(s.path).quantized));
  if (candidates.length === 0) throw new EdgefaceError(NO_CANDIDATE);
  if (candidates.length === specs.length) throw new EdgefaceError(`${NO_CANDIDATE}; no FP32 model given`);
}

export interface GateLimits {
  /** Largest allowed drop of mean 10-fold accuracy, in percentage points. */
  maxDropPp?: number;
  /** Smallest allowed mean cosine between FP32 and quantized embeddings of the same image. */
  minCosine?: number;
}

export interface GateVerdict {
  ok: boolean;
  /** One line per violated limit. */
  failures: string[];
  checked: number;
}

const pct = (x: number) => `${(x * 100).toFixed(2)}%`;

export function checkGate(report: EvalReport, limits: GateLimits): GateVerdict {
  const active = limits.maxDropPp !== undefined || limits.minCosine !== undefined;
  const quantized = report.comparisons.filter((c) => c.kind === 'quantized');
  if (active && quantized.length === 0) {
    throw new EdgefaceError(NO_CANDIDATE);
  }
  const failures: string[] = [];
  for (const c of quantized) {
    const ref = report.models[c.reference]!;
    const cand = report.models[c.candidate]!;
    const name = `${cand.label} vs ${ref.label}`;
    // Tolerance for float noise in the subtraction of two fold means.
    if (limits.maxDropPp !== undefined && c.accuracyDropPp > limits.maxDropPp + 1e-9) {
      failures.push(
        `${name}: accuracy drops ${c.accuracyDropPp.toFixed(2)} pp (${pct(ref.result.accuracyMean)} -> ${pct(cand.result.accuracyMean)}), more than --max-drop ${limits.maxDropPp}`,
      );
    }
    if (limits.minCosine !== undefined) {
      if (c.cosineMean === null) {
        failures.push(`${name}: embeddings differ in size (${ref.dim} vs ${cand.dim}), cosine cannot be checked`);
      } else if (c.cosineMean < limits.minCosine) {
        failures.push(`${name}: mean embedding cosine ${c.cosineMean.toFixed(4)} is below --min-cosine ${limits.minCosine}`);
      }
    }
  }
  return { ok: failures.length === 0, failures, checked: active ? quantized.length : 0 };
}
