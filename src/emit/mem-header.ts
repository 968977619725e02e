/**
 * `<m>.mem.h` exactly as ncnn2mem writes it: the .param.bin and the .bin as two 4-byte
 * aligned `static const unsigned char` arrays, `0x%02x,` sixteen to a line, named after the
 * files (`<m>_param_bin`, `<m>_bin`). Streamed: the text is about 5x the .bin.
 */
import { pathToVarname } from './id-header.js';

const HEX = Array.from({ length: 256 }, (_, b) => `0x${b.toString(16).padStart(2, '0')},`);
const ALIGN = '\n#ifdef _MSC_VER\n__declspec(align(4))\n#else\n__attribute__((aligned(4)))\n#endif\n';

/** The array body: every 16th byte is followed by a newline, the rest run on. */
function* arrayLines(data: Uint8Array): Generator<string> {
  const CHUNK = 1 << 16; // bytes per yielded piece, a multiple of 16
  for (let off = 0; off < data.length; off += CHUNK) {
    const end = Math.min(off + CHUNK, data.length);
    let s = '';
    for (let i = off; i < end; i++) {
      s += HEX[data[i]!];
      if ((i + 1) % 16 === 0) s += '\n';
    }
    yield s;
  }
}

/**
 * The header's pieces, in order (latin1-safe ASCII). File names give the array names and
 * the guard, as in ncnn2mem: `paramBinFile` (`<m>.param.bin`), `binFile`, `memFile`.
 */
export function* memHeaderPieces(paramBin: Uint8Array, bin: Uint8Array, names: { paramBinFile: string; binFile: string; memFile: string }): Generator<string> {
  const guard = pathToVarname(names.memFile);
  yield `#ifndef NCNN_INCLUDE_GUARD_${guard}\n#define NCNN_INCLUDE_GUARD_${guard}\n`;
  yield `${ALIGN}static const unsigned char ${pathToVarname(names.paramBinFile)}[] = {\n`;
  yield* arrayLines(paramBin);
  yield '};\n';
  yield `${ALIGN}static const unsigned char ${pathToVarname(names.binFile)}[] = {\n`;
  yield* arrayLines(bin);
  yield '};\n';
  yield `#endif // NCNN_INCLUDE_GUARD_${guard}\n`;
}
