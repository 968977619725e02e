#!/usr/bin/env bash
# Makes sure the arm64 cross toolchain and qemu user-mode emulator are installed (Debian
# packages g++-aarch64-linux-gnu, libc6-dev-arm64-cross, qemu-user), installing them with
# apt-get when missing and allowed (root). Used by build-lib.sh aarch64 and the arm64 tests.
set -euo pipefail
have() { command -v aarch64-linux-gnu-g++ >/dev/null && command -v qemu-aarch64 >/dev/null \
  && [ -d /usr/aarch64-linux-gnu/lib ]; }
have && exit 0
if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null; then
  echo "cross-deps: need Debian packages g++-aarch64-linux-gnu libc6-dev-arm64-cross qemu-user (apt-get install as root)" >&2
  exit 1
fi
echo "cross-deps: installing g++-aarch64-linux-gnu libc6-dev-arm64-cross qemu-user with apt-get" >&2
exec 9>/tmp/.edgeface-cross-deps.lock
flock 9
have && exit 0
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >&2
apt-get install -y -qq --no-install-recommends g++-aarch64-linux-gnu libc6-dev-arm64-cross qemu-user >&2
have
