import { closeSync, openSync, readFileSync } from 'node:fs';
import { EdgefaceError } from '../errors.js';
import { AtomicFileWriter } from '../util/atomic-write.js';
import { writeBin, type BinWriteOptions } from './bin-writer.js';
import type { NcnnModel } from './model.js';
import { fileBinSource, readBinInto } from './bin-reader.js';
import { parseParamText } from './param-reader.js';
import { writeParamText } from './param-writer.js';

function readOrFail(file: string): Buffer {
  try {
    return readFileSync(file);
  } catch (e) {
    throw new EdgefaceError(`${file}: cannot read (${(e as NodeJS.ErrnoException).code ?? String(e)})`);
  }
}

/** Loads a text .param and, when given, its .bin. */
export function readNcnnModel(paramFile: string, binFile?: string): NcnnModel {
  const layers = parseParamText(readOrFail(paramFile).toString('utf8'), paramFile);
  if (binFile !== undefined) {
    let fd: number;
    try {
      fd = openSync(binFile, 'r');
    } catch (e) {
      throw new EdgefaceError(`${binFile}: cannot read (${(e as NodeJS.ErrnoException).code ?? String(e)})`);
    }
    try {
      readBinInto(layers, fileBinSource(fd), binFile);
    } finally {
      closeSync(fd);
    }
  }
  return { layers };
}

/** Writes .param and .bin atomically; on failure neither half-written file remains. */
export async function writeNcnnModel(model: NcnnModel, paramFile: string, binFile: string, opts: BinWriteOptions = {}): Promise<void> {
  let bin: AtomicFileWriter | undefined;
  let param: AtomicFileWriter | undefined;
  try {
    bin = new AtomicFileWriter(binFile);
    param = new AtomicFileWriter(paramFile);
    writeBin(bin, model, opts);
    param.write(Buffer.from(writeParamText(model), 'utf8'));
    // both complete on disk before either replaces an old file
    bin.finish();
    param.finish();
  } catch (e) {
    bin?.abort();
    param?.abort();
    throw e;
  }
  bin.commit();
  param.commit();
}
