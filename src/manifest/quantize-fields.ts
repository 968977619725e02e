/**
 * The INT8 options a manifest's `quantize` object may hold: `edgeface quantize`'s own option
 * schema (src/commands/quantize.ts), keys in camelCase (`--keep-fp32` -> keepFp32), each
 * value checked by that option's parser and choices, so a manifest and a command line mean
 * the same. Options naming output files, or only printing, are not allowed here.
 */
import { EdgefaceError } from '../errors.js';
import { QUANTIZE_OPTIONS, type QuantizeFlags } from '../commands/quantize.js';

const NOT_IN_MANIFEST = new Set(['calib', 'table', 'out', 'outParam', 'outBin', 'tableOut', 'sensitivity', 'sensitivityJson', 'quiet']);

export type QuantizeFlagValues = Partial<QuantizeFlags>;

export const QUANTIZE_FIELDS = Object.keys(QUANTIZE_OPTIONS).filter((k) => !NOT_IN_MANIFEST.has(k));

/** Validates a manifest `quantize` object; `where` names it in errors (file and model). */
export function quantizeFlagValues(v: unknown, where: string): QuantizeFlagValues {
  if (v === undefined) return {};
  if (!v || typeof v !== 'object' || Array.isArray(v)) throw new EdgefaceError(`${where}: "quantize" must be an object`);
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v)) {
    const spec = (QUANTIZE_OPTIONS as Record<string, { flags: string; parse?: (t: string) => unknown; choices?: readonly string[] }>)[k];
    const at = `${where}: quantize.${k}`;
    if (!spec || NOT_IN_MANIFEST.has(k)) throw new EdgefaceError(`${where}: unknown quantize option "${k}" (known: ${QUANTIZE_FIELDS.join(', ')})`);
    if (!spec.flags.includes('<')) {
      // a switch; --no-x switches are stored under x, true by default
      if (typeof x !== 'boolean') throw new EdgefaceError(`${at} must be true or false`);
      out[k] = x;
      continue;
    }
    let textValue: string;
    if (typeof x === 'string' || typeof x === 'number') textValue = String(x);
    else if (Array.isArray(x) && x.every((e) => typeof e === 'string' || typeof e === 'number')) textValue = x.join(',');
    else throw new EdgefaceError(`${at} must be a string, a number or an array of them`);
    if (spec.choices && !spec.choices.includes(textValue)) throw new EdgefaceError(`${at} must be one of ${spec.choices.join(', ')}`);
    try {
      out[k] = spec.parse ? spec.parse(textValue) : textValue;
    } catch (e) {
      throw new EdgefaceError(`${at}: ${(e as Error).message}`);
    }
  }
  return out as QuantizeFlagValues;
}
