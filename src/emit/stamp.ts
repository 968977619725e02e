/**
 * A stamp records what an output folder was made from: each input file's sha256 (model,
 * external data, calibration images...), the options, and the edgeface version. Build
 * systems rerun when it changes; `edgeface build` skips the work when it matches and every
 * recorded output is still there.
 */
import { createHash } from 'node:crypto';
import { createReadStream, existsSync, readFileSync, statSync, utimesSync } from 'node:fs';
import path from 'node:path';
import { edgefaceVersion } from '../util/version.js';

export interface Stamp {
  edgeface: string;
  /** Input path (as given) -> sha256, in a stable order. */
  inputs: Record<string, string>;
  options: unknown;
  /** Output file names (relative to the stamp's folder) -> size in bytes. */
  outputs: Record<string, number>;
}

export async function sha256File(file: string): Promise<string> {
  const h = createHash('sha256');
  for await (const chunk of createReadStream(file)) h.update(chunk as Buffer);
  return h.digest('hex');
}

export async function hashInputs(files: string[]): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const f of [...new Set(files)].sort()) out[f] = await sha256File(f);
  return out;
}

/** Options in a canonical form (keys sorted, undefined dropped) so equal options compare equal. */
export function canonicalOptions(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(canonicalOptions);
  if (v && typeof v === 'object') {
    const o: Record<string, unknown> = {};
    for (const k of Object.keys(v).sort()) {
      const x = (v as Record<string, unknown>)[k];
      if (x !== undefined) o[k] = canonicalOptions(x);
    }
    return o;
  }
  return v;
}

export function makeStamp(inputs: Record<string, string>, options: unknown, outputs: Record<string, number>): Stamp {
  return { edgeface: edgefaceVersion(), inputs, options: canonicalOptions(options), outputs };
}

export function stampText(s: Stamp): string {
  return JSON.stringify(s, null, 2) + '\n';
}

export function readStamp(file: string): Stamp | undefined {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as Stamp;
  } catch {
    return undefined;
  }
}

/**
 * True when `file` holds a stamp with the same version, input hashes and options, and every
 * output it lists is present with its recorded size.
 */
export function stampMatches(file: string, inputs: Record<string, string>, options: unknown): boolean {
  const s = readStamp(file);
  if (!s || s.edgeface !== edgefaceVersion()) return false;
  if (JSON.stringify(s.inputs) !== JSON.stringify(inputs)) return false;
  if (JSON.stringify(s.options) !== JSON.stringify(canonicalOptions(options))) return false;
  const dir = path.dirname(file);
  return Object.entries(s.outputs ?? {}).every(([f, size]) => {
    const p = path.join(dir, f);
    return existsSync(p) && statSync(p).size === size;
  });
}

/**
 * After a match: when an input is newer than the stamp (touched, same content), give the
 * stamp and the outputs the current time without rewriting them, so make-style build
 * systems (CMake, Gradle, Xcode) that compare times see fresh outputs and stop rerunning.
 * Returns whether anything was refreshed.
 */
export function refreshIfTouched(file: string, inputFiles: string[]): boolean {
  const stampTime = statSync(file).mtimeMs;
  if (!inputFiles.some((f) => statSync(f).mtimeMs > stampTime)) return false;
  const now = new Date();
  const dir = path.dirname(file);
  for (const f of Object.keys(readStamp(file)?.outputs ?? {})) utimesSync(path.join(dir, f), now, now);
  utimesSync(file, now, now);
  return true;
}
