#!/usr/bin/env bash
# Installs everything edgeface needs, from npm and PyPI only:
#  - Node packages (npm ci --ignore-scripts: onnxruntime-node's install script would fetch
#    CUDA binaries from GitHub; its CPU binaries already ship inside the npm package),
#  - the TypeScript build (dist/),
#  - a Python venv (.venv) with the real ncnn runtime, onnxruntime, PyTorch and the rest
#    of tools/requirements.txt (+ tools/requirements-nodeps.txt, see there).
set -euo pipefail
cd "$(dirname "$0")"
npm ci --ignore-scripts --no-audit --no-fund
npm run build
if [ ! -x .venv/bin/python ]; then
  python3 -m venv .venv
fi
.venv/bin/python -m pip install -q --disable-pip-version-check -r tools/requirements.txt
.venv/bin/python -m pip install -q --disable-pip-version-check --no-deps -r tools/requirements-nodeps.txt
