/** ROC curves (TPR against log-scale FAR) of every model, drawn as SVG and rendered to PNG with sharp. */
import sharp from 'sharp';
import { writeFileAtomic } from '../util/atomic-write.js';
import type { EvalReport } from './run-eval.js';

const COLORS = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b', '#e377c2', '#17becf'];
const W = 820;
const H = 560;
const M = { left: 70, right: 20, top: 40, bottom: 60 };

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

export function rocSvg(report: EvalReport): string {
  const models = report.models;
  // FAR axis from the smallest non-zero FAR the data can show (1 / negatives), by decades.
  const negatives = report.dataset.pairs - Math.round(report.dataset.pairs / 2);
  const xMinExp = Math.min(-1, Math.floor(Math.log10(1 / Math.max(2, negatives))));
  const tprAt = (fpr: number[], tpr: number[], far: number) => {
    let best = 0;
    for (let i = 0; i < fpr.length; i++) if (fpr[i]! <= far && tpr[i]! > best) best = tpr[i]!;
    return best;
  };
  const lowest = Math.min(...models.map((m) => tprAt(m.result.roc.fpr, m.result.roc.tpr, 10 ** xMinExp)));
  const yMin = Math.max(0, Math.min(0.9, Math.floor(lowest * 10) / 10));
  const pw = W - M.left - M.right;
  const ph = H - M.top - M.bottom;
  const x = (far: number) => M.left + ((Math.log10(Math.max(far, 10 ** xMinExp)) - xMinExp) / -xMinExp) * pw;
  const y = (tpr: number) => M.top + (1 - (Math.max(tpr, yMin) - yMin) / (1 - yMin)) * ph;

  const parts: string[] = [];
  parts.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" font-family="DejaVu Sans, Arial, sans-serif">`);
  parts.push(`<rect width="${W}" height="${H}" fill="white"/>`);
  parts.push(
    `<text x="${W / 2}" y="24" text-anchor="middle" font-size="16">${esc(`ROC on ${report.dataset.name}${report.flip ? ', flip test' : ''}`)}</text>`,
  );
  for (let e = xMinExp; e <= 0; e++) {
    const gx = x(10 ** e);
    parts.push(`<line x1="${gx}" y1="${M.top}" x2="${gx}" y2="${M.top + ph}" stroke="#ddd"/>`);
    parts.push(`<text x="${gx}" y="${M.top + ph + 20}" text-anchor="middle" font-size="12">1e${e}</text>`);
  }
  const yStep = (1 - yMin) / 5;
  for (let k = 0; k <= 5; k++) {
    const v = yMin + k * yStep;
    const gy = y(v);
    parts.push(`<line x1="${M.left}" y1="${gy}" x2="${M.left + pw}" y2="${gy}" stroke="#ddd"/>`);
    parts.push(`<text x="${M.left - 8}" y="${gy + 4}" text-anchor="end" font-size="12">${v.toFixed(2)}</text>`);
  }
  parts.push(`<rect x="${M.left}" y="${M.top}" width="${pw}" height="${ph}" fill="none" stroke="#333"/>`);
  parts.push(`<text x="${M.left + pw / 2}" y="${H - 18}" text-anchor="middle" font-size="13">false accept rate (log scale)</text>`);
  parts.push(
    `<text x="18" y="${M.top + ph / 2}" text-anchor="middle" font-size="13" transform="rotate(-90 18 ${M.top + ph / 2})">true accept rate</text>`,
  );
  models.forEach((m, i) => {
    const { fpr, tpr } = m.result.roc;
    // Staircase: from each point go right at constant TPR, then up.
    const pts: string[] = [];
    let lastY = y(tprAt(fpr, tpr, 10 ** xMinExp));
    pts.push(`${x(10 ** xMinExp).toFixed(1)},${lastY.toFixed(1)}`);
    for (let k = 0; k < fpr.length; k++) {
      if (fpr[k]! <= 10 ** xMinExp) continue;
      const px = x(fpr[k]!).toFixed(1);
      pts.push(`${px},${lastY.toFixed(1)}`);
      lastY = y(tpr[k]!);
      pts.push(`${px},${lastY.toFixed(1)}`);
    }
    const color = COLORS[i % COLORS.length]!;
    const dash = m.role === 'candidate' ? ' stroke-dasharray="6 3"' : '';
    parts.push(`<polyline fill="none" stroke="${color}" stroke-width="2"${dash} points="${pts.join(' ')}"/>`);
    const ly = M.top + ph - 16 - (models.length - 1 - i) * 20;
    // Legend bottom-left: the curves of usable face models hug the top of the plot.
    parts.push(`<line x1="${M.left + 12}" y1="${ly}" x2="${M.left + 42}" y2="${ly}" stroke="${color}" stroke-width="2"${dash}/>`);
    parts.push(
      `<text x="${M.left + 50}" y="${ly + 4}" font-size="12">${esc(`${m.label} (${m.runtime}): ${(m.result.accuracyMean * 100).toFixed(2)}%, AUC ${m.result.auc.toFixed(4)}`)}</text>`,
    );
  });
  parts.push('</svg>');
  return parts.join('\n');
}

export async function writeRocPng(file: string, report: EvalReport): Promise<void> {
  const png = await sharp(Buffer.from(rocSvg(report))).png().toBuffer();
  await writeFileAtomic(file, png);
}
