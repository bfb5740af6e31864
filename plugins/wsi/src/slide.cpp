#include "slide.h"

#include <openslide/openslide.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <filesystem>

namespace krait::wsi {
namespace {

std::optional<double> numberProperty(openslide_t* handle, const char* name) {
  const char* value = openslide_get_property_value(handle, name);
  if (!value || !*value) return std::nullopt;
  char* end = nullptr;
  const double v = std::strtod(value, &end);
  if (end == value || !std::isfinite(v) || v <= 0) return std::nullopt;
  return v;
}

std::string stringProperty(openslide_t* handle, const char* name) {
  const char* value = openslide_get_property_value(handle, name);
  return value ? value : "";
}

}  // namespace

const char* mppSourceName(MppSource source) {
  switch (source) {
    case MppSource::Override: return "override";
    case MppSource::OpenSlideMpp: return "openslide.mpp";
    case MppSource::TiffResolution: return "tiff-resolution";
    case MppSource::ObjectivePower: return "objective-power";
    case MppSource::Unknown: break;
  }
  return "unknown";
}

Slide::Slide(std::string path, double mppOverride) : path_(std::move(path)) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path_, ec)) throw SlideError(path_, "no such file");
  if (!openslide_detect_vendor(path_.c_str()))
    throw SlideError(path_, "not a whole-slide image OpenSlide can read (SVS, NDPI, MRXS, SCN, BIF, Philips TIFF or "
                            "a tiled TIFF; a TIFF must be tiled, an untiled TIFF or a plain image is not a slide)");
  open();
  const int32_t count = openslide_get_level_count(handle_);
  for (int32_t l = 0; l < count; ++l) {
    Level level;
    openslide_get_level_dimensions(handle_, l, &level.width, &level.height);
    level.downsample = openslide_get_level_downsample(handle_, l);
    levels_.push_back(level);
  }
  if (levels_.empty() || levels_.front().width < 1 || levels_.front().height < 1)
    throw SlideError(path_, "has no image level");
  vendor_ = stringProperty(handle_, OPENSLIDE_PROPERTY_NAME_VENDOR);
  objectivePower_ = numberProperty(handle_, OPENSLIDE_PROPERTY_NAME_OBJECTIVE_POWER);

  const auto mx = numberProperty(handle_, OPENSLIDE_PROPERTY_NAME_MPP_X);
  const auto my = numberProperty(handle_, OPENSLIDE_PROPERTY_NAME_MPP_Y);
  // OpenSlide 3.4.1 gives generic TIFFs no openslide.mpp: their resolution tags (pixels per unit) still say it.
  const auto rx = numberProperty(handle_, "tiff.XResolution"), ry = numberProperty(handle_, "tiff.YResolution");
  const std::string unit = stringProperty(handle_, "tiff.ResolutionUnit");
  const double micronsPerUnit = unit == "centimeter" ? 1e4 : unit == "inch" ? 25400 : 0;
  if (mppOverride > 0) {
    mppX_ = mppY_ = mppOverride;
    mppSource_ = MppSource::Override;
  } else if (mx && my) {
    mppX_ = *mx, mppY_ = *my;
    mppSource_ = MppSource::OpenSlideMpp;
  } else if (rx && ry && micronsPerUnit > 0 && micronsPerUnit / *rx < 100) {
    // A pixel of 100 µm or more is a scanner's default 72 or 96 dpi, not a microscope's pixel size.
    mppX_ = micronsPerUnit / *rx, mppY_ = micronsPerUnit / *ry;
    mppSource_ = MppSource::TiffResolution;
  } else if (objectivePower_) {
    // The common rule of thumb (a 40x scan is about 0.25 µm/px); OpenSlide calls the power "often inaccurate".
    mppX_ = mppY_ = 10.0 / *objectivePower_;
    mppSource_ = MppSource::ObjectivePower;
  }

  if (const auto colour = stringProperty(handle_, OPENSLIDE_PROPERTY_NAME_BACKGROUND_COLOR); colour.size() == 6) {
    const unsigned long rgb = std::strtoul(colour.c_str(), nullptr, 16);
    background_[0] = static_cast<uint8_t>(rgb >> 16), background_[1] = static_cast<uint8_t>(rgb >> 8),
    background_[2] = static_cast<uint8_t>(rgb);
  }
}

Slide::~Slide() {
  if (handle_) openslide_close(handle_);
}

