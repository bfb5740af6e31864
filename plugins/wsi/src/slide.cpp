#include "slide.h"

#include <openslide/openslide.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string_view>
#include <vector>

namespace krait::wsi {
namespace {

// The most pixels one read asks of OpenSlide, a region or an associated image (256 MB of ARGB).
constexpr int64_t kMaxPixels = int64_t{64} << 20;

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

// OpenSlide 3.4.1 trusts TIFF directories in two ways that fuzzing turned into a crash, so TIFF and BigTIFF
// directories are walked here first and such files refused; anything else is left to OpenSlide:
// - it reads every entry's values into memory before anything checks them: a tag whose count claims more bytes
//   than the file holds (1.66e9 RATIONALs, 13 GB, in a 953-byte file) is an allocation of the claim, which g_malloc
//   answers with an abort when it cannot be made;
// - its Aperio driver, where a level has missing tiles, divides by the rounded ratio of the tiles across (and down)
//   of each tiled level to the next (openslide-vendor-aperio.c, propagate_missing_tile), which is 0 when the next
//   has more than twice as many (SIGFPE): in an Aperio file (ImageDescription starting "Aperio", as OpenSlide tells
//   them) such a level, which no pyramid has, is refused.
void checkTiffDirectories(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::error_code ec;
  const uint64_t fileSize = std::filesystem::file_size(path, ec);
  unsigned char header[16] = {};
  if (!in.read(reinterpret_cast<char*>(header), 8) || ec) return;
  const bool little = header[0] == 'I' && header[1] == 'I', big = header[0] == 'M' && header[1] == 'M';
  if (!little && !big) return;
  const auto number = [&](const unsigned char* p, int bytes) {
    uint64_t v = 0;
    for (int i = 0; i < bytes; ++i) v |= uint64_t{p[little ? i : bytes - 1 - i]} << (8 * i);
    return v;
  };
  const uint64_t version = number(header + 2, 2);
  if (version != 42 && version != 43) return;
  const bool bigTiff = version == 43;
  if (bigTiff && !in.read(reinterpret_cast<char*>(header + 8), 8)) return;
  const int countBytes = bigTiff ? 8 : 2, entryBytes = bigTiff ? 20 : 12, offsetBytes = bigTiff ? 8 : 4;
  uint64_t offset = bigTiff ? number(header + 8, 8) : number(header + 4, 4);
  // Value sizes of the TIFF 6 and BigTIFF field types; other types are ignored by libtiff, and here.
  constexpr int kTypeBytes[] = {0, 1, 1, 2, 4, 8, 1, 1, 2, 4, 8, 4, 8, 4, 0, 0, 8, 8, 8};
  struct Tiles {
    uint64_t across = 0, down = 0;
  };
  std::vector<std::pair<int, Tiles>> levels;  // the tiled directories, in order
  bool aperio = false;
  for (int directory = 0; directory < 4096 && offset > 0 && offset < fileSize; ++directory) {
    unsigned char buffer[20];
    if (!in.seekg(static_cast<std::streamoff>(offset)) || !in.read(reinterpret_cast<char*>(buffer), countBytes)) return;
    const uint64_t entries = number(buffer, countBytes);
    uint64_t width = 0, height = 0, tileWidth = 0, tileHeight = 0;
    for (uint64_t e = 0; e < entries; ++e) {
      if (!in.read(reinterpret_cast<char*>(buffer), entryBytes)) return;
      const uint64_t tag = number(buffer, 2), type = number(buffer + 2, 2), count = number(buffer + 4, bigTiff ? 8 : 4);
      const int size = type < std::size(kTypeBytes) ? kTypeBytes[type] : 0;
      if (size > 0 && count > fileSize / size)
        throw SlideError(path, "TIFF directory " + std::to_string(directory) + ": tag " + std::to_string(tag) +
                                   " claims " + std::to_string(count) + " values, more than the file's " +
                                   std::to_string(fileSize) + " bytes hold");
      const uint64_t value = number(buffer + (bigTiff ? 12 : 8), type == 3 ? 2 : 4);  // a SHORT or LONG held inline
      if (count == 1 && tag == 256) width = value;
      if (count == 1 && tag == 257) height = value;
      if (count == 1 && tag == 322) tileWidth = value;
      if (count == 1 && tag == 323) tileHeight = value;
      if (directory == 0 && tag == 270 && type == 2 && count >= 6) {  // ImageDescription, held at an offset
        const std::streamoff next = in.tellg();
        char prefix[6] = {};
        in.seekg(static_cast<std::streamoff>(number(buffer + (bigTiff ? 12 : 8), offsetBytes)));
        aperio = in.read(prefix, 6) && std::string_view(prefix, 6) == "Aperio";
        in.clear();
        in.seekg(next);
      }
    }
    if (tileWidth > 0 && tileHeight > 0)
      levels.push_back({directory, {(width + tileWidth - 1) / tileWidth, (height + tileHeight - 1) / tileHeight}});
    if (!in.read(reinterpret_cast<char*>(buffer), offsetBytes)) break;
    offset = number(buffer, offsetBytes);
  }
  for (std::size_t k = 1; aperio && k < levels.size(); ++k) {
    const Tiles& before = levels[k - 1].second;
    const Tiles& tiles = levels[k].second;
    if (tiles.across > 2 * before.across || tiles.down > 2 * before.down)
      throw SlideError(path, "TIFF directory " + std::to_string(levels[k].first) + ": a level of " + std::to_string(tiles.across) +
                                 " x " + std::to_string(tiles.down) + " tiles after one of " + std::to_string(before.across) +
                                 " x " + std::to_string(before.down) + ": not a pyramid OpenSlide 3.4.1 can take");
  }
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
  checkTiffDirectories(path_);
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
  if (width < 1 || height < 1 || width * height > kMaxPixels)
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
  // The size is the file's word (a fuzz finding: a 24 KB SVS whose label claimed 484 Mi pixels, 1.9 GB allocated
  // here before OpenSlide failed to read it): beyond the regions' 64 Mi pixels it is refused before any allocation.
  if (w > kMaxPixels / h)
    throw SlideError(path_, "associated image '" + name + "' of " + std::to_string(w) + " x " + std::to_string(h) +
                                " pixels: more than 64 Mi pixels");
  std::vector<uint32_t> argb(static_cast<size_t>(w * h));
  openslide_read_associated_image(handle_, name.c_str(), argb.data());
  if (const char* error = openslide_get_error(handle_)) throw SlideError(path_, std::string("associated image: ") + error);
  RgbImage image{w, h, std::vector<uint8_t>(argb.size() * 3)};
  for (size_t i = 0; i < argb.size(); ++i)
    for (int c = 0; c < 3; ++c) image.pixels[3 * i + c] = static_cast<uint8_t>(argb[i] >> (16 - 8 * c));
  return image;
}

}  // namespace krait::wsi
