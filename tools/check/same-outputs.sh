#!/usr/bin/env bash
# Byte-identical outputs before and after a change (issue 13's acceptance): builds a base
# revision in a temporary git worktree, runs its CLI and this checkout's CLI on the same
# inputs, and compares what they write, printing PASS/FAIL per file:
#   convert   -> .param, .bin, .param.json
#   quantize  -> .table, .param, .bin   (default method, and --method eq)
#   eval --json figures (ONNX, ncnn FP32, both INT8 models) on a subset of data/lfw-fold1
# on models/edgeface-mbf.onnx and the r18 and MobileFaceNet fixtures
# (tools/fixtures/make_backbone_onnx.py, needs the dev layer's PyTorch).
# Exit 0 when every file and figure is identical, 1 on any difference or failed command.
#
# Usage: tools/check/same-outputs.sh [base-rev]        (default ff7e324)
# Environment (all optional):
#   SAME_OUTPUTS_MODELS          models to check (default "edgeface-mbf r18 mbf")
#   SAME_OUTPUTS_CALIB_IMAGES    calibration images per quantize (default 8)
#   SAME_OUTPUTS_PAIRS_PER_FOLD  same + different pairs per fold for eval (default 3 of 30)
#   SAME_OUTPUTS_NO_BUILD=1      use this checkout's dist/ as it is (default: npm run build)
#   SAME_OUTPUTS_KEEP=1          keep the outputs and the base worktree (path printed)
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$PWD
base_rev=${1:-ff7e324}
models=${SAME_OUTPUTS_MODELS:-edgeface-mbf r18 mbf}
calib_images=${SAME_OUTPUTS_CALIB_IMAGES:-8}
pairs_per_fold=${SAME_OUTPUTS_PAIRS_PER_FOLD:-3}
python=$root/.venv/bin/python
threads=$(nproc)