void Slide::open() {
  openslide_t* handle = openslide_open(path_.c_str());
  if (!handle) throw SlideError(path_, "OpenSlide cannot open it");
  if (const char* error = openslide_get_error(handle)) {
    const std::string why = error;
    openslide_close(handle);
    throw SlideError(path_, "OpenSlide cannot read it: " + why);
  }
  if (handle_) openslide_close(handle_);
  handle_ = handle;
}

int Slide::bestLevelForDownsample(double downsample) const {
  int best = 0;
  for (size_t l = 0; l < levels_.size(); ++l)
    if (levels_[l].downsample <= downsample) best = static_cast<int>(l);
  return best;
}

RgbImage Slide::readRegion(int64_t x0, int64_t y0, int level, int64_t width, int64_t height) const {
  if (level < 0 || level >= static_cast<int>(levels_.size()))
    throw SlideError(path_, "has no level " + std::to_string(level));
  if (width < 1 || height < 1 || width * height > (int64_t{64} << 20))
    throw SlideError(path_, "region of " + std::to_string(width) + " x " + std::to_string(height) +
                                " pixels: read regions of 1 to 64 Mi pixels");
  std::vector<uint32_t> argb(static_cast<size_t>(width * height));
  bool failed = false;
  {
    std::shared_lock lock(handleMutex_);
    openslide_read_region(handle_, argb.data(), x0, y0, level, width, height);
    failed = openslide_get_error(handle_) != nullptr;
  }
  if (failed) {
    // The shared handle is in OpenSlide's terminal error state, which also fails reads of good regions running
    // beside the bad one: reopen it (unless another reader already has) and read again alone, so that only a
    // region that fails by itself is reported.
    std::unique_lock exclusive(handleMutex_);
    auto* self = const_cast<Slide*>(this);
    if (openslide_get_error(handle_)) self->open();
    openslide_read_region(handle_, argb.data(), x0, y0, level, width, height);
    if (const char* error = openslide_get_error(handle_)) {
      const std::string why = error;
      self->open();
      throw SlideError(path_, "cannot read the region at (" + std::to_string(x0) + ", " + std::to_string(y0) +
                                  ") of level " + std::to_string(level) + ": " + why);
    }
  }
  RgbImage image{width, height, std::vector<uint8_t>(argb.size() * 3)};
  uint8_t* out = image.pixels.data();
  for (const uint32_t p : argb) {
    const uint32_t a = p >> 24;
    if (a == 255) {
      out[0] = static_cast<uint8_t>(p >> 16), out[1] = static_cast<uint8_t>(p >> 8), out[2] = static_cast<uint8_t>(p);
    } else {
      // Premultiplied: un-premultiply, then composite over the background (transparent = not scanned).
      for (int c = 0; c < 3; ++c) {
        const uint32_t premultiplied = (p >> (16 - 8 * c)) & 0xff;
        out[c] = static_cast<uint8_t>(premultiplied + (255 - a) * background_[c] / 255);
      }
    }
    out += 3;
  }
  return image;
}

std::vector<std::pair<std::string, std::string>> Slide::properties() const {
  std::shared_lock lock(handleMutex_);
  std::vector<std::pair<std::string, std::string>> out;
  for (const char* const* name = openslide_get_property_names(handle_); name && *name; ++name)
    out.emplace_back(*name, stringProperty(handle_, *name));
  return out;
}

std::vector<std::string> Slide::associatedImages() const {
  std::shared_lock lock(handleMutex_);
  std::vector<std::string> out;
  for (const char* const* name = openslide_get_associated_image_names(handle_); name && *name; ++name)
    out.emplace_back(*name);
  return out;
}

RgbImage Slide::associatedImage(const std::string& name) const {
  std::shared_lock lock(handleMutex_);
  int64_t w = 0, h = 0;
  openslide_get_associated_image_dimensions(handle_, name.c_str(), &w, &h);
  if (w < 1 || h < 1) throw SlideError(path_, "has no associated image '" + name + "'");
  std::vector<uint32_t> argb(static_cast<size_t>(w * h));
  openslide_read_associated_image(handle_, name.c_str(), argb.data());
  if (const char* error = openslide_get_error(handle_)) throw SlideError(path_, std::string("associated image: ") + error);
  RgbImage image{w, h, std::vector<uint8_t>(argb.size() * 3)};
  for (size_t i = 0; i < argb.size(); ++i)
    for (int c = 0; c < 3; ++c) image.pixels[3 * i + c] = static_cast<uint8_t>(argb[i] >> (16 - 8 * c));
  return image;
}

}  // namespace krait::wsi
