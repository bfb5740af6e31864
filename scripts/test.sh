#!/bin/sh
# test.sh: installs the dependencies, fetches the real test data, builds and runs every test suite that
# needs no GPU. The README's "tests" command and CI both run exactly this.
set -eu
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/fetch-test-data.sh
scripts/build.sh build
cd build
ctest --output-on-failure --parallel "$(nproc)" --label-exclude "gpu|slow"
