#!/usr/bin/env bash
# Installs edgeface from npm and PyPI only, in two layers:
#   ./install.sh        core: Node packages, the build (dist/) and a Python venv (.venv) with
#                       the ncnn runtime, onnxruntime, numpy and pillow. Enough for
#                       `npx edgeface demo`, convert, quantize, eval, inspect. No PyTorch.
#   ./install.sh --dev  core + the dev layer (PyTorch & co): trainer, aligner, test fixtures,
#                       tests. `npm test` and `edgeface train`/`align` install it when missing.
# Node packages: npm ci --ignore-scripts (onnxruntime-node's install script would fetch CUDA
# binaries; its CPU binaries already ship inside the npm package).
set -euo pipefail
cd "$(dirname "$0")"
dev=0
case "${1:-}" in
  --dev) dev=1 ;;
  "") ;;
  *) echo "usage: ./install.sh [--dev]" >&2; exit 2 ;;
esac
npm ci --ignore-scripts --no-audit --no-fund
# onnxruntime-node ships its native library for every OS and CPU (about 290 MB): keep this one's.
ort=node_modules/onnxruntime-node/bin/napi-v6
here=$ort/$(node -p 'process.platform + "/" + process.arch')
if [ -d "$here" ]; then
  for d in "$ort"/*/*; do [ "$d" = "$here" ] || rm -rf "$d"; done
  rmdir "$ort"/* 2>/dev/null || true
fi
npm run build
tools/install-layer.sh core
if [ $dev = 1 ]; then tools/install-layer.sh dev; fi
