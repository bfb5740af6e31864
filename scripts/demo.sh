#!/bin/sh
# demo.sh: installs the dependencies, builds Krait and runs the main job: segmenting a real scan with a bundled
# model. The scan is the Colin 27 T1 brain from Debian's mricron-data (fetched and checksum-verified, never
# committed); the model is demo-t1-brain, Krait's demonstration brain-extraction model (U-Mamba_Bot 2D trained
# by `krait train` on slabs of that scan and of the ITK T1; resources/models/demo-t1-brain/MODEL_CARD.md).
# Demonstration only, not for clinical use.
set -eu
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/fetch-test-data.sh --only nifti-mricron/ch2.nii.gz
scripts/build.sh build
sample="${KRAIT_TESTDATA:-$HOME/.cache/krait/testdata}/nifti-mricron/ch2.nii.gz"
build/app/cli/krait info "$sample"
build/app/cli/krait models list
mkdir -p build/demo
build/app/cli/krait segment -m demo-t1-brain -i "$sample" -o build/demo/ch2_brain.nii.gz
echo "mask: build/demo/ch2_brain.nii.gz (view: build/app/studio/krait-studio $sample --labels build/demo/ch2_brain.nii.gz)"
