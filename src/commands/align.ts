/** `edgeface align <photos> <out>`: the bundled face aligner (tools/align/align.py). */
import type { Command } from 'commander';
import { EdgefaceError, USAGE } from '../errors.js';
import { passThroughCommand, runPythonTool } from './python-tool.js';

export function registerAlignCommand(program: Command): Command {
  return passThroughCommand(program, 'align', 'detect 5 landmarks (MTCNN) and warp face photos to 112x112 ArcFace crops; `edgeface align --help` shows the aligner\'s options', '<photos> <out> [options]')
    .action(async (args: string[]) => {
      const help = args.some((a) => a === '-h' || a === '--help');
      if (!help && args.filter((a) => !a.startsWith('-')).length < 2) {
        throw new EdgefaceError('align: needs <photos> and <out> folders (see edgeface align --help)', { exitCode: USAGE });
      }
      process.exitCode = await runPythonTool('align/align.py', args, { needs: help ? [] : ['numpy', 'torch'] });
    });
}
