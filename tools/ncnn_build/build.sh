#!/usr/bin/env bash
# Builds ncnn's own ncnn2table, ncnn2int8 and ncnn2mem into .cache/ncnn-tools/ (git-ignored):
# the reference tools the INT8 and emit compatibility tests and the quantization benchmark
# compare with. The source tree comes from fetch-source.sh (CPU only build, no Vulkan).
# Does nothing when the tools are already built from that source. See README.md beside this
# file. Usage: tools/ncnn_build/build.sh [dest]
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$PWD
dest=${1:-.cache/ncnn-tools}
sha=2e350dbc9eaefb547efeedd97227e4579dffd75db278323f8fdc77e3931b112b
tools=(ncnn2table ncnn2int8 ncnn2mem)

built() {
  for tool in "${tools[@]}"; do [ -x "$dest/$tool" ] || return 1; done
  [ "$(cat "$dest/SOURCE_SHA256" 2>/dev/null)" = "$sha" ]
}
if built; then exit 0; fi
for tool in cmake make c++; do
  command -v $tool >/dev/null || { echo "ncnn_build: $tool not found; ${tools[*]} not built (their tests will skip)" >&2; exit 0; }
done

mkdir -p "$(dirname "$dest")"
# dest may be shared by several checkouts: one build at a time, the others wait and reuse it.
exec 9>"$dest.lock"
flock 9
if built; then exit 0; fi

src=$(tools/ncnn_build/fetch-source.sh)
work=$(mktemp -d)
trap 'rm -rf "$work" "$dest.tmp.$$"' EXIT
echo "ncnn_build: building ${tools[*]} (about 5 minutes on 2 cores)" >&2
cmake -S "$src" -B "$work/build" -DCMAKE_BUILD_TYPE=Release -DNCNN_VULKAN=OFF -DNCNN_BUILD_TOOLS=ON \
  -DNCNN_BUILD_EXAMPLES=OFF -DNCNN_BUILD_BENCHMARK=OFF -DNCNN_BUILD_TESTS=OFF -DNCNN_PYTHON=OFF >"$work/cmake.log" 2>&1 \
  || { tail -20 "$work/cmake.log" >&2; exit 1; }
make -C "$work/build" -j"$(nproc)" "${tools[@]}" >"$work/make.log" 2>&1 || { tail -30 "$work/make.log" >&2; exit 1; }
mkdir -p "$dest.tmp.$$"
cp "$work/build/tools/quantize/ncnn2int8" "$work/build/tools/quantize/ncnn2table" "$work/build/tools/ncnn2mem" "$dest.tmp.$$/"
echo "$sha" >"$dest.tmp.$$/SOURCE_SHA256"
rm -rf "$dest"
mv "$dest.tmp.$$" "$dest"
echo "ncnn_build: wrote ${tools[*]} to $dest" >&2
