/**
 * Runs one of the Python tools under tools/ (trainer, aligner) with the project's Python
 * (the same one eval's ncnn runner uses: $EDGEFACE_PYTHON, .venv, python3), its output
 * going straight to the terminal. Returns edgeface's exit code for the tool's status.
 */
import { spawn } from 'node:child_process';
import { EdgefaceError, FAILED, OK } from '../errors.js';
import { pythonInterpreter, toolPath } from '../runtime/python.js';

/** The trainer's status for an interrupted run (resumable). */
export const INTERRUPTED = 130;

export async function runPythonTool(script: string, args: string[], opts: { needs?: string[] } = {}): Promise<number> {
  const python = pythonInterpreter();
  const file = toolPath(script);
  for (const module of opts.needs ?? []) {
    // find_spec does not import: a quick check that turns a missing package into one line
    const probe = await run(python, ['-c', `import importlib.util, sys; sys.exit(0 if importlib.util.find_spec(${JSON.stringify(module)}) else 1)`], 'ignore');
    if (probe !== 0) {
      throw new EdgefaceError(`${python}: Python package '${module}' is not installed; ${script} needs it`, {
        hint: 'install the trainer layer (README, Set up)',
      });
    }
  }
  const status = await run(python, [file, ...args], 'inherit');
  if (status === 0) return OK;
  return status === INTERRUPTED ? INTERRUPTED : FAILED;
}

function run(python: string, argv: string[], stdio: 'inherit' | 'ignore'): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(python, argv, { stdio });
    child.on('error', (e) => reject(new EdgefaceError(`cannot start ${python}: ${e.message}`, { hint: 'set EDGEFACE_PYTHON or run ./install.sh' })));
    child.on('exit', (code, signal) => resolve(code ?? (signal === 'SIGINT' ? INTERRUPTED : FAILED)));
  });
}
