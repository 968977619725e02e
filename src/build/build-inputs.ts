/**
 * Everything a manifest model's outputs depend on, as files to hash: the model (with its
 * ONNX external data, or its .bin and converter sidecar) and every calibration image.
 */
import { existsSync } from 'node:fs';
import { EdgefaceError } from '../errors.js';
import { sidecarPath } from '../ncnn/sidecar.js';
import type { ManifestModel } from '../manifest/manifest.js';
import { externalDataFiles } from '../onnx/external-files.js';
import { listCalibrationImages } from '../quantize/calibration/images.js';

export function modelBin(m: ManifestModel): string {
  return m.bin ?? m.model.replace(/\.param$/i, '.bin');
}

export function buildInputFiles(m: ManifestModel): string[] {
  if (!existsSync(m.model)) throw new EdgefaceError(`model "${m.name}": ${m.model}: no such file`);
  const files = [m.model];
  if (/\.onnx$/i.test(m.model)) files.push(...externalDataFiles(m.model));
  else if (/\.param$/i.test(m.model)) {
    const bin = modelBin(m);
    if (!existsSync(bin)) throw new EdgefaceError(`model "${m.name}": ${bin}: no such file (the .bin of ${m.model})`);
    files.push(bin);
    if (existsSync(sidecarPath(m.model))) files.push(sidecarPath(m.model));
  } else throw new EdgefaceError(`model "${m.name}": ${m.model}: expected an .onnx or ncnn .param model`);
  if (m.int8 && m.calib) files.push(...listCalibrationImages(m.calib));
  return files;
}
