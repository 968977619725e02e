#!/bin/sh
# edgeface Run Script build phase for Xcode (added by `edgeface xcode add-phase`; see
# targets/README.md). Runs `edgeface build` on the manifest (convert, INT8 quantize, LFW gate,
# emit) and copies what the app needs to the phase's declared outputs:
#   $(TARGET_BUILD_DIR)/$(UNLOCALIZED_RESOURCES_FOLDER_PATH)/<m>.param.bin, <m>.bin  (bundle resources)
#   $(DERIVED_FILE_DIR)/edgeface_<m>.h, edgeface_<m>.swift                       (typed header, Swift constants)
# Reads and writes only declared files, as ENABLE_USER_SCRIPT_SANDBOXING requires: edgeface's
# own work (stamps, temp files) stays in the declared folder $(DERIVED_FILE_DIR)/edgeface, and
# an output is rewritten only when its bytes change, so a build with nothing changed touches
# nothing. Problems are reported as `file:line: error: message`, which Xcode shows as issues.
set -u

manifest=${EDGEFACE_MANIFEST:-}
error_file=${manifest:-${0}}

fail() { # fail <message>: one Xcode issue, non-zero exit
	printf '%s:1: error: %s\n' "$error_file" "$1" >&2
	exit 1
}

# declared INPUT|OUTPUT: every path Xcode passes for the phase, one a line: SCRIPT_<K>_FILE_<n>
# and the lines of each SCRIPT_<K>_FILE_LIST_<n> (Xcode's resolved copy of the .xcfilelist).
declared() {
	eval "n=\${SCRIPT_${1}_FILE_COUNT:-0}"
	i=0
	while [ "$i" -lt "$n" ]; do
		eval "printf '%s\n' \"\${SCRIPT_${1}_FILE_${i}}\""
		i=$((i + 1))
	done
	eval "n=\${SCRIPT_${1}_FILE_LIST_COUNT:-0}"
	i=0
	while [ "$i" -lt "$n" ]; do
		eval "list=\${SCRIPT_${1}_FILE_LIST_${i}}"
		[ -r "$list" ] || fail "declared file list $list cannot be read"
		sed -e 's/^[[:space:]]*//' -e 's/[[:space:]]*$//' -e '/^$/d' -e '/^#/d' "$list"
		i=$((i + 1))
	done
}

for v in DERIVED_FILE_DIR TARGET_BUILD_DIR UNLOCALIZED_RESOURCES_FOLDER_PATH; do
	eval "val=\${$v:-}"
	[ -n "$val" ] || fail "$v is not set: run this script from an Xcode Run Script build phase"
done

if [ -z "$manifest" ]; then
	manifest=$(declared INPUT | grep '/edgeface\.json$' | head -n 1)
	[ -n "$manifest" ] || fail "no edgeface.json among the phase's declared inputs (or set EDGEFACE_MANIFEST)"
	error_file=$manifest
fi
[ -r "$manifest" ] || fail "manifest $manifest cannot be read (is it a declared input?)"

# Xcode's PATH does not include the usual Node install folders.
PATH="$PATH:/opt/homebrew/bin:/usr/local/bin"
edgeface=${EDGEFACE_EXECUTABLE:-edgeface}
command -v "$edgeface" >/dev/null 2>&1 || fail "'$edgeface' not found: install edgeface (npm install -g edgeface) or set the EDGEFACE_EXECUTABLE build setting"

work="$DERIVED_FILE_DIR/edgeface"
if [ "${ENABLE_USER_SCRIPT_SANDBOXING:-NO}" = YES ]; then
	declared OUTPUT | grep -Fx "$work" >/dev/null ||
		fail "with ENABLE_USER_SCRIPT_SANDBOXING, \$(DERIVED_FILE_DIR)/edgeface must be a declared output (rerun edgeface xcode add-phase)"
fi

# Every file edgeface build reads must be declared: the sandbox blocks undeclared reads, and
# Xcode reruns the phase only when a declared input changes.
report() { # edgeface's `edgeface: error: X` / `hint: X` lines as Xcode issues, anything else as is
	sed -e "s|^edgeface: error: \\(.*\\)|$error_file:1: error: \\1|" -e "s|^hint: \\(.*\\)|$error_file:1: note: \\1|" "$1" >&2
}
mkdir -p "$work/tmp" || fail "cannot create $work"
if ! declared INPUT | "$edgeface" build-inputs --check-declared --manifest "$manifest" 2>"$work/check.log"; then
	report "$work/check.log"
	exit 1
fi

echo "edgeface: building $manifest (${CONFIGURATION:-unknown configuration})"
if ! TMPDIR="$work/tmp" "$edgeface" build --manifest "$manifest" -o "$work/out" 2>"$work/build.log"; then
	report "$work/build.log"
	grep -q '^edgeface: error: ' "$work/build.log" || fail "edgeface build failed (log: $work/build.log)"
	exit 1
fi
cat "$work/build.log" >&2

# Copy each declared output from edgeface's output (<out>/<model>/<file>), only when its bytes changed.
declared OUTPUT | while IFS= read -r dst; do
	[ "$dst" = "$work" ] && continue
	name=$(basename "$dst")
	src=
	for cand in "$work"/out/*/"$name"; do
		[ -f "$cand" ] && src=$cand
	done
	[ -n "$src" ] || fail "declared output $dst is not produced by edgeface build (no $name under $work/out)"
	cmp -s "$src" "$dst" && continue
	mkdir -p "$(dirname "$dst")" || fail "cannot create the folder of $dst"
	cat "$src" >"$dst" || {
		rm -f "$dst"
		fail "cannot write $dst"
	}
done || exit 1
