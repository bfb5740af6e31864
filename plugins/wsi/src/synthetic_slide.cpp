#include "synthetic_slide.h"

#include <vips/vips.h>

#include <fstream>
#include <iterator>
#include <random>
#include <sstream>

#include "atomic_file.h"
#include "exports.h"
#include "vips_support.h"

namespace krait::wsi {
namespace {

[[noreturn]] void vipsFailed(const std::string& path) { throw SlideError(path, "libvips cannot read it: " + vipsError()); }

RgbImage fromVips(VipsImage* image, const std::string& path) {
  VipsImage* rgb = nullptr;
  const int failed = vips_image_get_bands(image) >= 3 ? vips_extract_band(image, &rgb, 0, "n", 3, nullptr)
                                                      : vips_colourspace(image, &rgb, VIPS_INTERPRETATION_sRGB, nullptr);
  g_object_unref(image);
  if (failed) vipsFailed(path);
  VipsImage* bytes = nullptr;
  if (vips_cast_uchar(rgb, &bytes, nullptr)) {
    g_object_unref(rgb);
    vipsFailed(path);
  }
  g_object_unref(rgb);
  size_t size = 0;
  void* memory = vips_image_write_to_memory(bytes, &size);
  RgbImage out{vips_image_get_width(bytes), vips_image_get_height(bytes), {}};
  g_object_unref(bytes);
  if (!memory) vipsFailed(path);
  out.pixels.assign(static_cast<uint8_t*>(memory), static_cast<uint8_t*>(memory) + size);
  g_free(memory);
  return out;
}

uint8_t* at(RgbImage& image, int64_t x, int64_t y) { return &image.pixels[static_cast<size_t>((y * image.width + x) * 3)]; }
const uint8_t* at(const RgbImage& image, int64_t x, int64_t y) { return &image.pixels[static_cast<size_t>((y * image.width + x) * 3)]; }

}  // namespace

RgbImage readRgbImage(const std::string& path) {
  startVips();
  VipsImage* image = vips_image_new_from_file(path.c_str(), "access", VIPS_ACCESS_SEQUENTIAL, nullptr);
  if (!image) vipsFailed(path);
  return fromVips(image, path);
}

RgbImage readDicomJpegFrame(const std::string& path) {
  startVips();
  std::ifstream file(path, std::ios::binary);
  if (!file) throw SlideError(path, "no such file");
  const std::string bytes((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
  const size_t begin = bytes.find("\xFF\xD8\xFF"), end = bytes.rfind("\xFF\xD9");
  if (begin == std::string::npos || end == std::string::npos || end < begin) throw SlideError(path, "holds no JPEG frame");
  VipsImage* image = nullptr;
  if (vips_jpegload_buffer(const_cast<char*>(bytes.data() + begin), end + 2 - begin, &image, nullptr)) vipsFailed(path);
  return fromVips(image, path);
}

RgbImage tiledCanvas(const RgbImage& tile, int64_t width, int64_t height) {
  RgbImage canvas{width, height, std::vector<uint8_t>(static_cast<size_t>(width * height * 3))};
  for (int64_t y = 0; y < height; ++y)
    for (int64_t x = 0; x < width; ++x) std::copy_n(at(tile, x % tile.width, y % tile.height), 3, at(canvas, x, y));
  return canvas;
}

RgbImage crop(const RgbImage& image, int64_t x0, int64_t y0, int64_t width, int64_t height) {
  RgbImage out{width, height, std::vector<uint8_t>(static_cast<size_t>(width * height * 3))};
  for (int64_t y = 0; y < height; ++y) std::copy_n(at(image, x0, y0 + y), width * 3, at(out, 0, y));
  return out;
}

RgbImage transformed(const RgbImage& s, const std::string& how) {
  const bool swap = how == "rot90" || how == "rot270";
  RgbImage out{swap ? s.height : s.width, swap ? s.width : s.height, std::vector<uint8_t>(s.pixels.size())};
  for (int64_t y = 0; y < out.height; ++y)
    for (int64_t x = 0; x < out.width; ++x) {
      int64_t sx = x, sy = y;  // the source pixel that lands at (x, y)
      if (how == "flip_h") sx = s.width - 1 - x;
      else if (how == "flip_v") sy = s.height - 1 - y;
      else if (how == "rot180") sx = s.width - 1 - x, sy = s.height - 1 - y;
      else if (how == "rot90") sx = y, sy = s.height - 1 - x;
      else if (how == "rot270") sx = s.width - 1 - y, sy = x;
      else if (how != "none") throw std::invalid_argument("unknown transform '" + how + "'");
      std::copy_n(at(s, sx, sy), 3, at(out, x, y));
    }
  return out;
}

void paste(RgbImage& canvas, const RgbImage& piece, int64_t x0, int64_t y0) {
  for (int64_t y = std::max<int64_t>(0, -y0); y < piece.height && y0 + y < canvas.height; ++y)
    for (int64_t x = std::max<int64_t>(0, -x0); x < piece.width && x0 + x < canvas.width; ++x)
      std::copy_n(at(piece, x, y), 3, at(canvas, x0 + x, y0 + y));
}

void eraseCircle(RgbImage& canvas, const RgbImage& tile, int64_t cx, int64_t cy, int64_t r) {
  for (int64_t y = std::max<int64_t>(0, cy - r); y <= std::min(canvas.height - 1, cy + r); ++y)
    for (int64_t x = std::max<int64_t>(0, cx - r); x <= std::min(canvas.width - 1, cx + r); ++x)
      if ((x - cx) * (x - cx) + (y - cy) * (y - cy) <= r * r) std::copy_n(at(tile, x % tile.width, y % tile.height), 3, at(canvas, x, y));
}

std::vector<SyntheticSlide> synthesizeSlides(const std::string& ihcPng, const std::string& glassDicom, const std::filesystem::path& folder,
                                             int count, int64_t width, int64_t height, uint64_t seed) {
  const RgbImage ihc = readRgbImage(ihcPng), glass = readDicomJpegFrame(glassDicom);
  std::error_code ec;
  std::filesystem::create_directories(folder, ec);
  if (ec) throw SlideError(folder.string(), "cannot be created: " + ec.message());
  std::mt19937_64 random(seed);
  const auto uniform = [&](int64_t lo, int64_t hi) { return std::uniform_int_distribution<int64_t>(lo, hi)(random); };
  const char* const transforms[] = {"none", "flip_h", "flip_v", "rot90", "rot180", "rot270"};
  std::vector<SyntheticSlide> slides;
  for (int i = 0; i < count; ++i) {
    RgbImage canvas = tiledCanvas(glass, width, height);
    SyntheticSlide s;
    s.islands = i % 2 == 0 ? static_cast<int>(uniform(1, 3)) : 0;  // alternate, so both classes are balanced
    for (int k = 0; k < s.islands; ++k) {
      const int64_t w = uniform(96, 320), h = uniform(96, 320);
      const RgbImage piece = transformed(crop(ihc, uniform(0, ihc.width - w), uniform(0, ihc.height - h), w, h), transforms[uniform(0, 5)]);
      paste(canvas, piece, uniform(0, width - piece.width), uniform(0, height - piece.height));
    }
    s.label = s.islands > 0 ? "tissue" : "background";
    char name[32];
    std::snprintf(name, sizeof name, "slide_%03d.tif", i);
    s.file = folder / name;
    writePyramidalTiff(canvas, s.file.string(), 0.5);
    slides.push_back(s);
  }
  std::ostringstream csv;
  csv << "slide_id,label,split\n";
  for (size_t i = 0; i < slides.size(); ++i)
    csv << slides[i].file.stem().string() << "," << slides[i].label << "," << (i % 10 >= 8 ? "val" : "train") << "\n";
  writeText((folder / "labels.csv").string(), csv.str());
  return slides;
}

}  // namespace krait::wsi
