/** `edgeface train <config> [-o key=value ...]`: the bundled PyTorch trainer (tools/trainer/train_v2.py). */
import type { Command } from 'commander';
import { EdgefaceError, USAGE } from '../errors.js';
import { passThroughCommand, runPythonTool } from './python-tool.js';

export function registerTrainCommand(program: Command): Command {
  return passThroughCommand(program, 'train', 'train an ArcFace model from a config (tools/trainer/configs/); `edgeface train --help` shows the trainer\'s options', '<config> [-o key=value ...]')
    .action(async (args: string[]) => {
      if (args.length === 0) throw new EdgefaceError('train: missing <config> (see edgeface train --help)', { exitCode: USAGE });
      process.exitCode = await runPythonTool('trainer/train_v2.py', args, { needs: args.some((a) => a === '-h' || a === '--help') ? [] : ['torch'] });
    });
}
