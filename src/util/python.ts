import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** Repository / package root (dist/src/util -> three levels up; src/util -> two). */
export function packageRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  while (!existsSync(path.join(dir, 'package.json'))) {
    const up = path.dirname(dir);
    if (up === dir) throw new Error('edgeface package root not found');
    dir = up;
  }
  return dir;
}

/** Python with the ncnn runtime: $EDGEFACE_PYTHON, else the project's .venv, else python3. */
export function pythonExecutable(): string {
  if (process.env.EDGEFACE_PYTHON) return process.env.EDGEFACE_PYTHON;
  const venv = path.join(packageRoot(), '.venv', 'bin', 'python');
  return existsSync(venv) ? venv : 'python3';
}

export const toolPath = (name: string) => path.join(packageRoot(), 'tools', name);
