/**
 * The .xcfilelist files of the edgeface Run Script phase. With ENABLE_USER_SCRIPT_SANDBOXING
 * a script phase may read and write only what it declares, and Xcode reruns it only when a
 * declared input changes, so the inputs list names every file `edgeface build` reads
 * (manifest, models, external data, each calibration and gate image) and the outputs list
 * every file the phase writes.
 */
import path from 'node:path';
import { manifestInputFiles, readManifestModels } from '../manifest-inputs.js';

/** `file` as Xcode should see it: `$(SRCROOT)/...` when under the project folder, else absolute. */
export function xcodePath(file: string, srcRoot: string): string {
  const rel = path.relative(path.resolve(srcRoot), path.resolve(file));
  return rel === '' ? '$(SRCROOT)' : rel.startsWith('..') || path.isAbsolute(rel) ? path.resolve(file) : `$(SRCROOT)/${rel.split(path.sep).join('/')}`;
}

/** Where the phase keeps edgeface's own work (outputs of `edgeface build`, its stamps, temp files). */
export const WORK_DIR = '$(DERIVED_FILE_DIR)/edgeface';
/** The app bundle's resources folder, where `Bundle.main` finds the model files. */
export const RESOURCES_DIR = '$(TARGET_BUILD_DIR)/$(UNLOCALIZED_RESOURCES_FOLDER_PATH)';

/** Files the phase writes for one model <m>: resources in the bundle, header and Swift constants in DerivedSources. */
export function modelOutputs(ident: string): string[] {
  return [
    `${RESOURCES_DIR}/${ident}.param.bin`,
    `${RESOURCES_DIR}/${ident}.bin`,
    `$(DERIVED_FILE_DIR)/edgeface_${ident}.h`,
    `$(DERIVED_FILE_DIR)/edgeface_${ident}.swift`,
  ];
}

export interface PhaseFileLists {
  inputs: string[];
  outputs: string[];
}

export function phaseFileLists(manifestPath: string, srcRoot: string): PhaseFileLists {
  return {
    inputs: manifestInputFiles(manifestPath).map((f) => xcodePath(f, srcRoot)),
    outputs: [WORK_DIR, ...readManifestModels(manifestPath).flatMap((m) => modelOutputs(m.ident))],
  };
}

/** xcfilelist text: one path a line. */
export function fileListText(paths: string[]): string {
  return paths.join('\n') + '\n';
}
