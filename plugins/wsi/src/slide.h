// A whole-slide image read with OpenSlide 3.4.1 (SVS, NDPI, MRXS, SCN, Philips and Ventana TIFF, generic tiled
// TIFF): the pyramid's levels, the pixel size, and RGB regions. OpenSlide's rules are kept here so that no caller
// meets them: regions arrive premultiplied ARGB (un-premultiplied here, transparent areas filled with the slide's
// background colour or white); a failed read leaves the handle in a terminal error state (the handle is reopened
// and the error reported); one handle serves many reader threads, but closing it must be exclusive.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <stdexcept>
#include <string>
#include <vector>

typedef struct _openslide openslide_t;

namespace krait::wsi {

// A slide or file that cannot be used; what() names the file and the reason.
class SlideError : public std::runtime_error {
 public:
  SlideError(const std::string& path, const std::string& why) : std::runtime_error(path + ": " + why), path_(path) {}
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

struct Level {
  int64_t width = 0, height = 0;  // pixels at this level
  double downsample = 1;          // level-0 pixels per pixel of this level
};

// Interleaved 8-bit RGB, row-major, width * height * 3 bytes.
struct RgbImage {
  int64_t width = 0, height = 0;
  std::vector<uint8_t> pixels;
};

// Where the pixel size came from, most trusted first.
enum class MppSource { Override, OpenSlideMpp, TiffResolution, ObjectivePower, Unknown };
const char* mppSourceName(MppSource source);

class Slide {
 public:
  // Opens `path`. mppOverride > 0 replaces whatever the file says (µm per level-0 pixel, both axes). Throws
  // SlideError for a missing or unreadable file, a format OpenSlide does not know, a file without a level, or a TIFF
  // OpenSlide 3.4.1 would crash on (a tag claiming more data than the file holds; in an Aperio file, a level with over
  // twice the tiles across or down of the one before).
  explicit Slide(std::string path, double mppOverride = 0);
  ~Slide();
  Slide(const Slide&) = delete;
  Slide& operator=(const Slide&) = delete;

  const std::string& path() const { return path_; }
  const std::string& vendor() const { return vendor_; }  // OpenSlide's "openslide.vendor": "aperio", "generic-tiff"
  const std::vector<Level>& levels() const { return levels_; }
  int64_t width() const { return levels_.front().width; }
  int64_t height() const { return levels_.front().height; }

  // µm per level-0 pixel and where it came from: the override, openslide.mpp-x/y, the TIFF resolution tags, or
  // 10 / objective power (a rough rule, reported as such); 0 with Unknown when nothing says.
  double mppX() const { return mppX_; }
  double mppY() const { return mppY_; }
  MppSource mppSource() const { return mppSource_; }
  std::optional<double> objectivePower() const { return objectivePower_; }

  // The level whose downsample is the largest not above `downsample` (OpenSlide's get_best_level_for_downsample,
  // which CLAM uses for its segmentation and heatmap levels).
  int bestLevelForDownsample(double downsample) const;

  // RGB pixels of a width x height region of `level`, whose top-left corner is (x0, y0) in level-0 pixels (as
  // openslide_read_region). Regions past the slide's edge are background. Thread-safe. Throws SlideError on a
  // read error (after reopening the handle, so that later reads work) or for a size over 64 Mi pixels.
  RgbImage readRegion(int64_t x0, int64_t y0, int level, int64_t width, int64_t height) const;

  // OpenSlide's properties, name -> value (vendor keys included); for `krait wsi info`.
  std::vector<std::pair<std::string, std::string>> properties() const;
  // Names of the associated images ("label", "macro", "thumbnail"). The label and macro images may carry the
  // patient's name: callers show them only when asked.
  std::vector<std::string> associatedImages() const;
  // Throws SlideError for an image OpenSlide cannot read or one over 64 Mi pixels.
  RgbImage associatedImage(const std::string& name) const;

 private:
  void open();
  std::string path_, vendor_;
  std::vector<Level> levels_;
  double mppX_ = 0, mppY_ = 0;
  MppSource mppSource_ = MppSource::Unknown;
  std::optional<double> objectivePower_;
  uint8_t background_[3] = {255, 255, 255};
  // Readers share the handle; a reopen after an error takes it exclusively.
  mutable std::shared_mutex handleMutex_;
  mutable openslide_t* handle_ = nullptr;
};

}  // namespace krait::wsi
