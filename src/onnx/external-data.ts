import { realpathSync, statSync } from 'node:fs';
import path from 'node:path';
import { EdgefaceError } from '../errors.js';
import { DTYPE_BYTES, numel, type DType, type Shape } from '../ir/tensor.js';
import type { TensorProto } from './proto.js';

/** A decimal byte count as ONNX writes it ("4096"), or undefined for anything else. */
function byteCount(text: string): number | undefined {
  if (!/^\d+$/.test(text.trim())) return undefined;
  const v = Number(text.trim());
  return Number.isSafeInteger(v) ? v : undefined;
}

/**
 * Resolves ONNX external-data tensors (`location`, `offset`, `length` entries) relative to the
 * model's folder. Tensors are read from the data file when used (never the whole file at
 * once). A location that
 * leaves the model's folder (absolute, `..`, or a symlink out) is refused: a model file must
 * not be able to make edgeface read arbitrary files.
 */
export class ExternalDataResolver {
  private readonly dir: string;
  private readonly modelFile: string;
  private readonly sizes = new Map<string, number>();

  constructor(modelFile: string) {
    this.modelFile = modelFile;
    this.dir = realpathSync(path.dirname(path.resolve(modelFile)));
  }

  resolve(t: TensorProto, dtype: DType, dims: Shape): { file: string; offset: number; length: number } {
    const kv = new Map((t.externalData ?? []).map((e) => [e.key ?? '', e.value ?? '']));
    const location = kv.get('location');
    const name = t.name ?? '';
    if (!location) throw new EdgefaceError(`${this.modelFile}: external tensor '${name}' has no location`);
    const file = this.safePath(location, name);
    let size = this.sizes.get(file);
    if (size === undefined) {
      try {
        size = statSync(file).size;
      } catch (e) {
        throw new EdgefaceError(
          `${this.modelFile}: external data file '${location}' of tensor '${name}' cannot be read (${(e as NodeJS.ErrnoException).code ?? e})`,
          { hint: 'keep the .data file next to the .onnx file it was exported with' },
        );
      }
      this.sizes.set(file, size);
    }
    const offset = kv.has('offset') ? byteCount(kv.get('offset')!) : 0;
    const want = numel(dims) * DTYPE_BYTES[dtype];
    const length = kv.has('length') ? byteCount(kv.get('length')!) : want;
    if (offset === undefined || length === undefined) {
      throw new EdgefaceError(
        `${this.modelFile}: external tensor '${name}' has offset '${kv.get('offset')}' / length '${kv.get('length')}'; both must be non-negative integers`,
      );
    }
    if (length !== want || offset + length > size) {
      throw new EdgefaceError(
        `${this.modelFile}: external tensor '${name}' wants bytes ${offset}..${offset + length} (need ${want}) of '${location}', which has ${size}`,
      );
    }
    return { file, offset, length };
  }

  private safePath(location: string, tensor: string): string {
    const refuse = () =>
      new EdgefaceError(`${this.modelFile}: external data location '${location}' of tensor '${tensor}' points outside the model's folder; refused`);
    if (path.isAbsolute(location)) throw refuse();
    const joined = path.resolve(this.dir, location);
    if (!joined.startsWith(this.dir + path.sep)) throw refuse();
    let real: string;
    try {
      real = realpathSync(joined);
    } catch {
      return joined; // missing file: reported with a clear error when read
    }
    if (!real.startsWith(this.dir + path.sep)) throw refuse();
    return real;
  }
}
