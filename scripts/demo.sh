#!/bin/sh
# demo.sh: installs the dependencies, builds Krait and runs the main job, segmenting the sample volume (the
# Colin 27 T1 brain from Debian's mricron-data, fetched and checksum-verified, never committed) with the
# bundled U-Mamba model folder. That model is a small network with random weights made for the parity tests
# (no trained weights ship with Krait): the mask shows the pipeline at work, not anatomy.
set -eu
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/fetch-test-data.sh --only nifti-mricron/ch2.nii.gz
scripts/build.sh build
sample="${KRAIT_TESTDATA:-$HOME/.cache/krait/testdata}/nifti-mricron/ch2.nii.gz"
build/app/cli/krait info "$sample"
mkdir -p build/demo
build/app/cli/krait segment -m tests/fixtures/pipeline/t1_masked_zscore_tta_2folds/model --folds 0 -i "$sample" \
  -o build/demo/ch2_mask.nii.gz
echo "mask: build/demo/ch2_mask.nii.gz"
