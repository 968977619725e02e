/**
 * LFW-style verification sets: a folder of <Person>/<Person>_NNNN.jpg crops plus a
 * pairs.txt in the official View 2 layout (header `folds pairsPerHalf`, then per fold
 * that many same-person lines `name i j` followed by as many different-person lines
 * `name1 i name2 j`). Every image is checked to exist before anything is decoded.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { EdgefaceError } from '../../errors.js';
import type { SetImage, VerificationPair, VerificationSet } from './verification-set.js';

export interface LfwLocation {
  /** Folder with the person folders, or an LFW root holding aligned112/ and pairs.txt. */
  dir: string;
  /** pairs file; default <dir>/pairs.txt. */
  pairs?: string;
}

export interface PairsHeader {
  folds: number;
  perHalf: number;
}

const IMAGE_EXTENSIONS = ['.jpg', '.png', '.jpeg', '.bmp', '.webp'];

/** Resolves the image folder: <dir>/aligned112 when present (the LFW root layout), else <dir>. */
export function lfwImageDir(dir: string): string {
  const aligned = path.join(dir, 'aligned112');
  return existsSync(aligned) && statSync(aligned).isDirectory() ? aligned : dir;
}

function parseIndex(text: string, where: string, line: string): number {
  const v = Number(text);
  if (!/^\d+$/.test(text) || v < 1) {
    throw new EdgefaceError(`${where}: image number '${text}' is not a positive integer in '${line}'`);
  }
  return v;
}

export function loadLfwPairs(loc: LfwLocation): VerificationSet {
  if (!existsSync(loc.dir) || !statSync(loc.dir).isDirectory()) {
    throw new EdgefaceError(`${loc.dir}: no such directory (expected an LFW-style folder)`);
  }
  const pairsFile = loc.pairs ?? path.join(loc.dir, 'pairs.txt');
  if (!existsSync(pairsFile)) {
    throw new EdgefaceError(`${pairsFile}: no such file (give the pairs list with --pairs)`);
  }
  const imageDir = lfwImageDir(loc.dir);
  const shown = path.join(path.basename(path.dirname(path.resolve(pairsFile))), path.basename(pairsFile));
  const lines = readFileSync(pairsFile, 'utf8').split(/\r?\n/);

  // Header: `folds perHalf`, or a single `perHalf` (one fold, as View 1's pairsDevTest.txt).
  const headerLine = lines.findIndex((l) => l.trim() !== '');
  if (headerLine < 0) throw new EdgefaceError(`${pairsFile}: empty pairs file`);
  const head = lines[headerLine]!.trim().split(/\s+/);
  const headWhere = `${shown}:${headerLine + 1}`;
  let header: PairsHeader;
  if (head.length === 2 && head.every((t) => /^\d+$/.test(t))) header = { folds: Number(head[0]), perHalf: Number(head[1]) };
  else if (head.length === 1 && /^\d+$/.test(head[0]!)) header = { folds: 1, perHalf: Number(head[0]) };
  else {
    throw new EdgefaceError(
      `${headWhere}: expected a header 'folds pairs-per-half' such as '10 300', got '${lines[headerLine]!.trim()}'`,
    );
  }
  if (header.folds < 1 || header.perHalf < 1) throw new EdgefaceError(`${headWhere}: header numbers must be positive`);

  const images: SetImage[] = [];
  const imageIndex = new Map<string, number>();
  const resolveImage = (person: string, num: number, where: string): number => {
    const stem = `${person}_${String(num).padStart(4, '0')}`;
    const key = `${person}/${stem}`;
    const known = imageIndex.get(key);
    if (known !== undefined) return known;
    const file = IMAGE_EXTENSIONS.map((ext) => path.join(imageDir, person, stem + ext)).find((f) => existsSync(f));
    if (!file) throw new EdgefaceError(`${where}: image ${key}.jpg not found in ${imageDir}`);
    imageIndex.set(key, images.length);
    images.push({ source: file, label: path.relative(imageDir, file) });
    return images.length - 1;
  };

  const perFold = 2 * header.perHalf;
  const expected = header.folds * perFold;
  const pairs: VerificationPair[] = [];
  let lastLine = headerLine;
  for (let i = headerLine + 1; i < lines.length; i++) {
    const text = lines[i]!.trim();
    if (text === '') continue;
    const where = `${shown}:${i + 1}`;
    const k = pairs.length;
    if (k >= expected) {
      throw new EdgefaceError(
        `${where}: more pairs than the header (${headWhere}) declares: ${header.folds} folds x ${perFold} = ${expected}; ` +
          `is the fold count in the header wrong?`,
      );
    }
    const fold = Math.floor(k / perFold) + 1;
    const wantSame = k % perFold < header.perHalf;
    const tok = text.split(/\s+/);
    if (tok.length === 3 && wantSame) {
      const person = tok[0]!;
      pairs.push({
        a: resolveImage(person, parseIndex(tok[1]!, where, text), where),
        b: resolveImage(person, parseIndex(tok[2]!, where, text), where),
        same: true,
        where,
      });
    } else if (tok.length === 4 && !wantSame) {
      pairs.push({
        a: resolveImage(tok[0]!, parseIndex(tok[1]!, where, text), where),
        b: resolveImage(tok[2]!, parseIndex(tok[3]!, where, text), where),
        same: false,
        where,
      });
    } else if (tok.length === 3 || tok.length === 4) {
      throw new EdgefaceError(
        `${where}: expected a ${wantSame ? "same-person pair 'name i j'" : "different-person pair 'name1 i name2 j'"} ` +
          `at pair ${(k % perFold) + 1} of fold ${fold} (header ${headWhere}: ${header.folds} folds of ${header.perHalf}+${header.perHalf}), got '${text}'`,
      );
    } else {
      throw new EdgefaceError(`${where}: a pair line has 3 or 4 fields, got '${text}'`);
    }
    lastLine = i;
  }
  if (pairs.length < expected) {
    const fold = Math.floor(pairs.length / perFold) + 1;
    throw new EdgefaceError(
      `${shown}:${lastLine + 2}: file ends after ${pairs.length} pairs but the header (${headWhere}) declares ` +
        `${header.folds} folds x ${perFold} = ${expected}; fold ${fold} is incomplete or missing`,
    );
  }
  return {
    name: `${shown} (${header.folds} fold${header.folds > 1 ? 's' : ''} of ${perFold} pairs)`,
    origin: pairsFile,
    images,
    pairs,
  };
}
