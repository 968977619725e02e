/**
 * `<m>.id.h` exactly as ncnn2mem writes it: an include guard from the header's file name, a
 * namespace from the text .param's file name, `LAYER_<name>` / `BLOB_<name>` constants (names
 * sanitized byte by byte) in file order, and `TYPEINDEX_<type>` for each custom layer type,
 * which the app registers with `net.register_custom_layer`.
 */
import path from 'node:path';
import { EdgefaceError } from '../errors.js';
import { CUSTOM_LAYER_BIT } from '../ncnn/layer-type-index.js';
import { sanitizeName, type ParamBin } from '../ncnn/param-bin-writer.js';

/** ncnn2mem's path_to_varname: the file's base name, sanitized. */
export function pathToVarname(file: string): string {
  return sanitizeName(Buffer.from(path.basename(file), 'utf8').toString('latin1'));
}

/**
 * `paramFile` is the text .param's name as ncnn2mem would be given it, `idFile` the header's;
 * only their base names matter. Returns latin1 text (custom type names keep their bytes).
 */
export function idHeaderText(pb: ParamBin, paramFile: string, idFile: string): string {
  const ns = `${pathToVarname(paramFile)}_id`;
  const guard = pathToVarname(idFile);
  for (const t of pb.customTypes) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(t)) {
      throw new EdgefaceError(`${paramFile}: custom layer type '${Buffer.from(t, 'latin1').toString('utf8')}' is not a C identifier; ncnn2mem would write TYPEINDEX_${t} into ${path.basename(idFile)}, which does not compile`);
    }
  }
  const out = [`#ifndef NCNN_INCLUDE_GUARD_${guard}`, `#define NCNN_INCLUDE_GUARD_${guard}`, `namespace ${ns} {`];
  pb.layers.forEach((l, i) => {
    out.push(`const int LAYER_${sanitizeName(l.name)} = ${i};`);
    for (const b of l.tops) out.push(`const int BLOB_${sanitizeName(pb.blobs[b]!)} = ${b};`);
  });
  pb.customTypes.forEach((t, j) => out.push(`const int TYPEINDEX_${t} = ${CUSTOM_LAYER_BIT | j};`));
  out.push(`} // namespace ${ns}`, `#endif // NCNN_INCLUDE_GUARD_${guard}`);
  return out.join('\n') + '\n';
}
