#!/usr/bin/env bash
# Installs one Python layer of edgeface into the project's venv, from PyPI only:
#   core  ncnn, onnxruntime, numpy, pillow (tools/requirements-core.txt): convert, quantize,
#         eval, inspect, demo
#   dev   core + PyTorch, torchvision, onnx, onnxscript, pnnx, scikit-learn, pytest and
#         facenet-pytorch (tools/requirements-dev*.txt): trainer, aligner, test fixtures, tests
# Quick when already installed: a layer whose requirement files have not changed since it
# was installed (stamp file in the venv) is skipped without asking pip.
# The venv is $EDGEFACE_VENV (default <repo>/.venv); it is created when missing.
# Usage: tools/install-layer.sh core|dev
set -euo pipefail
cd "$(dirname "$0")/.."
layer=${1:-}
case $layer in
  core) files=(tools/requirements-core.txt) ;;
  dev) files=(tools/requirements-core.txt tools/requirements-dev.txt tools/requirements-dev-nodeps.txt) ;;
  *) echo "usage: tools/install-layer.sh core|dev" >&2; exit 2 ;;
esac
venv=${EDGEFACE_VENV:-.venv}
stamp=$venv/.edgeface-layer-$layer
want=$(cat "${files[@]}" | cksum)   # the same form as `cksum <file>` for one file
current() { [ "$(cat "$stamp" 2>/dev/null)" = "$want" ]; }
if current; then exit 0; fi

mkdir -p "$venv"
# Two installs into one venv at once (parallel test runs) would race: one at a time.
if command -v flock >/dev/null; then exec 9>"$venv/.edgeface-install.lock"; flock 9; fi
if current; then exit 0; fi
[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
pip=("$venv/bin/python" -m pip install -q --disable-pip-version-check --no-cache-dir)
note=""; [ "$layer" = dev ] && note=" (PyTorch with its CUDA libraries: about 5.5 GB, several minutes)"
echo "install-layer: installing the $layer layer into $venv$note" >&2
if [ "$layer" = core ]; then
  "${pip[@]}" -r tools/requirements-core.txt
else
  "${pip[@]}" -r tools/requirements-dev.txt   # includes core
  "${pip[@]}" --no-deps -r tools/requirements-dev-nodeps.txt
  cksum <tools/requirements-core.txt >"$venv/.edgeface-layer-core"
fi
echo "$want" >"$stamp"
