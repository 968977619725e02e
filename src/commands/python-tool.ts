/**
 * Runs one of the Python tools under tools/ (trainer, aligner) with the project's Python
 * (the same one eval's ncnn runner uses: $EDGEFACE_PYTHON, .venv, python3), its output
 * going straight to the terminal. Returns edgeface's exit code for the tool's status.
 */
import { spawn } from 'node:child_process';
import type { Command } from 'commander';
import { EdgefaceError, FAILED, OK } from '../errors.js';
import { projectPython, pythonInterpreter, toolPath } from '../runtime/python.js';

/**
 * A command whose arguments all pass through to a Python tool: --help too, since the tool's
 * own usage is the one to show.
 */
export function passThroughCommand(program: Command, name: string, description: string, usage: string): Command {
  return program
    .command(name)
    .description(description)
    .usage(usage)
    .helpOption(false)
    .allowUnknownOption()
    .allowExcessArguments()
    .argument('[args...]');
}

/** The trainer's status for an interrupted run (resumable). */
export const INTERRUPTED = 130;

export async function runPythonTool(script: string, args: string[], opts: { needs?: string[] } = {}): Promise<number> {
  const python = pythonInterpreter();
  const file = toolPath(script);
  for (const module of opts.needs ?? []) {
    // The core install has no PyTorch: the project's own venv gets the dev layer on first use.
    if (!(await hasModule(python, module)) && python === projectPython()) {
      const status = await run('bash', [toolPath('install-layer.sh'), 'dev'], 'inherit');
      if (status !== 0) throw new EdgefaceError(`installing the dev layer (PyTorch) for ${script} failed`, { hint: 'tools/install-layer.sh dev' });
    }
    if (!(await hasModule(python, module))) {
      throw new EdgefaceError(`${python}: Python package '${module}' is not installed; ${script} needs it`, {
        hint: 'install the dev layer: tools/install-layer.sh dev (README, Set up)',
      });
    }
  }
  const status = await run(python, [file, ...args], 'inherit');
  if (status === 0) return OK;
  return status === INTERRUPTED ? INTERRUPTED : FAILED;
}

// find_spec does not import: a quick check that turns a missing package into one line
async function hasModule(python: string, module: string): Promise<boolean> {
  const code = `import importlib.util, sys; sys.exit(0 if importlib.util.find_spec(${JSON.stringify(module)}) else 1)`;
  return (await run(python, ['-c', code], 'ignore')) === 0;
}

function run(python: string, argv: string[], stdio: 'inherit' | 'ignore'): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(python, argv, { stdio });
    child.on('error', (e) => reject(new EdgefaceError(`cannot start ${python}: ${e.message}`, { hint: 'set EDGEFACE_PYTHON or run ./install.sh' })));
    child.on('exit', (code, signal) => resolve(code ?? (signal === 'SIGINT' ? INTERRUPTED : FAILED)));
  });
}
