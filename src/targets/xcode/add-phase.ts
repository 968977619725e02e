/**
 * Adds (or updates) the edgeface Run Script phase of one target of an Xcode project, with its
 * .xcfilelist inputs and outputs, through Apache Cordova's pbxproj parser/writer. Running it
 * again updates the same phase: one phase per target, never a duplicate.
 */
import { existsSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import xcode, { type PbxNativeTarget, type PbxObjectRef } from 'xcode';
import { EdgefaceError } from '../../errors.js';
import { tempPathFor } from '../../util/atomic-write.js';
import { fileListText, phaseFileLists, xcodePath } from './file-lists.js';

export const PHASE_NAME = 'edgeface: build models';
export const INPUT_LIST = 'edgeface-inputs.xcfilelist';
export const OUTPUT_LIST = 'edgeface-outputs.xcfilelist';

export interface AddPhaseOptions {
  /** Name of the PBXNativeTarget that gets the phase. */
  target: string;
  /** edgeface.json (default: edgeface.json in the project's folder). */
  manifest?: string;
  /** The build-phase script the phase runs (default: this package's targets/ios/edgeface-build-phase.sh). */
  script: string;
}

export interface AddPhaseResult {
  phaseId: string;
  created: boolean;
  inputList: string;
  outputList: string;
  inputs: number;
  outputs: number;
}

/** A pbxproj string literal (always quoted: paths hold `$(...)`, spaces, slashes). */
export function pbxString(s: string): string {
  return '"' + s.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n').replace(/\t/g, '\\t') + '"';
}

/** The parser keeps quotes and escapes; this gives the text back. */
export function pbxUnquote(v: unknown): string {
  const s = String(v);
  if (!(s.length >= 2 && s.startsWith('"') && s.endsWith('"'))) return s;
  return s.slice(1, -1).replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c === 't' ? '\t' : c));
}

/** SRCROOT of a project given `X.xcodeproj/project.pbxproj` or `X.xcodeproj`. */
export function projectPaths(projectPath: string): { pbxproj: string; srcRoot: string } {
  const p = path.resolve(projectPath);
  const pbxproj = p.endsWith('.xcodeproj') ? path.join(p, 'project.pbxproj') : p;
  if (path.basename(path.dirname(pbxproj)).endsWith('.xcodeproj') === false)
    throw new EdgefaceError(`${projectPath}: expected X.xcodeproj or X.xcodeproj/project.pbxproj`);
  return { pbxproj, srcRoot: path.dirname(path.dirname(pbxproj)) };
}

function writeAtomicSync(file: string, text: string): void {
  const tmp = tempPathFor(file);
  try {
    writeFileSync(tmp, text);
    renameSync(tmp, file);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  }
}

function loadProject(pbxproj: string) {
  if (!existsSync(pbxproj)) throw new EdgefaceError(`${pbxproj}: no such file`);
  try {
    return xcode.project(pbxproj).parseSync();
  } catch (e) {
    const where = (e as { location?: { start?: { line?: number } } }).location?.start?.line;
    throw new EdgefaceError(`${pbxproj}${where ? `:${where}` : ''}: not a readable Xcode project (${(e as Error).message.split('\n')[0]})`);
  }
}

type Objects = Record<string, Record<string, unknown>>;

/**
 * Xcode compiles a Run Script phase's outputs only when they are in the target's Sources:
 * each generated Swift file gets a file reference relative to DERIVED_FILE_DIR (where the
 * phase writes it) in the Sources phase, once.
 */
function addDerivedSources(proj: ReturnType<typeof xcode.project>, target: PbxNativeTarget, files: string[]): void {
  const objects = proj.hash.project.objects as Objects;
  const refs = (objects.PBXFileReference ??= {});
  const buildFiles = (objects.PBXBuildFile ??= {});
  const sourcesRef = target.buildPhases.find((r) => (objects.PBXSourcesBuildPhase ?? {})[r.value] !== undefined);
  if (!sourcesRef) return;
  const sources = objects.PBXSourcesBuildPhase![sourcesRef.value] as { files: PbxObjectRef[] };
  for (const file of files) {
    let refId = Object.keys(refs).find((k) => {
      const r = refs[k] as { path?: string; sourceTree?: string };
      return !k.endsWith('_comment') && pbxUnquote(r.path) === file && pbxUnquote(r.sourceTree) === 'DERIVED_FILE_DIR';
    });
    if (refId === undefined) {
      refId = proj.generateUuid();
      refs[refId] = { isa: 'PBXFileReference', lastKnownFileType: 'sourcecode.swift', path: pbxString(file), sourceTree: 'DERIVED_FILE_DIR' };
      refs[`${refId}_comment`] = file;
    }
    const inPhase = sources.files.some((f) => (buildFiles[f.value] as { fileRef?: string } | undefined)?.fileRef === refId);
    if (inPhase) continue;
    const buildId = proj.generateUuid();
    buildFiles[buildId] = { isa: 'PBXBuildFile', fileRef: refId, fileRef_comment: file };
    buildFiles[`${buildId}_comment`] = `${file} in Sources`;
    sources.files.push({ value: buildId, comment: `${file} in Sources` });
  }
}

