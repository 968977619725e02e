#!/usr/bin/env bash
# Builds targets/cpp with its test driver and eval runner (edgeface-embed,
# ncnn-float-runner) against ncnn built from source (tools/ncnn_build/build-lib.sh), for
# the host or for aarch64, in .cache/edgeface-cpp-<arch>-<checkout>/; prints that folder. Incremental:
# a second run with nothing changed does no work. Used by the C++ tests and by
# `edgeface eval --runner host|arm64`.   Usage: targets/cpp/build-tools.sh host|aarch64
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$PWD
arch=${1:-host}
prefix=$(tools/ncnn_build/build-lib.sh "$arch")
# .cache may be shared by several checkouts: one build folder per checkout and arch.
tag=$(printf '%s' "$root" | cksum | cut -d' ' -f1)
build=$root/.cache/edgeface-cpp-$arch-$tag
args=(-S "$root/targets/cpp" -B "$build" -DCMAKE_BUILD_TYPE=Release -DEDGEFACE_BUILD_TOOLS=ON "-Dncnn_DIR=$prefix/lib/cmake/ncnn")
if [ "$arch" = aarch64 ]; then
  src=${NCNN_SRC:-$(tools/ncnn_build/fetch-source.sh)}
  args+=("-DCMAKE_TOOLCHAIN_FILE=$src/toolchains/aarch64-linux-gnu.toolchain.cmake")
fi
exec 9>"$build.lock"
flock 9
cmake "${args[@]}" >"$build.cmake.log" 2>&1 || { tail -30 "$build.cmake.log" >&2; exit 1; }
cmake --build "$build" -j2 >"$build.build.log" 2>&1 || { tail -40 "$build.build.log" >&2; exit 1; }
echo "$build"
