#include "feature_extraction.h"

#include <torch/torch.h>

#include <algorithm>
#include <condition_variable>
#include <exception>
#include <mutex>
#include <thread>
#include <utility>

namespace krait::wsi {
namespace {

std::string patchName(int64_t index, const std::array<int64_t, 2>& xy) {
  return "patch " + std::to_string(index) + " at (" + std::to_string(xy[0]) + ", " + std::to_string(xy[1]) + ")";
}

// The tiles between the reader threads and the encoder. Readers claim patches in order, but only up to `limit_`,
// one window past the last batch the encoder took: that bounds the tiles held, however slow the encoder.
class TileQueue {
 public:
  TileQueue(const Slide& slide, const std::vector<std::array<int64_t, 2>>& coords, int level, int64_t readSize,
            int64_t inputSize, int64_t window)
      : slide_(slide),
        coords_(coords),
        level_(level),
        readSize_(readSize),
        inputSize_(inputSize),
        window_(window),
        tiles_(coords.size()),
        errors_(coords.size()),
        done_(coords.size(), 0),
        limit_(std::min<int64_t>(window, static_cast<int64_t>(coords.size()))) {}

  void read() {
    for (;;) {
      int64_t i;
      {
        std::unique_lock lock(mutex_);
        space_.wait(lock, [&] { return stop_ || next_ < limit_; });
        if (stop_) return;
        i = next_++;
      }
      torch::Tensor tile;
      std::string error;
      try {
        tile = tileTensor(slide_.readRegion(coords_[i][0], coords_[i][1], level_, readSize_, readSize_), inputSize_);
      } catch (const SlideError& e) {
        error = e.what();
      } catch (...) {
        fail(std::current_exception());
        return;
      }
      std::lock_guard lock(mutex_);
      tiles_[i] = std::move(tile);
      errors_[i] = std::move(error);
      done_[i] = 1;
      while (readyUntil_ < static_cast<int64_t>(done_.size()) && done_[readyUntil_]) ++readyUntil_;
      ready_.notify_all();
    }
  }

  // Waits for patches [begin, end) and hands them over: a tile, or an undefined tensor and the read error.
  void take(int64_t begin, int64_t end, std::vector<torch::Tensor>& tiles, std::vector<std::string>& errors) {
    std::unique_lock lock(mutex_);
    ready_.wait(lock, [&] { return failure_ || readyUntil_ >= end; });
    if (failure_) std::rethrow_exception(failure_);
    tiles.clear();
    errors.clear();
    for (int64_t i = begin; i < end; ++i) {
      tiles.push_back(std::move(tiles_[i]));
      errors.push_back(std::move(errors_[i]));
      tiles_[i] = torch::Tensor();
    }
    limit_ = std::min<int64_t>(end + window_, static_cast<int64_t>(coords_.size()));
    space_.notify_all();
  }

  void stop() {
    std::lock_guard lock(mutex_);
    stop_ = true;
    space_.notify_all();
  }

 private:
  void fail(std::exception_ptr failure) {
    std::lock_guard lock(mutex_);
    if (!failure_) failure_ = failure;
    stop_ = true;
    space_.notify_all();
    ready_.notify_all();
  }

  const Slide& slide_;
  const std::vector<std::array<int64_t, 2>>& coords_;
  const int level_;
  const int64_t readSize_, inputSize_, window_;
  std::mutex mutex_;
  std::condition_variable ready_, space_;
  std::vector<torch::Tensor> tiles_;
  std::vector<std::string> errors_;
  std::vector<char> done_;
  int64_t next_ = 0, limit_, readyUntil_ = 0;
  bool stop_ = false;
  std::exception_ptr failure_;
};

// Starts the readers; stops and joins them however extractFeatures leaves.
class ReaderPool {
 public:
  ReaderPool(TileQueue& queue, int threads) : queue_(queue) {
    try {
      for (int t = 0; t < threads; ++t) threads_.emplace_back([&queue] { queue.read(); });
    } catch (...) {
      join();  // the destructor does not run when the constructor throws
      throw;
    }
  }
  ~ReaderPool() { join(); }

 private:
  void join() {
    queue_.stop();
    for (std::thread& t : threads_) t.join();
  }

