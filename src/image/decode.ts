/** Decoding face crops with sharp into packed RGB bytes at the model's input size. */
import sharp from 'sharp';
import { EdgefaceError } from '../errors.js';

export interface RgbImage {
  /** HWC, 3 bytes per pixel, RGB. */
  data: Uint8Array;
  width: number;
  height: number;
  /** True when the source had another size and was resized (bilinear) to fit. */
  resized: boolean;
}

// The eval pipeline keeps many decodes in flight itself; sharp's own cache only costs memory.
sharp.cache(false);

/**
 * Decodes a JPEG/PNG/... file or buffer to RGB at `width` x `height`. `label` names the
 * image in errors (a file path, or `lfw.bin image 17`). Alpha is dropped, grey is
 * expanded; a crop of another size is stretched, since eval expects aligned crops.
 */
export async function decodeRgb(source: string | Uint8Array, width: number, height: number, label: string): Promise<RgbImage> {
  const load = () => sharp(source, { failOn: 'error' }).removeAlpha().toColourspace('srgb');
  try {
    let { data, info } = await load().raw().toBuffer({ resolveWithObject: true });
    let resized = false;
    if (info.width !== width || info.height !== height) {
      ({ data, info } = await load()
        .resize(width, height, { fit: 'fill', kernel: 'linear' })
        .raw()
        .toBuffer({ resolveWithObject: true }));
      resized = true;
    }
    if (info.channels !== 3) throw new Error(`decoded to ${info.channels} channels, expected 3`);
    return { data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength), width, height, resized };
  } catch (e) {
    const why = (e as Error).message.split('\n')[0];
    throw new EdgefaceError(`${label}: cannot decode image (${why})`);
  }
}
