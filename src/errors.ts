/**
 * Exit codes, the same for every command (documented in `edgeface --help` and the README):
 * 0 ok; 1 the gate failed or the input is bad (a file, a model, an image); 2 usage (unknown
 * option, missing argument, flags that do not go together); 3 an internal error (a bug:
 * the stack is printed). `train` and `align` add the trainer's 130 (interrupted).
 */
export const OK = 0;
export const FAILED = 1;
export const USAGE = 2;
export const INTERNAL = 3;

/**
 * User-facing errors. The CLI prints `message` (and `hint`) without a stack trace and
 * exits with `exitCode`; anything else escaping is a bug and keeps its stack.
 */
export class EdgefaceError extends Error {
  readonly hint?: string;
  readonly exitCode: number;
  constructor(message: string, opts: { hint?: string; exitCode?: number; cause?: unknown } = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'EdgefaceError';
    this.hint = opts.hint;
    this.exitCode = opts.exitCode ?? FAILED;
  }
}

/** An ONNX node the converter cannot handle (unsupported op, bad attribute, unknown shape). */
export class UnsupportedNodeError extends EdgefaceError {
  constructor(opType: string, nodeName: string, why: string, hint?: string) {
    super(`node '${nodeName}' (${opType}): ${why}`, { hint });
    this.name = 'UnsupportedNodeError';
  }
}

export function isEdgefaceError(e: unknown): e is EdgefaceError {
  return e instanceof EdgefaceError;
}
