// The part of Apache Cordova's `xcode` package (pbxproj parser/writer) edgeface uses; it ships no types.
declare module 'xcode' {
  export interface PbxObjectRef {
    value: string;
    comment?: string;
  }
  export interface PbxNativeTarget {
    isa: 'PBXNativeTarget';
    name: string;
    buildPhases: PbxObjectRef[];
    [k: string]: unknown;
  }
  export interface PbxProjectHash {
    project: { objects: Record<string, Record<string, unknown>>; rootObject: string };
  }
  export interface PbxProject {
    hash: PbxProjectHash;
    parseSync(): PbxProject;
    writeSync(options?: { omitEmptyValues?: boolean }): string;
    generateUuid(): string;
  }
  const xcode: { project(file: string): PbxProject };
  export default xcode;
}
