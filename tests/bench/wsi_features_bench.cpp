// wsi_features_bench SLIDE KIND MODEL DEVICE THREADS BATCH [LEVEL READ_SIZE MAX_PATCHES]: patch feature extraction
// throughput (tiles/s) over a grid of READ_SIZE patches of LEVEL (default 0, the encoder's input size, all the
// grid's patches), then the encoder alone on the same batch size, so that reading and compute can be told apart.
// KIND: resnet50-trunc (MODEL a torch.save'd dict of tensors), tfjs-mobilenet-v2 (MODEL its model.json) or
// torchscript (MODEL the .pt; ImageNet normalisation is assumed). DEVICE: cpu or cuda[:N]. Only complete
// READ_SIZE patches inside the level are read, and the same grid for every run: compare runs on one slide.
#include <torch/torch.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <map>
#include <string>
#include <vector>

#include "encoder.h"
#include "feature_extraction.h"
#include "slide.h"

namespace {

std::map<std::string, torch::Tensor> readStateDict(const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  if (!file) throw std::runtime_error(path + ": cannot be opened");
  const std::vector<char> bytes((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
  std::map<std::string, torch::Tensor> dict;
  for (const auto& entry : torch::pickle_load(bytes).toGenericDict())
    dict[entry.key().toStringRef()] = entry.value().toTensor();
  return dict;
}

double seconds(std::chrono::steady_clock::time_point since) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - since).count();
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 7 && argc != 10) {
    std::fprintf(stderr, "usage: %s SLIDE KIND MODEL DEVICE THREADS BATCH [LEVEL READ_SIZE MAX_PATCHES]\n", argv[0]);
    return 2;
  }
  try {
    const krait::wsi::Slide slide(argv[1]);
    const auto encoder = krait::wsi::loadEncoder(krait::wsi::standardEncoderSpec(argv[2], argv[3]), readStateDict);
    const torch::Device device(argv[4]);
    encoder->to(device);
    const int threads = std::stoi(argv[5]);
    const int64_t batch = std::stoll(argv[6]);
    const int level = argc == 10 ? std::stoi(argv[7]) : 0;
    const int64_t readSize = argc == 10 ? std::stoll(argv[8]) : encoder->inputSize();
    const int64_t maxPatches = argc == 10 ? std::stoll(argv[9]) : -1;
    if (level < 0 || level >= static_cast<int>(slide.levels().size()))
      throw std::invalid_argument("the slide has no level " + std::to_string(level));

    const krait::wsi::Level& l = slide.levels()[level];
    std::vector<std::array<int64_t, 2>> coords;
    for (int64_t x = 0; x + readSize <= l.width; x += readSize)
      for (int64_t y = 0; y + readSize <= l.height; y += readSize)
        if (maxPatches < 0 || static_cast<int64_t>(coords.size()) < maxPatches)
          coords.push_back({static_cast<int64_t>(x * l.downsample), static_cast<int64_t>(y * l.downsample)});
    std::printf(
        "slide %s: level %d %lld x %lld, %zu patches of %lld px -> %lld px, encoder %s (%lld-d) on %s, "
        "%d reader threads, batch %lld, %d intra-op threads\n",
        argv[1], level, static_cast<long long>(l.width), static_cast<long long>(l.height), coords.size(),
        static_cast<long long>(readSize), static_cast<long long>(encoder->inputSize()), argv[2],
        static_cast<long long>(encoder->outDim()), device.str().c_str(), threads, static_cast<long long>(batch),
        torch::get_num_threads());

    // Warm-up (oneDNN primitive creation, OpenSlide's first tiles), then the measured run.
    krait::wsi::extractFeatures(slide, {coords.begin(), coords.begin() + std::min<size_t>(coords.size(), batch)}, level,
                                readSize, *encoder, threads, batch, {});
    auto start = std::chrono::steady_clock::now();
    const auto result = krait::wsi::extractFeatures(slide, coords, level, readSize, *encoder, threads, batch, {});
    const double pipeline = seconds(start);
    std::printf("pipeline: %zu patches (%zu left out) in %.2f s: %.1f tiles/s\n", coords.size(), result.errors.size(),
                pipeline, coords.size() / pipeline);

    const torch::Tensor input = torch::rand({batch, 3, encoder->inputSize(), encoder->inputSize()}).to(device);
    const int64_t rounds = std::max<int64_t>(1, static_cast<int64_t>(coords.size()) / batch);
    start = std::chrono::steady_clock::now();
    for (int64_t r = 0; r < rounds; ++r) encoder->embed(input).to(torch::kCPU);
    const double encode = seconds(start);
    std::printf("encoder alone: %lld patches in %.2f s: %.1f tiles/s\n", static_cast<long long>(rounds * batch), encode,
                rounds * batch / encode);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "wsi_features_bench: %s\n", e.what());
    return 1;
  }
  return 0;
}
