import { existsSync } from 'node:fs';
import path from 'node:path';
import { packageRoot } from './package-root.js';

/**
 * The Python interpreter that runs the tools/ helpers (ncnn runner, trainer):
 * $EDGEFACE_PYTHON, else the project's .venv, else python3 on PATH.
 */
export function pythonInterpreter(): string {
  const fromEnv = process.env.EDGEFACE_PYTHON;
  if (fromEnv) return fromEnv;
  const venv = projectPython();
  if (existsSync(venv)) return venv;
  return 'python3';
}

/** The project's own venv interpreter (made by ./install.sh), whether or not it exists. */
export function projectPython(): string {
  return path.join(packageRoot(), '.venv', 'bin', 'python');
}

/** The Python helpers the TypeScript runtime starts (the ncnn runner, blob shapes). */
export const NCNN_RUNTIME_TOOLS = 'tools/ncnn_runtime';

/** Absolute path of one of those helpers. */
export function ncnnRuntimeScript(name: 'runner.py' | 'blob_shapes.py'): string {
  return path.join(packageRoot(), NCNN_RUNTIME_TOOLS, name);
}

/** Absolute path of a script shipped under tools/. */
export function toolPath(name: string): string {
  return path.join(packageRoot(), 'tools', name);
}
