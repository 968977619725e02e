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

/** Absolute path of a script shipped under tools/. */
export function toolPath(name: string): string {
  return path.join(packageRoot(), 'tools', name);
}
