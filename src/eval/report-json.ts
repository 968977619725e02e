/** All figures as JSON (for CI artefacts and trend tracking). */
import { writeFileAtomic } from '../util/atomic-write.js';
import type { EvalReport } from './run-eval.js';

export function reportToJson(report: EvalReport, extra: Record<string, unknown> = {}): string {
  return JSON.stringify({ ...report, ...extra }, (_k, v: unknown) => (v === Infinity ? null : v), 2) + '\n';
}

export async function writeJsonReport(file: string, report: EvalReport, extra: Record<string, unknown> = {}): Promise<void> {
  await writeFileAtomic(file, reportToJson(report, extra));
}