  TileQueue& queue_;
  std::vector<std::thread> threads_;
};

}  // namespace

torch::Tensor tileTensor(const RgbImage& tile, int64_t size) {
  if (tile.width < 1 || tile.height < 1 || tile.pixels.size() != static_cast<size_t>(tile.width * tile.height * 3))
    throw std::invalid_argument("a tile must hold width x height x 3 bytes of RGB");
  if (size < 1) throw std::invalid_argument("tiles cannot be resized to " + std::to_string(size) + " pixels");
  torch::Tensor x =
      torch::from_blob(const_cast<uint8_t*>(tile.pixels.data()), {tile.height, tile.width, 3}, torch::kUInt8)
          .permute({2, 0, 1})
          .to(torch::kFloat32);
  // PIL (which torchvision's Resize calls on CLAM's PIL patches) resamples rows first, then columns, and
  // stores each pass in 8 bits, rounding halves up.
  namespace F = torch::nn::functional;
  const auto resample = [](const torch::Tensor& image, int64_t height, int64_t width) {
    const auto options = F::InterpolateFuncOptions()
                             .size(std::vector<int64_t>{height, width})
                             .mode(torch::kBilinear)
                             .align_corners(false)
                             .antialias(true);
    return torch::floor(F::interpolate(image.unsqueeze(0), options).squeeze(0) + 0.5).clamp(0, 255);
  };
  if (tile.width != size) x = resample(x, tile.height, size);
  if (tile.height != size) x = resample(x, size, size);
  return x.div(255);
}

ExtractedFeatures extractFeatures(const Slide& slide, const std::vector<std::array<int64_t, 2>>& coords, int level,
                                  int64_t readSize, Encoder& encoder, int readerThreads, int64_t batchSize,
                                  const std::function<bool(int64_t done, int64_t total)>& progress) {
  if (level < 0 || level >= static_cast<int>(slide.levels().size()))
    throw std::invalid_argument(slide.path() + " has no level " + std::to_string(level) + " (it has " +
                                std::to_string(slide.levels().size()) + ")");
  if (readSize < 1 || readerThreads < 1 || batchSize < 1)
    throw std::invalid_argument("feature extraction needs a read size, reader threads and a batch size of at least 1");
  const int64_t total = static_cast<int64_t>(coords.size());
  ExtractedFeatures result;
  std::vector<torch::Tensor> kept;
  TileQueue queue(slide, coords, level, readSize, encoder.inputSize(), batchSize);
  {
    ReaderPool readers(queue, readerThreads);
    std::vector<torch::Tensor> tiles;
    std::vector<std::string> errors;
    for (int64_t begin = 0; begin < total; begin += batchSize) {
      const int64_t end = std::min(begin + batchSize, total);
      queue.take(begin, end, tiles, errors);
      std::vector<int64_t> read;
      std::vector<torch::Tensor> batch;
      std::vector<std::pair<int64_t, std::string>> dropped;
      for (int64_t i = begin; i < end; ++i) {
        if (tiles[i - begin].defined()) {
          read.push_back(i);
          batch.push_back(std::move(tiles[i - begin]));
        } else {
          dropped.emplace_back(i, patchName(i, coords[i]) + ": " + errors[i - begin]);
        }
      }
      if (!batch.empty()) {
        torch::Tensor input = torch::stack(batch);
        batch.clear();
        if (encoder.device().is_cuda()) input = input.pin_memory();
        const torch::Tensor features =
            encoder.embed(input.to(encoder.device(), /*non_blocking=*/true)).to(torch::kCPU).contiguous();
        const torch::Tensor finite = torch::isfinite(features).all(1);
        const auto isFinite = finite.accessor<bool, 1>();
        std::vector<int64_t> rows;
        for (size_t r = 0; r < read.size(); ++r) {
          if (isFinite[static_cast<int64_t>(r)]) {
            rows.push_back(static_cast<int64_t>(r));
            result.kept.push_back(read[r]);
          } else {
            dropped.emplace_back(read[r],
                                 patchName(read[r], coords[read[r]]) + ": the encoder's features hold NaN or infinity");
          }
        }
        kept.push_back(features.index_select(0, torch::tensor(rows, torch::kInt64)));
      }
      std::sort(dropped.begin(), dropped.end());
      for (auto& d : dropped) result.errors.push_back(std::move(d.second));
      if (progress && !progress(end, total)) throw ExtractionCancelled(end, total);
    }
  }
  result.features = kept.empty() ? torch::empty({0, encoder.outDim()}, torch::kFloat32) : torch::cat(kept);
  return result;
}

}  // namespace krait::wsi
