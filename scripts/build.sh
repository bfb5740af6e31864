#!/bin/sh
# build.sh [BUILD_DIR]: configures and builds Krait (Release, Ninja, ccache) in BUILD_DIR (default: build).
set -eu
cd "$(dirname "$0")/.."
dir=${1:-build}
cmake -S . -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE="${KRAIT_BUILD_TYPE:-Release}"
cmake --build "$dir" --parallel "$(nproc)"
