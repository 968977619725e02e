import { realpathSync } from 'node:fs';
import path from 'node:path';
import { EdgefaceError } from '../errors.js';

/** The file a path names once links are resolved (for a path not there yet: its folder's). */
function canonical(p: string): string {
  try {
    return realpathSync(p);
  } catch {
    try {
      return path.join(realpathSync(path.dirname(p)), path.basename(p));
    } catch {
      return path.resolve(p);
    }
  }
}

/**
 * Refuses to write an output over one of the command's inputs (`convert m.bin -o m` would
 * replace its own input), links resolved, unless the user said --force.
 */
export function refuseOverwritingInputs(inputs: string[], outputs: string[], force = false): void {
  if (force) return;
  const ins = new Map(inputs.map((i) => [canonical(i), i]));
  for (const o of outputs) {
    const hit = ins.get(canonical(o));
    if (hit !== undefined) {
      throw new EdgefaceError(`${o}: output would overwrite the input ${hit}; refused`, { hint: 'choose another -o, or pass --force' });
    }
  }
}
