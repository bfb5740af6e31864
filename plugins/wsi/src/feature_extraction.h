// Patch features of a slide (CLAM's extract_features_fp.py): read each patch, resize it to the encoder's input,
// embed in batches. Reading runs on a pool of threads ahead of the encoder, in a bounded window (at most two
// batches of tiles are held), and the features come back in the order of the coordinates.
//
// Unlike CLAM, which dies on the first unreadable tile (a corrupt JPEG mid-slide), a patch that cannot be read, or
// whose features are not finite (CLAM#225: NaN features poison a whole bag), is left out and reported; the
// caller gets the indices of the patches kept.
#pragma once

#include <torch/types.h>

#include <array>
#include <cstdint>
#include <functional>
#include <stdexcept>
#include <string>
#include <vector>

#include "encoder.h"
#include "slide.h"

namespace krait::wsi {

struct ExtractedFeatures {
  torch::Tensor features;           // (kept.size(), encoder.outDim()) float32 on the CPU, rows in coords' order
  std::vector<int64_t> kept;        // row r holds the patch coords[kept[r]]
  std::vector<std::string> errors;  // one per patch left out: "patch 17 at (1024, 2048): <why>"
};

// Thrown when the progress callback asks to stop; nothing partial is returned.
class ExtractionCancelled : public std::runtime_error {
 public:
  ExtractionCancelled(int64_t done, int64_t total)
      : std::runtime_error("feature extraction cancelled after " + std::to_string(done) + " of " +
                           std::to_string(total) + " patches") {}
};

// A tile as the encoder takes it: (3, size, size) float32 RGB in [0, 1]. A tile of another size is resized as
// torchvision's Resize resizes the PIL images CLAM feeds it: PIL's bilinear filter, which widens with the
// downscale factor (antialiasing) — LibTorch's antialiased bilinear interpolate is that filter — applied to rows
// then columns, each pass rounded to 8 bits as PIL stores it. PIL's fixed-point weights still make a few output
// values differ by one level of 255 (encoder fixture pil_resize.pt: under 1% of them).
torch::Tensor tileTensor(const RgbImage& tile, int64_t size);

// Features of the readSize x readSize patches of `level` whose top-left corners are coords (level-0 pixels, as
// CLAM's coords), embedded by `encoder` on its device. Tiles are read by readerThreads threads (Slide::readRegion
// is thread-safe) and embedded batchSize at a time; on a CUDA device batches go through pinned memory.
// progress(done, total) is called after each batch (it may be empty); returning false cancels: the readers stop
// and ExtractionCancelled is thrown. A patch whose read throws SlideError, or whose features hold NaN or
// infinity, is left out and reported in errors. Patches past the slide's edge are not errors: OpenSlide returns
// them as background. Throws std::invalid_argument for a level the slide lacks or non-positive sizes or counts;
// any other failure (the encoder's, memory) is rethrown after the readers have stopped.
ExtractedFeatures extractFeatures(const Slide& slide, const std::vector<std::array<int64_t, 2>>& coords, int level,
                                  int64_t readSize, Encoder& encoder, int readerThreads, int64_t batchSize,
                                  const std::function<bool(int64_t done, int64_t total)>& progress);

}  // namespace krait::wsi
