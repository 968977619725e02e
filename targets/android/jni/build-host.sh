#!/usr/bin/env bash
# Builds the JNI bridge (libedgeface_jni.so) for the desktop JVM against ncnn built from source
# for the host (tools/ncnn_build/build-lib.sh), in .cache/edgeface-jni-host/; prints the path
# of the .so. Incremental: a second run with nothing changed does no work. Used by the JNI
# tests (tests/python/test_android_jni.py); apps build the bridge with the NDK instead
# (targets/android/example/app/CMakeLists.txt).
set -euo pipefail
cd "$(dirname "$0")/../../.."
root=$PWD
prefix=$(tools/ncnn_build/build-lib.sh host)
build=$root/.cache/edgeface-jni-host
mkdir -p "$root/.cache"
exec 9>"$root/.cache/.edgeface-jni-host.lock"
flock 9
log=$root/.cache/.edgeface-jni-host
# The JDK whose javac is on PATH (its include/jni.h), unless JAVA_HOME says otherwise.
java_home=${JAVA_HOME:-$(dirname "$(dirname "$(readlink -f "$(command -v javac)")")")}
cmake -S "$root/targets/android/jni" -B "$build" -DCMAKE_BUILD_TYPE=Release "-Dncnn_DIR=$prefix/lib/cmake/ncnn" \
  "-DEDGEFACE_JAVA_HOME=$java_home" >"$log.cmake.log" 2>&1 ||
  { tail -30 "$log.cmake.log" >&2; exit 1; }
cmake --build "$build" -j2 >"$log.build.log" 2>&1 || { tail -40 "$log.build.log" >&2; exit 1; }
echo "$build/libedgeface_jni.so"
