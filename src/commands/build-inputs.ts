import path from 'node:path';
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { EdgefaceError } from '../errors.js';
import { packageRoot } from '../runtime/package-root.js';

/**
 * `edgeface build-inputs`: the files `edgeface build` reads for a manifest, for app build
 * hooks that must declare them (Gradle task inputs, Xcode script-phase inputs under
 * ENABLE_USER_SCRIPT_SANDBOXING). `--check-declared` reads the declared paths from stdin and
 * fails, naming the first missing file, unless every input is among them.
 */
export function registerBuildInputsCommand(program: Command): void {
  program
    .command('build-inputs')
    .description('list the files edgeface build reads for a manifest (for Gradle/Xcode hooks)')
    .option('--manifest <file>', 'edgeface.json', 'edgeface.json')
    .option('--json', 'print {"edgefaceVersion", "inputs"} as JSON')
    .option('--check-declared', 'read declared paths from stdin; fail unless they cover every input')
    .action(async (o: { manifest: string; json?: boolean; checkDeclared?: boolean }) => {
      const { manifestInputFiles } = await import('../targets/manifest-inputs.js');
      const inputs = manifestInputFiles(o.manifest);
      if (o.checkDeclared) {
        const declared = new Set((await readStdin()).split('\n').map((l) => l.trim()).filter((l) => l !== '').map((l) => path.resolve(l)));
        const missing = inputs.filter((f) => !declared.has(path.resolve(f)));
        if (missing.length > 0)
          throw new EdgefaceError(
            `${missing[0]} is read by edgeface build but is not a declared input` +
              (missing.length > 1 ? ` (and ${missing.length - 1} more)` : '') +
              '; refresh the declared inputs (Xcode: rerun `edgeface xcode add-phase`)',
          );
        return;
      }
      if (o.json) {
        const version = (JSON.parse(readFileSync(path.join(packageRoot(), 'package.json'), 'utf8')) as { version: string }).version;
        process.stdout.write(JSON.stringify({ edgefaceVersion: version, inputs }) + '\n');
      } else process.stdout.write(inputs.map((f) => f + '\n').join(''));
    });
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
