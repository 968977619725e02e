import path from 'node:path';
import type { Command } from 'commander';
import { packageRoot } from '../runtime/package-root.js';

/** `edgeface xcode ...`: the Xcode Run Script phase (thin over src/targets/xcode). */
export function registerXcodeCommand(program: Command): void {
  const xc = program.command('xcode').description('Xcode integration: add the edgeface build phase to an app target');
  xc.command('add-phase')
    .description('add (or update) the Run Script phase that builds edgeface.json models into the app, with its .xcfilelist inputs/outputs')
    .argument('<project>', 'X.xcodeproj or X.xcodeproj/project.pbxproj')
    .requiredOption('--target <name>', 'app target that gets the phase')
    .option('--manifest <file>', 'edgeface.json (default: beside the .xcodeproj)')
    .option('--script <file>', 'build-phase script to run (default: the one in this package, targets/ios/edgeface-build-phase.sh)')
    .action(async (project: string, o: { target: string; manifest?: string; script?: string }) => {
      const { addEdgefacePhase } = await import('../targets/xcode/add-phase.js');
      const script = o.script ?? path.join(packageRoot(), 'targets', 'ios', 'edgeface-build-phase.sh');
      const r = addEdgefacePhase(project, { target: o.target, manifest: o.manifest, script });
      process.stdout.write(
        `${r.created ? 'added' : 'updated'} phase ${r.phaseId} in target '${o.target}'\n` +
          `wrote ${r.inputList} (${r.inputs} inputs) and ${r.outputList} (${r.outputs} outputs)\n`,
      );
    });
}