export function addEdgefacePhase(projectPath: string, o: AddPhaseOptions): AddPhaseResult {
  const { pbxproj, srcRoot } = projectPaths(projectPath);
  const manifest = path.resolve(o.manifest ?? path.join(srcRoot, 'edgeface.json'));
  const proj = loadProject(pbxproj);
  const objects = proj.hash.project.objects;
  const targets = (objects.PBXNativeTarget ?? {}) as Record<string, PbxNativeTarget | string>;
  const targetId = Object.keys(targets).find((k) => !k.endsWith('_comment') && pbxUnquote((targets[k] as PbxNativeTarget).name) === o.target);
  if (targetId === undefined) {
    const names = Object.keys(targets).filter((k) => !k.endsWith('_comment')).map((k) => pbxUnquote((targets[k] as PbxNativeTarget).name));
    throw new EdgefaceError(`${pbxproj}: no target named '${o.target}' (targets: ${names.join(', ') || 'none'})`);
  }
  const target = targets[targetId] as PbxNativeTarget;
  const lists = phaseFileLists(manifest, srcRoot);
  const manifestDir = path.dirname(manifest);
  const inputList = path.join(manifestDir, INPUT_LIST);
  const outputList = path.join(manifestDir, OUTPUT_LIST);

  const scriptRef = xcodePath(o.script, srcRoot);
  const shellRef = scriptRef.replace(/\$\((\w+)\)/g, '${$1}');
  const phase = {
    isa: 'PBXShellScriptBuildPhase',
    buildActionMask: 2147483647,
    files: [],
    inputFileListPaths: [pbxString(xcodePath(inputList, srcRoot))],
    inputPaths: [pbxString(scriptRef)],
    name: pbxString(PHASE_NAME),
    outputFileListPaths: [pbxString(xcodePath(outputList, srcRoot))],
    outputPaths: [],
    runOnlyForDeploymentPostprocessing: 0,
    shellPath: '/bin/sh',
    shellScript: pbxString(
      `# Converts, quantizes and gates the models of ${xcodePath(manifest, srcRoot)} (edgeface targets/README.md).\n` +
        `# Inputs and outputs: ${INPUT_LIST} / ${OUTPUT_LIST} (regenerate: edgeface xcode add-phase).\n` +
        `export EDGEFACE_MANIFEST="${xcodePath(manifest, srcRoot).replace(/\$\((\w+)\)/g, '${$1}')}"\n` +
        `/bin/sh "${shellRef}"\n`,
    ),
  };

  const section = (objects.PBXShellScriptBuildPhase ??= {});
  const existing = target.buildPhases.find((r) => {
    const ph = section[r.value] as { name?: string } | undefined;
    return ph !== undefined && pbxUnquote(ph.name) === PHASE_NAME;
  });
  let phaseId: string;
  if (existing) {
    phaseId = existing.value;
  } else {
    phaseId = proj.generateUuid();
    // Before compilation, so the generated header exists when sources that include it compile.
    const sourcesAt = target.buildPhases.findIndex((r) => (objects.PBXSourcesBuildPhase ?? {})[r.value] !== undefined);
    const ref: PbxObjectRef = { value: phaseId, comment: PHASE_NAME };
    target.buildPhases.splice(sourcesAt < 0 ? target.buildPhases.length : sourcesAt, 0, ref);
  }
  section[phaseId] = phase;
  section[`${phaseId}_comment`] = PHASE_NAME;
  const swiftFiles = lists.outputs.filter((o) => o.startsWith('$(DERIVED_FILE_DIR)/') && o.endsWith('.swift')).map((o) => o.slice('$(DERIVED_FILE_DIR)/'.length));
  addDerivedSources(proj, target, swiftFiles);

  const text = proj.writeSync();
  writeAtomicSync(inputList, fileListText(lists.inputs));
  writeAtomicSync(outputList, fileListText(lists.outputs));
  writeAtomicSync(pbxproj, text);
  return { phaseId, created: !existing, inputList, outputList, inputs: lists.inputs.length, outputs: lists.outputs.length };
}
