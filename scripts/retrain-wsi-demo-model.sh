#!/bin/sh
# Retrains the WSI plugin's demonstration model, plugins/wsi/models/mambamil-tissue-demo, with fixed seeds: slides
# composed from the catalogue's real histology (krait wsi synthesize: islands of skimage's ihc.png on a real TCGA
# glass tile, or glass only), patched over the whole slide at 0.5 µm/px, embedded with the MobileNetV2 of the nsfwjs
# npm package (decoded by scripts/fetch-test-data.sh), and a MambaMIL (SRMamba, 2 layers, rate 5, d_model 128, so that its
# weights stay small) trained to tell
# slides with tissue from glass-only ones. Then it is tested on slides of another seed and run on the recipe slide.
# Needs a build (scripts/build.sh) and the test data (scripts/fetch-test-data.sh).
# Usage: scripts/retrain-wsi-demo-model.sh [build-dir]   (about 5 minutes on 2 CPU cores)
set -eu
cd "$(dirname "$0")/.."
build=${1:-build}
krait="$build/app/cli/krait"
export KRAIT_PLUGIN_PATH="$build/plugins"
data=${KRAIT_TESTDATA:-$HOME/.cache/krait/testdata}
ihc="$data/wsi-histology/ihc.png"
glass="$data/wsi-histology/SC_jpeg_no_color_transform_2.dcm"
encoder="$data/models/nsfwjs-mobilenet_v2-tfjs/model.json"
model=plugins/wsi/models/mambamil-tissue-demo
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# Training and test slides, then their whole-slide patch grids and MobileNetV2 features.
"$krait" wsi synthesize -o "$work/train" --ihc "$ihc" --glass "$glass" --count 60 --seed 1
"$krait" wsi synthesize -o "$work/test" --ihc "$ihc" --glass "$glass" --count 40 --seed 1001
for set in train test; do
  "$krait" wsi patch -o "$work/$set-out" --no-segmentation --target-mpp 0.5 --patch-size 256 "$work/$set"/*.tif > /dev/null
  "$krait" wsi features -o "$work/$set-out" --encoder "$encoder" --encoder-kind tfjs-mobilenet-v2 --threads 2 \
    "$work/$set"/*.tif > /dev/null
done

cat > "$work/encoder.json" <<JSON
{"kind": "tfjs-mobilenet-v2", "path": "nsfwjs-mobilenet_v2-tfjs/model.json", "input_size": 224,
 "mean": [0, 0, 0], "std": [1, 1, 1], "out_dim": 1280}
JSON
"$krait" wsi train -o "$work/model" --name mambamil-tissue-demo --version 1 \
  --intended-use "Demonstration only: tells slides with tissue from glass-only ones; trained on slides composed from one IHC image, never on a real slide. Not for diagnosis." \
  --bags "$work/train-out/h5_files" --labels "$work/train/labels.csv" \
  --encoder-spec "$work/encoder.json" --classes background,tissue --aggregator mambamil --mixer SRMamba --layers 2 \
  --rate 5 --d-model 128 --epochs 5 --lr 0.0002 --seed 1 | tee "$work/training.txt"

# Test: every slide of the other seed, from its features, then the accuracy per class.
"$krait" wsi classify -o "$work/test-out" --model "$work/model" "$work/test-out"/h5_files/*.h5 > "$work/test.txt"
awk -F, 'NR > 1 { truth[$1] = $2 } END { for (s in truth) print s, truth[s] }' "$work/test/labels.csv" | sort > "$work/truth.txt"
sed -E 's#^.*/(slide_[0-9]+)\.h5: ([a-z]+).*#\1 \2#' "$work/test.txt" | sort > "$work/predicted.txt"
join "$work/truth.txt" "$work/predicted.txt" | awk '{ n[$2]++; if ($2 == $3) ok[$2]++ }
  END { for (c in n) printf "test %s: %d of %d right\n", c, ok[c], n[c] }' | tee "$work/test-summary.txt"

# A fresh slide with tissue through every stage (CLAM's segmentation, with areas for islands this small, then the
# model's patching): its patches are all tissue.
"$krait" wsi synthesize -o "$work/one" --ihc "$ihc" --glass "$glass" --count 1 --seed 7 > /dev/null
"$krait" wsi run -o "$work/one-out" --model "$work/model" --encoder "$encoder" --a-t 0.1 --a-h 0.016 \
  "$work/one/slide_000.tif" | tee "$work/one.txt"

rm -rf "$model"
mkdir -p "$model"
cp "$work/model/model.json" "$work/model/weights.pt" "$work/model/training_log.json" "$model/"
echo "model: $model (training log, test and slide results above; MODEL_CARD.md quotes them)"
