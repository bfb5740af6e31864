#!/bin/sh
# Retrains the ECG plugin's demonstration model, plugins/ecg/models/ecg-mamba-synthetic-demo, with fixed seeds, and
# measures it the way the PhysioNet/CinC challenge does on 500 fresh synthetic recordings of another seed
# (synthesize, classify --out, evaluate), and on the catalogue's real 12-lead DICOM ECG.
# Needs a build (scripts/build.sh) and the test data (scripts/fetch-test-data.sh).
# Usage: scripts/retrain-ecg-demo-model.sh [build-dir]   (about 20 minutes on 2 CPU cores)
set -eu
cd "$(dirname "$0")/.."
build=${1:-build}
krait="$build/app/cli/krait"
export KRAIT_PLUGIN_PATH="$build/plugins"
model=plugins/ecg/models/ecg-mamba-synthetic-demo
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

"$krait" ecg train -o "$work/model" --epochs 12 --records 512 --validation 256 --batch-size 16 --lr 0.002 --seed 1 \
  | tee "$work/training.txt"
"$krait" ecg synthesize -o "$work/test" --count 500 --seed 1001 > /dev/null
"$krait" ecg classify --model "$work/model" --out "$work/outputs" "$work"/test/*.hea > /dev/null
"$krait" ecg evaluate --labels "$work/test" --outputs "$work/outputs" | tee "$work/test.txt"
"$krait" ecg classify --model "$work/model" "${KRAIT_TESTDATA:-$HOME/.cache/krait/testdata}/ecg/waveform_ecg.dcm" \
  | tee "$work/real.txt"

rm -rf "$model"
mkdir -p "$model"
cp "$work/model/model.json" "$work/model/weights.pt" "$model/"
echo "model: $model (training log, test and real-recording results above; MODEL_CARD.md quotes them)"
