#!/usr/bin/env bash
# Builds the JNI bridge (libedgeface_jni.so) against ncnn built from source
# (tools/ncnn_build/build-lib.sh) in .cache/edgeface-jni-<arch>-<checkout>/ and prints the .so's path:
#   host     for the desktop JVM (the JNI tests run it)
#   aarch64  cross-compiled with Debian's aarch64 g++ (a build check: no arm64 JVM here)
# Incremental: a second run with nothing changed does no work. Apps build the bridge with
# the NDK instead (targets/android/example/app/src/main/cpp/CMakeLists.txt).
set -euo pipefail
cd "$(dirname "$0")/../../.."
root=$PWD
arch=${1:-host}
prefix=$(tools/ncnn_build/build-lib.sh "$arch")
# .cache may be shared by several checkouts: one build folder per checkout and arch (a CMake
# build folder remembers its source folder and refuses another).
tag=$(printf '%s' "$root" | cksum | cut -d' ' -f1)
build=$root/.cache/edgeface-jni-$arch-$tag
# jni.h of the JDK whose javac is on PATH, unless JAVA_HOME says otherwise (jni_md.h is the
# same for every Linux architecture).
java_home=${JAVA_HOME:-$(dirname "$(dirname "$(readlink -f "$(command -v javac)")")")}
args=(-S "$root/targets/android/jni" -B "$build" -DCMAKE_BUILD_TYPE=Release "-Dncnn_DIR=$prefix/lib/cmake/ncnn"
  "-DEDGEFACE_JAVA_HOME=$java_home")
if [ "$arch" = aarch64 ]; then
  src=${NCNN_SRC:-$(tools/ncnn_build/fetch-source.sh)}
  args+=("-DCMAKE_TOOLCHAIN_FILE=$src/toolchains/aarch64-linux-gnu.toolchain.cmake")
fi
mkdir -p "$root/.cache"
exec 9>"$root/.cache/.edgeface-jni-$arch-$tag.lock"
flock 9
log=$root/.cache/.edgeface-jni-$arch-$tag
cmake "${args[@]}" >"$log.cmake.log" 2>&1 || { tail -30 "$log.cmake.log" >&2; exit 1; }
cmake --build "$build" -j2 >"$log.build.log" 2>&1 || { tail -40 "$log.build.log" >&2; exit 1; }
echo "$build/libedgeface_jni.so"
