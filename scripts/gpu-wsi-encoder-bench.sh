#!/bin/sh
# gpu-wsi-encoder-bench.sh OUT: builds tests/bench/wsi_encoder_bench (the WSI patch encoder alone) against
# python3's PyTorch, for a GPU machine that has no OpenSlide, libvips or HDF5 and so cannot build the WSI plugin
# (docs/gpu.md). nlohmann-json comes from .deps/x as for scripts/gpu-build.sh.
set -eu
out=${1:?usage: gpu-wsi-encoder-bench.sh OUT}
torch=$(python3 -c 'import os, torch; print(os.path.dirname(torch.__file__))')
abi=$(python3 -c 'import torch; print(int(torch._C._GLIBCXX_USE_CXX11_ABI))')
cuda_libs=""
[ -e "$torch/lib/libtorch_cuda.so" ] && cuda_libs="-ltorch_cuda -lc10_cuda"
src=plugins/wsi/src
g++ -std=c++20 -O2 -D_GLIBCXX_USE_CXX11_ABI="$abi" -I"$src" -Iplugins/sdk/include -isystem .deps/x/usr/include \
  -isystem "$torch/include" -isystem "$torch/include/torch/csrc/api/include" \
  tests/bench/wsi_encoder_bench.cpp "$src/encoder.cpp" "$src/encoder_resnet.cpp" "$src/encoder_torchscript.cpp" \
  "$src/tfjs_mobilenet.cpp" -L"$torch/lib" -Wl,-rpath,"$torch/lib" -Wl,--no-as-needed $cuda_libs -ltorch -ltorch_cpu -lc10 \
  -o "$out"
