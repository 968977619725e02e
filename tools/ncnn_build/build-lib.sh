#!/usr/bin/env bash
# Builds the ncnn C++ library (CPU only) and installs it with `cmake --install` into
# .cache/ncnn-lib-<arch>/, so that `find_package(ncnn)` works with
# ncnn_DIR=.cache/ncnn-lib-<arch>/lib/cmake/ncnn. Prints that install prefix on stdout.
# Used by the C++ embedder (targets/cpp), the CMake hook's example and the arm64 runner.
#
#   tools/ncnn_build/build-lib.sh host      x86-64 (AVX2+FMA kernels, no runtime dispatch)
#   tools/ncnn_build/build-lib.sh aarch64   cross-compiled with Debian's aarch64 g++;
#                                           runs under qemu-aarch64 (tools/ncnn_build/cross-deps.sh)
#
# Cached: does nothing when the prefix holds a build of the same source and options.
# Source: the ncnn tree of tools/ncnn_build/fetch-source.sh (or $NCNN_SRC).
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$PWD
arch=${1:-host}

common=(-DCMAKE_BUILD_TYPE=Release -DNCNN_VULKAN=OFF -DNCNN_OPENMP=ON -DNCNN_BUILD_TOOLS=OFF
  -DNCNN_BUILD_EXAMPLES=OFF -DNCNN_BUILD_BENCHMARK=OFF -DNCNN_BUILD_TESTS=OFF -DNCNN_PYTHON=OFF
  -DNCNN_SHARED_LIB=OFF -DNCNN_PIXEL_DRAWING=OFF)
case "$arch" in
  host)
    # One kernel set instead of ncnn's per-ISA runtime dispatch (which compiles every layer
    # six times): AVX2+FMA runs on any x86-64 CI machine of the last decade and builds in a
    # third of the time. The INT8 kernels are integer-exact either way.
    extra=(-DNCNN_RUNTIME_CPU=OFF -DNCNN_AVX=ON -DNCNN_FMA=ON -DNCNN_F16C=ON -DNCNN_AVX2=ON
      -DNCNN_XOP=OFF -DNCNN_AVXVNNI=OFF -DNCNN_AVX512=OFF)
    ;;
  aarch64)
    # Kernels of current phones: armv8.2 fp16 and dotprod (int8), chosen at run time by
    # ncnn's CPU detection (qemu-aarch64's default CPU reports both). The fp16fml, bf16,
    # i8mm and SVE variants are left out to keep the build short.
    "$root/tools/ncnn_build/cross-deps.sh" >&2
    src_probe=${NCNN_SRC:-$("$root/tools/ncnn_build/fetch-source.sh")}
    extra=(-DCMAKE_TOOLCHAIN_FILE="$src_probe/toolchains/aarch64-linux-gnu.toolchain.cmake"
      -DNCNN_RUNTIME_CPU=ON -DNCNN_ARM82=ON -DNCNN_ARM82DOT=ON -DNCNN_ARM82FP16FML=OFF
      -DNCNN_ARM84BF16=OFF -DNCNN_ARM84I8MM=OFF -DNCNN_ARM86SVE=OFF)
    ;;
  *) echo "build-lib: unknown arch '$arch' (host or aarch64)" >&2; exit 2 ;;
esac

src=${NCNN_SRC:-$("$root/tools/ncnn_build/fetch-source.sh")}
src_sha=$(cat "$src/.edgeface-source-sha256" 2>/dev/null || echo "$src")
prefix=$root/.cache/ncnn-lib-$arch
key="$src_sha ${common[*]} ${extra[*]}"
key=${key//$src/<src>}
if [ "$(cat "$prefix/EDGEFACE_BUILD_KEY" 2>/dev/null)" = "$key" ]; then
  echo "$prefix"
  exit 0
fi
for tool in cmake make; do
  command -v $tool >/dev/null || { echo "build-lib: $tool not found" >&2; exit 1; }
done

mkdir -p "$root/.cache"
# .cache may be shared by several checkouts: one build per arch at a time.
exec 9>"$root/.cache/.ncnn-lib-$arch.lock"
flock 9
if [ "$(cat "$prefix/EDGEFACE_BUILD_KEY" 2>/dev/null)" = "$key" ]; then
  echo "$prefix"
  exit 0
fi
build=$root/.cache/.ncnn-lib-$arch.build
mkdir -p "$build"
echo "build-lib: building ncnn for $arch in $build (10-20 minutes on 2 cores)" >&2
cmake -S "$src" -B "$build" "${common[@]}" "${extra[@]}" -DCMAKE_INSTALL_PREFIX="$prefix.tmp" \
  >"$build/cmake.log" 2>&1 || { tail -30 "$build/cmake.log" >&2; exit 1; }
jobs=${EDGEFACE_BUILD_JOBS:-$(nproc)}
nice -n 10 make -C "$build" -j"$jobs" ncnn >"$build/make.log" 2>&1 || { tail -40 "$build/make.log" >&2; exit 1; }
rm -rf "$prefix.tmp"
cmake --install "$build" >"$build/install.log" 2>&1 || { tail -20 "$build/install.log" >&2; exit 1; }
echo "$key" >"$prefix.tmp/EDGEFACE_BUILD_KEY"
rm -rf "$prefix"
mv "$prefix.tmp" "$prefix"
rm -rf "$build"
echo "build-lib: installed ncnn ($arch) in $prefix" >&2
echo "$prefix"