base_sha=$(git rev-parse --verify --quiet "$base_rev^{commit}") || { echo "same-outputs: unknown revision $base_rev" >&2; exit 2; }
[ -x "$python" ] || { echo "same-outputs: $python missing (run ./install.sh --dev)" >&2; exit 2; }
work=$(mktemp -d "${TMPDIR:-/tmp}/edgeface-same-outputs.XXXXXX")
cleanup() {
  if [ "${SAME_OUTPUTS_KEEP:-}" = 1 ]; then echo "same-outputs: kept $work" >&2; return; fi
  git worktree remove --force "$work/base" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

# --- the two CLIs ----------------------------------------------------------------------
echo "same-outputs: base $base_rev ($(git rev-parse --short "$base_sha")) against this checkout ($(git rev-parse --short HEAD)$(git diff --quiet HEAD 2>/dev/null || echo ', with uncommitted changes'))"
git worktree add --detach --quiet "$work/base" "$base_sha"
# The base reuses this checkout's Node packages and Python environment (same lockfiles assumed).
ln -s "$(readlink -f node_modules)" "$work/base/node_modules"
ln -s "$(readlink -f .venv)" "$work/base/.venv"
echo "same-outputs: building base" >&2
(cd "$work/base" && npm run build >"$work/build-base.log" 2>&1) || { tail -20 "$work/build-base.log" >&2; echo "FAIL build of $base_rev"; exit 1; }
if [ "${SAME_OUTPUTS_NO_BUILD:-}" != 1 ]; then
  echo "same-outputs: building this checkout" >&2
  npm run build >"$work/build-head.log" 2>&1 || { tail -20 "$work/build-head.log" >&2; echo "FAIL build of this checkout"; exit 1; }
fi
declare -A cli=([base]="$work/base/dist/src/cli.js" [head]="$root/dist/src/cli.js")

# --- inputs ----------------------------------------------------------------------------
fixtures=$root/.cache/fixtures-int8   # the same files tests/python/test_quantize_backbones.py uses
model_path() {
  case $1 in
    edgeface-mbf) echo "$root/models/edgeface-mbf.onnx" ;;
    *) echo "$fixtures/$1-classic-op17-static-bnfold-plain.onnx" ;;
  esac
}
need=()
for m in $models; do [ -f "$(model_path "$m")" ] || [ "$m" = edgeface-mbf ] || need+=("$m"); done
if [ ${#need[@]} -gt 0 ]; then
  echo "same-outputs: making fixtures ${need[*]}" >&2
  nets=$(IFS=,; echo "${need[*]}")
  "$python" tools/fixtures/make_backbone_onnx.py "$fixtures" --full --nets "$nets" --opsets 17 --exporters classic \
    --batch static --bn fold --heads plain >"$work/fixtures.log" 2>&1 || { tail -20 "$work/fixtures.log" >&2; echo "FAIL fixtures"; exit 1; }
fi
# Eval subset: the first N same-person and N different-person pairs of each of the ten folds.
"$python" - "$root/data/lfw-fold1/pairs.txt" "$pairs_per_fold" "$work/pairs.txt" <<'PY'
import sys
src, n, out = sys.argv[1], int(sys.argv[2]), sys.argv[3]
lines = open(src).read().splitlines()
folds, per = map(int, lines[0].split())
n = min(n, per)
body = lines[1:]
keep = [l for k in range(folds) for half in (0, 1) for l in body[(2 * k + half) * per:(2 * k + half) * per + n]]
open(out, "w").write(f"{folds}\t{n}\n" + "\n".join(keep) + "\n")
PY

# --- run both ----------------------------------------------------------------------------
failures=0
# run REV LOGNAME ARGS...: the CLI of REV, in out/REV, so that relative output paths (which
# may be recorded in what is written) are spelt the same for both revisions.
run() {
  local rev=$1 log=$2; shift 2
  mkdir -p "$work/out/$rev"
  (cd "$work/out/$rev" && node "${cli[$rev]}" "$@") >"$work/out/$rev/$log.log" 2>&1
}
runs_ok() {  # label, then the command for both revisions (exit codes must agree too)
  local label=$1; shift
  local rb=0 rh=0
  run base "$label" "$@" || rb=$?
  run head "$label" "$@" || rh=$?
  if [ $rb -ne $rh ]; then
    echo "FAIL  $label: exit $rb (base) vs $rh (this checkout)"
    tail -5 "$work/out/head/$label.log" | sed 's/^/      /'
    failures=$((failures + 1)); return 1
  fi
  if [ $rb -ne 0 ]; then
    echo "FAIL  $label: both exit $rb"; tail -5 "$work/out/head/$label.log" | sed 's/^/      /'
    failures=$((failures + 1)); return 1
  fi
}
same() {  # relative path under out/<rev>/
  local f=$1
  if [ ! -f "$work/out/base/$f" ] || [ ! -f "$work/out/head/$f" ]; then
    echo "FAIL  $f: missing ($( [ -f "$work/out/base/$f" ] || echo -n 'base ')$( [ -f "$work/out/head/$f" ] || echo -n 'this checkout'))"
    failures=$((failures + 1))
  elif cmp -s "$work/out/base/$f" "$work/out/head/$f"; then
    echo "PASS  $f ($(stat -c %s "$work/out/head/$f") bytes)"
  else
    echo "FAIL  $f: differs ($(cmp "$work/out/base/$f" "$work/out/head/$f" 2>&1 | head -1))"
    failures=$((failures + 1))
  fi
}
same_figures() {  # eval JSON: every figure equal; run times and wording left out
  local f=$1
  if "$python" - "$work/out/base/$f" "$work/out/head/$f" <<'PY'
import json, re, sys
# Run times and wording are not figures; the preprocessing's size is compared in one spelling
# (older reports: inputSize [w, h]; newer: width, height).
VOLATILE = re.compile(r"(time|seconds|elapsed|duration|_ms$|^ms$|date|version|threads|preprocessFrom)", re.I)
def strip(v):
    if isinstance(v, dict):
        if isinstance(v.get("inputSize"), list) and len(v["inputSize"]) == 2:
            v = {**{k: x for k, x in v.items() if k != "inputSize"}, "width": v["inputSize"][0], "height": v["inputSize"][1]}
        return {k: strip(x) for k, x in sorted(v.items()) if not VOLATILE.search(k)}
    if isinstance(v, list):
        return [strip(x) for x in v]
    return v
a, b = (strip(json.load(open(p))) for p in sys.argv[1:3])
if a != b:
    fa, fb = json.dumps(a, sort_keys=True, indent=1).splitlines(), json.dumps(b, sort_keys=True, indent=1).splitlines()
    first = next((i for i, (x, y) in enumerate(zip(fa, fb)) if x != y), min(len(fa), len(fb)))
    print(f"first difference near: base {fa[first:first + 1]} vs {fb[first:first + 1]}")
    sys.exit(1)
PY
  then echo "PASS  $f (figures)"; else echo "FAIL  $f: figures differ"; failures=$((failures + 1)); fi
}

for m in $models; do
  onnx=$(model_path "$m")
  echo "== $m ($onnx)"
  mkdir -p "$work/out/base/$m" "$work/out/head/$m"
  if runs_ok "$m-convert" convert "$onnx" -o "$m/fp32"; then
    for ext in param bin param.json; do same "$m/fp32.$ext"; done
  fi
  for method in default eq; do
    flags=(); [ $method = eq ] && flags=(--method eq)
    if runs_ok "$m-quantize-$method" quantize "$onnx" --calib "$root/calibration" --max-images "$calib_images" \
        --threads "$threads" -q "${flags[@]}" -o "$m/int8-$method"; then
      for ext in table param bin; do same "$m/int8-$method.$ext"; done
    fi
  done
  if runs_ok "$m-eval" eval "$onnx" "$m/fp32.param" "$m/int8-default.param" "$m/int8-eq.param" \
      --lfw "$root/data/lfw-fold1" --pairs "$work/pairs.txt" --threads "$threads" -q --json "$m/eval.json"; then
    same_figures "$m/eval.json"
  fi
done

if [ $failures -eq 0 ]; then
  echo "same-outputs: PASS, every output identical to $base_rev's"
else
  echo "same-outputs: FAIL, $failures difference(s) against $base_rev (logs: run with SAME_OUTPUTS_KEEP=1)"
  exit 1
fi
