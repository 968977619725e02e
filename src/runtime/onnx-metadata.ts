/**
 * Reads an ONNX file's metadata_props (ModelProto field 14) without decoding the graph:
 * a top-level protobuf scan that skips initializers, so it costs microseconds even for
 * large models. onnxruntime-node does not expose custom metadata.
 */
import { readFile } from 'node:fs/promises';
import protobuf from 'protobufjs';
import { EdgefaceError } from '../errors.js';

const METADATA_PROPS_FIELD = 14;

export function readOnnxMetadataFromBytes(bytes: Uint8Array, file: string): Record<string, string> {
  const props: Record<string, string> = {};
  const reader = protobuf.Reader.create(bytes);
  try {
    while (reader.pos < reader.len) {
      const tag = reader.uint32();
      const field = tag >>> 3;
      const wire = tag & 7;
      if (field === METADATA_PROPS_FIELD && wire === 2) {
        const entry = protobuf.Reader.create(reader.bytes());
        let key = '';
        let value = '';
        while (entry.pos < entry.len) {
          const t = entry.uint32();
          if (t >>> 3 === 1 && (t & 7) === 2) key = entry.string();
          else if (t >>> 3 === 2 && (t & 7) === 2) value = entry.string();
          else entry.skipType(t & 7);
        }
        props[key] = value;
      } else {
        reader.skipType(wire);
      }
    }
  } catch (e) {
    throw new EdgefaceError(`${file}: not a readable ONNX model (${(e as Error).message})`);
  }
  return props;
}

export async function readOnnxMetadata(file: string): Promise<Record<string, string>> {
  return readOnnxMetadataFromBytes(await readFile(file), file);
}
