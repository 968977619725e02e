#!/bin/bash
# The GPU session behind models/MODEL_CARD.md: throughput benchmark, then
# MobileFaceNet and iresnet50 runs on the aligned CelebA identities, each exported
# to ONNX and scored on LFW fold 1 with onnxruntime. From the repository root:
#   DATA=.data/celeba112 VAL=.data/lfw-fold1 OUT=out/h100 bash tools/trainer/scripts/h100_celeba.sh [steps...]
# steps: bench_mbf, bench_r50, and training runs named <config>_<tag> (mbf_a, r50_a, ...)
# whose extra overrides come from the variable OV_<step>, e.g. OV_mbf_b="num_epoch=24".
# At the end logs go to $OUT/logs.tgz and the best MobileFaceNet export to $OUT/best_mbf.onnx.
set -u
OUT=${OUT:-out/h100}
DATA=${DATA:-.data/celeba112}
VAL=${VAL:-.data/lfw-fold1}
WORK=${WORK:-/tmp/edgeface-train}
PY=${PY:-python3}
export PYTHONUNBUFFERED=1
mkdir -p "$OUT" "$WORK/logs"
STEPS=${*:-bench_mbf bench_r50 mbf_a r50_a}
LOG=$WORK/logs
nvidia-smi -L 2>/dev/null
$PY -c "import torch, torchvision; print('torch', torch.__version__, 'torchvision', torchvision.__version__)"
T=tools/trainer
for s in $STEPS; do
  echo "=== $s $(date +%T)"
  case $s in
    bench_mbf) timeout ${T_BENCH_MBF:-140} $PY $T/benchmark_throughput.py --rec "$DATA" --network mbf --batch 512 \
                 --amp fp16 --steps 80 --skip 20 --num-workers 14 --json "$LOG/bench_mbf.json" 2>&1 | tee "$LOG/bench_mbf.log" ;;
    bench_r50) timeout ${T_BENCH_R50:-110} $PY $T/benchmark_throughput.py --rec "$DATA" --network r50 --batch 512 \
                 --amp fp16 --steps 40 --skip 10 --num-workers 14 --loaders synthetic,cache,workers,gpu_decode \
                 --json "$LOG/bench_r50.json" 2>&1 | tee "$LOG/bench_r50.log" ;;
    *)
      cfg=celeba_${s%%_*}
      eval "ov=\${OV_$s:-}"
      extra=()
      for o in $ov; do extra+=(-o "$o"); done
      timeout ${T_TRAIN:-200} $PY $T/train_v2.py $T/configs/$cfg -o rec="$DATA" -o output="$WORK/$s" \
        -o val_images="$VAL/aligned112" -o val_pairs="$VAL/pairs.txt" "${extra[@]}" 2>&1 | tee "$LOG/train_$s.log"
      if [ -f "$WORK/$s/model.onnx" ]; then
        $PY $T/lfw_eval.py "$WORK/$s/model.onnx" --images "$VAL/aligned112" --pairs "$VAL/pairs.txt" \
          --threads 16 --json "$LOG/lfw_fold1_$s.json" | tee -a "$LOG/train_$s.log"
      fi ;;
  esac
done
# best MobileFaceNet by fold-1 accuracy of its ONNX export
best=$(cd "$LOG" && ls lfw_fold1_mbf*.json 2>/dev/null | while read f; do
  $PY -c "import json,sys; print(json.load(open('$f'))['accuracy'], '$f')"; done | sort -rn | head -1 | awk '{print $2}')
if [ -n "$best" ]; then
  run=${best#lfw_fold1_}; run=${run%.json}
  echo "best MobileFaceNet run: $run"
  cp "$WORK/$run/model.onnx" "$OUT/best_mbf.onnx"
  cp "$WORK/$run/best_backbone.pt" "$OUT/best_mbf_backbone.pt"
fi
tar czf "$OUT/logs.tgz" -C "$WORK" logs
echo "=== done $(date +%T)"
