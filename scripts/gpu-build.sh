#!/usr/bin/env bash
# Configures and builds Krait on a GPU machine that has only a pip-installed PyTorch (docs/gpu.md): LibTorch
# with CUDA from that PyTorch, nlohmann-json and GoogleTest from Debian .deb files unpacked under .deps/x,
# ITK/DCMTK (for the CLI) from .deps/io when present. Usage: scripts/gpu-build.sh [build-dir] [targets...]
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build-gpu}
shift || true
torch_prefix=$(python3 -c 'import torch; print(torch.utils.cmake_prefix_path)')
prefix="$torch_prefix;$PWD/.deps/x/usr"
[ -d .deps/io/usr ] && prefix="$prefix;$PWD/.deps/io/usr"
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DCMAKE_PREFIX_PATH="$prefix" \
  -DCMAKE_CUDA_COMPILER="$(command -v nvcc || echo /usr/local/cuda/bin/nvcc)"
cmake --build "$build" ${1:+--target "$@"}
