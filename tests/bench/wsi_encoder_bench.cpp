// wsi_encoder_bench KIND MODEL DEVICE BATCH [REPEATS] [INPUT_OUTPUT.pt]: the patch encoder alone, on random
// [0, 1] batches of its input size: the median time of one embed() call over REPEATS (default 20) after 3
// warm-ups, synchronised with the device, as tiles/s. It needs only LibTorch and the encoder sources (no
// OpenSlide, libvips or HDF5), so that it builds on a GPU machine that has nothing else: scripts/gpu-wsi-encoder-bench.sh.
// KIND and MODEL as wsi_features_bench takes them. INPUT_OUTPUT.pt, a dict {"input", "output"} that
// official_wsi_encoder_bench.py saved with the same weights, is embedded too and the largest difference printed.
#include <torch/torch.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <map>
#include <string>
#include <vector>

#include "encoder.h"

namespace {

c10::Dict<c10::IValue, c10::IValue> readDict(const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  if (!file) throw std::runtime_error(path + ": cannot be opened");
  const std::vector<char> bytes((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
  return torch::pickle_load(bytes).toGenericDict();
}

std::map<std::string, torch::Tensor> readStateDict(const std::string& path) {
  std::map<std::string, torch::Tensor> dict;
  for (const auto& entry : readDict(path)) dict[entry.key().toStringRef()] = entry.value().toTensor();
  return dict;
}

void synchronise(const torch::Device& device) {
  if (device.is_cuda()) torch::cuda::synchronize(device.index() < 0 ? 0 : device.index());
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 5 || argc > 7) {
    std::fprintf(stderr, "usage: %s KIND MODEL DEVICE BATCH [REPEATS] [INPUT_OUTPUT.pt]\n", argv[0]);
    return 2;
  }
  try {
    torch::NoGradGuard noGrad;
    const auto encoder = krait::wsi::loadEncoder(krait::wsi::standardEncoderSpec(argv[1], argv[2]), readStateDict);
    const torch::Device device(argv[3]);
    encoder->to(device);
    const int64_t batch = std::stoll(argv[4]);
    const int repeats = argc >= 6 ? std::stoi(argv[5]) : 20;
    if (argc == 7) {
      const auto io = readDict(argv[6]);
      const torch::Tensor input = io.at("input").toTensor().to(device);
      const torch::Tensor expected = io.at("output").toTensor();
      const torch::Tensor got = encoder->embed(input).to(torch::kCPU);
      std::printf("parity with the official output (%lld patches): max |diff| %.3g, max |official| %.3g\n",
                  static_cast<long long>(input.size(0)), (got - expected).abs().max().item<double>(),
                  expected.abs().max().item<double>());
    }
    const torch::Tensor input = torch::rand({batch, 3, encoder->inputSize(), encoder->inputSize()}).to(device);
    std::vector<double> ms;
    for (int r = 0; r < repeats + 3; ++r) {
      synchronise(device);
      const auto start = std::chrono::steady_clock::now();
      encoder->embed(input);
      synchronise(device);
      if (r >= 3) ms.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count());
    }
    std::sort(ms.begin(), ms.end());
    const double median = ms[ms.size() / 2];
    std::printf("krait %s on %s, batch %lld: %.2f ms per batch, %.0f tiles/s\n", argv[1], device.str().c_str(),
                static_cast<long long>(batch), median, batch / median * 1000.0);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "wsi_encoder_bench: %s\n", e.what());
    return 1;
  }
  return 0;
}
