/** Plain-text report for stdout. */
import type { EvalReport } from './run-eval.js';

const pct = (x: number, digits = 2) => `${(x * 100).toFixed(digits)}%`;

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  return rows.map((r) => r.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join('  ').trimEnd()).join('\n');
}

export function formatReport(report: EvalReport, maxDisagreements = 10): string {
  const out: string[] = [];
  const d = report.dataset;
  out.push(
    `${d.name}: ${d.pairs} pairs, ${d.images} images, ${report.folds}-fold cross-validation, flip test ${report.flip ? 'on' : 'off'}`,
  );
  out.push('');
  const far = report.models[0]?.result.far ?? 1e-3;
  out.push(
    table([
      ['model', 'runtime', 'precision', 'accuracy', 'best thr (cos)', 'AUC', `TAR@FAR=${far}`, 'time'],
      ...report.models.map((m) => [
        m.label,
        m.runtime,
        m.precision,
        `${pct(m.result.accuracyMean)} ± ${pct(m.result.accuracyStd)}`,
        m.result.bestThresholdCosine.toFixed(3),
        m.result.auc.toFixed(5),
        pct(m.result.tarAtFar),
        `${m.seconds.toFixed(1)} s`,
      ]),
    ]),
  );
  if (report.comparisons.length) {
    out.push('');
    out.push(
      table([
        ['comparison', 'kind', 'Δ accuracy', 'cosine mean / min', 'decisions differ'],
        ...report.comparisons.map((c) => [
          `${report.models[c.candidate]!.label} vs ${report.models[c.reference]!.label}`,
          c.kind,
          `${c.accuracyDropPp > 0 ? '-' : '+'}${Math.abs(c.accuracyDropPp).toFixed(2)} pp`,
          c.cosineMean === null ? 'n/a' : `${c.cosineMean.toFixed(4)} / ${c.cosineMin!.toFixed(4)}`,
          `${c.disagreements.length} pairs`,
        ]),
      ]),
    );
    for (const c of report.comparisons.filter((x) => x.kind === 'quantized' && x.disagreements.length)) {
      out.push('');
      out.push(`pairs decided differently by ${report.models[c.candidate]!.label} and ${report.models[c.reference]!.label}:`);
      for (const g of c.disagreements.slice(0, maxDisagreements)) {
        out.push(
          `  ${g.where}  ${g.imageA}  ${g.imageB}  truth=${g.same ? 'same' : 'diff'}  ` +
            `fp32 ${g.referenceSaysSame ? 'same' : 'diff'} (cos ${g.referenceCosine.toFixed(3)})  ` +
            `candidate ${g.referenceSaysSame ? 'diff' : 'same'} (cos ${g.candidateCosine.toFixed(3)})`,
        );
      }
      if (c.disagreements.length > maxDisagreements) out.push(`  ... ${c.disagreements.length - maxDisagreements} more (see --json)`);
    }
  }
  return out.join('\n');
}
