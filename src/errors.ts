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
    this.exitCode = opts.exitCode ?? 1;
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
