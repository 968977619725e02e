#!/usr/bin/env node
// Assembles the WebAssembly kernels (src/**/*.wat) next to their compiled modules in dist/,
// with wabt (npm). Part of `npm run build`.
import { readdirSync, readFileSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import initWabt from 'wabt';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const wabt = await initWabt();
for (const rel of readdirSync(path.join(root, 'src'), { recursive: true }).map(String).filter((f) => f.endsWith('.wat'))) {
  const src = path.join(root, 'src', rel);
  const mod = wabt.parseWat(src, readFileSync(src, 'utf8'), { simd: true });
  mod.validate();
  const out = path.join(root, 'dist', 'src', rel.replace(/\.wat$/, '.wasm'));
  mkdirSync(path.dirname(out), { recursive: true });
  writeFileSync(out, mod.toBinary({}).buffer);
  mod.destroy();
}
