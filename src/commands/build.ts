/** `edgeface build`: every model of an edgeface.json manifest, ready for an app build. */
import path from 'node:path';
import type { Command } from 'commander';
import { EdgefaceError } from '../errors.js';
import { buildManifest } from '../build/build.js';
import { MANIFEST_FILE, findManifest, readManifest } from '../manifest/manifest.js';

export function registerBuildCommand(program: Command): void {
  program
    .command('build')
    .description(`convert, quantize (int8), gate and emit every model of ${MANIFEST_FILE} into <outdir>/<name>/; a no-op when nothing changed`)
    .option('--manifest <file>', `manifest (default: ./${MANIFEST_FILE})`)
    .option('--model <name>', 'build only this model')
    .requiredOption('-o, --out <dir>', 'output folder')
    .option('-q, --quiet', 'no progress on stderr')
    .action(async (f: { manifest?: string; model?: string; out: string; quiet?: boolean }) => {
      const file = f.manifest ?? findManifest();
      if (!file) throw new EdgefaceError(`no ${MANIFEST_FILE} in ${process.cwd()}; pass --manifest <file>`);
      const log = f.quiet ? undefined : (line: string) => process.stderr.write(`${line}\n`);
      const res = await buildManifest(readManifest(file), path.resolve(f.out), { model: f.model, log });
      for (const r of res) process.stdout.write(`${r.name} ${r.upToDate ? 'up-to-date' : 'built'} ${r.dir}\n`);
    });
}
