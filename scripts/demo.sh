#!/bin/sh
# demo.sh: installs the dependencies, builds Krait and runs the main job on the sample volume (the Colin 27
# T1 brain from Debian's mricron-data, fetched and checksum-verified, never committed).
set -eu
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/fetch-test-data.sh --only nifti-mricron/ch2.nii.gz
scripts/build.sh build
sample="${KRAIT_TESTDATA:-$HOME/.cache/krait/testdata}/nifti-mricron/ch2.nii.gz"
build/app/cli/krait info "$sample"
