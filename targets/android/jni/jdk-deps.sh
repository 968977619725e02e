#!/usr/bin/env bash
# Makes sure a JDK (javac, java, jni.h) is present for the JNI tests, installing Debian's
# default-jdk-headless with apt-get when it is not (CI machines start fresh). Exit 1 with a
# one-line reason when it cannot.
set -euo pipefail
if command -v javac >/dev/null && command -v java >/dev/null; then exit 0; fi
if ! command -v apt-get >/dev/null; then
  echo "jdk-deps: no javac and no apt-get: install a JDK (17 or later)" >&2
  exit 1
fi
sudo=
if [ "$(id -u)" != 0 ]; then
  command -v sudo >/dev/null || { echo "jdk-deps: no javac; run as root or install default-jdk-headless" >&2; exit 1; }
  sudo=sudo
fi
exec 9>/tmp/.edgeface-jdk-deps.lock
flock 9
command -v javac >/dev/null && exit 0
$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends default-jdk-headless >&2 ||
  { $sudo apt-get update >&2 && $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends default-jdk-headless >&2; }
