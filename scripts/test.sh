#!/bin/sh
# test.sh: installs the dependencies, fetches the real test data, builds and runs every test suite that
# needs no GPU. The README's "tests" command and CI both run exactly this.
set -eu
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/fetch-test-data.sh
scripts/build.sh build
cd build
# The studio's GUI tests need a display: a virtual one (Xvfb).
xvfb-run -a -s "-screen 0 1280x1024x24" ctest --output-on-failure --parallel "$(nproc)" --label-exclude "gpu|slow|package"
