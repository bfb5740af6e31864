#!/usr/bin/env bash
# Configures and builds Krait on a GPU machine that has only a pip-installed PyTorch (docs/gpu.md): LibTorch
# with CUDA from that PyTorch, nlohmann-json and GoogleTest from Debian .deb files unpacked under .deps/x,
# ITK/DCMTK (for the CLI) from .deps/io when present (programs built with it need
# LD_LIBRARY_PATH=.deps/io/usr/lib:.deps/io/usr/lib/x86_64-linux-gnu at run time). Usage: scripts/gpu-build.sh [build-dir] [targets...]
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build-gpu}
shift || true
torch_prefix=$(python3 -c 'import torch; print(torch.utils.cmake_prefix_path)')
prefix="$torch_prefix;$PWD/.deps/x/usr"
extra=()
if [ -d .deps/io/usr ]; then  # scripts/gpu-io-deps.sh unpack
  io=$PWD/.deps/io/usr
  prefix="$prefix;$io"
  export PKG_CONFIG_PATH=$io/lib/x86_64-linux-gnu/pkgconfig
  export LD_LIBRARY_PATH=$io/lib:$io/lib/x86_64-linux-gnu${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
  command -v pkg-config > /dev/null || extra+=(-DPKG_CONFIG_EXECUTABLE="$io/bin/pkgconf")
fi
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DCMAKE_PREFIX_PATH="$prefix" \
  -DCMAKE_CUDA_COMPILER="$(command -v nvcc || echo /usr/local/cuda/bin/nvcc)" "${extra[@]}"
cmake --build "$build" ${1:+--target "$@"}
