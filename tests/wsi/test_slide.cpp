#include "test_slide.h"

#include <gtest/gtest.h>
#include <vips/vips.h>

#include <nlohmann/json.hpp>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <mutex>
#include <stdexcept>
#include <unistd.h>

#ifndef KRAIT_FIXTURES
#error "KRAIT_FIXTURES must name tests/fixtures"
#endif

namespace krait::wsi::test {
namespace {

struct Rgb {
  int width = 0, height = 0;
  std::vector<uint8_t> pixels;
  uint8_t* at(int x, int y) { return &pixels[(static_cast<size_t>(y) * width + x) * 3]; }
};

void initVips() {
  static std::once_flag once;
  std::call_once(once, [] {
    if (VIPS_INIT("krait-tests")) throw std::runtime_error("libvips cannot start");
  });
}

[[noreturn]] void vipsFailed(const std::string& what) {
  const std::string why = vips_error_buffer();
  vips_error_clear();
  throw std::runtime_error(what + ": " + why);
}

Rgb fromVips(VipsImage* image, const std::string& what) {
  VipsImage* rgb = nullptr;
  if (vips_extract_band(image, &rgb, 0, "n", 3, nullptr)) vipsFailed(what);
  size_t size = 0;
  void* memory = vips_image_write_to_memory(rgb, &size);
  Rgb out{vips_image_get_width(rgb), vips_image_get_height(rgb), {}};
  g_object_unref(rgb);
  if (!memory) vipsFailed(what);
  out.pixels.assign(static_cast<uint8_t*>(memory), static_cast<uint8_t*>(memory) + size);
  g_free(memory);
  return out;
}

Rgb loadIhc() {
  const std::string path = testData() + "/wsi-histology/ihc.png";
  VipsImage* image = vips_image_new_from_file(path.c_str(), "access", VIPS_ACCESS_SEQUENTIAL, nullptr);
  if (!image) vipsFailed(path);
  Rgb out = fromVips(image, path);
  g_object_unref(image);
  return out;
}

// The DICOM file's one encapsulated JPEG frame, from its SOI marker to its last EOI marker.
Rgb loadGlass() {
  const std::string path = testData() + "/wsi-histology/SC_jpeg_no_color_transform_2.dcm";
  std::ifstream file(path, std::ios::binary);
  const std::string bytes((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
  const size_t begin = bytes.find("\xFF\xD8\xFF"), end = bytes.rfind("\xFF\xD9");
  if (begin == std::string::npos || end == std::string::npos || end < begin) throw std::runtime_error(path + ": no JPEG frame");
  VipsImage* image = nullptr;
  if (vips_jpegload_buffer(const_cast<char*>(bytes.data() + begin), end + 2 - begin, &image, nullptr)) vipsFailed(path);
  Rgb out = fromVips(image, path);
  g_object_unref(image);
  return out;
}

Rgb transformed(const Rgb& s, const std::string& how) {
  const bool swap = how == "rot90" || how == "rot270";
  Rgb out{swap ? s.height : s.width, swap ? s.width : s.height, std::vector<uint8_t>(s.pixels.size())};
  for (int y = 0; y < out.height; ++y)
    for (int x = 0; x < out.width; ++x) {
      int sx = x, sy = y;  // the source pixel that lands at (x, y)
      if (how == "flip_h") sx = s.width - 1 - x;
      else if (how == "flip_v") sy = s.height - 1 - y;
      else if (how == "rot180") sx = s.width - 1 - x, sy = s.height - 1 - y;
      else if (how == "rot90") sx = y, sy = s.height - 1 - x;   // clockwise
      else if (how == "rot270") sx = s.width - 1 - y, sy = x;
      else if (how != "none") throw std::runtime_error("unknown transform " + how);
      std::copy_n(const_cast<Rgb&>(s).at(sx, sy), 3, out.at(x, y));
    }
  return out;
}

}  // namespace

std::string testData() {
  const char* root = std::getenv("KRAIT_TESTDATA");
  if (!root || !*root) {
    ADD_FAILURE() << "KRAIT_TESTDATA is not set: run scripts/fetch-test-data.sh and set it to its folder";
    throw std::runtime_error("KRAIT_TESTDATA is not set");
  }
  return root;
}

std::vector<uint8_t> recipeCanvas(int* width, int* height) {
  initVips();
  std::ifstream in(std::string(KRAIT_FIXTURES) + "/wsi/slide_recipe.json");
  const nlohmann::json recipe = nlohmann::json::parse(in);
  const Rgb ihc = loadIhc(), glass = loadGlass();
  Rgb canvas{recipe["canvas"]["width"].get<int>(), recipe["canvas"]["height"].get<int>(), {}};
  canvas.pixels.resize(static_cast<size_t>(canvas.width) * canvas.height * 3);
  const auto background = [&](int x, int y) { std::copy_n(const_cast<Rgb&>(glass).at(x % glass.width, y % glass.height), 3, canvas.at(x, y)); };
  for (int y = 0; y < canvas.height; ++y)
    for (int x = 0; x < canvas.width; ++x) background(x, y);
  for (const auto& item : recipe["paste"]["items"]) {
    Rgb cut = ihc;
    if (!item["crop"].is_null()) {
      const auto c = item["crop"].get<std::vector<int>>();
      cut = Rgb{c[2], c[3], std::vector<uint8_t>(static_cast<size_t>(c[2]) * c[3] * 3)};
      for (int y = 0; y < c[3]; ++y)
        for (int x = 0; x < c[2]; ++x) std::copy_n(const_cast<Rgb&>(ihc).at(c[0] + x, c[1] + y), 3, cut.at(x, y));
    }
    const Rgb placed = transformed(cut, item["transform"].get<std::string>());
    const auto dest = item["dest"].get<std::vector<int>>();
    for (int y = 0; y < placed.height; ++y)
      for (int x = 0; x < placed.width; ++x) std::copy_n(const_cast<Rgb&>(placed).at(x, y), 3, canvas.at(dest[0] + x, dest[1] + y));
  }
  for (const auto& c : recipe["erase"]["circles"]) {
    const int cx = c["cx"], cy = c["cy"], r = c["r"];
    for (int y = std::max(0, cy - r); y <= std::min(canvas.height - 1, cy + r); ++y)
      for (int x = std::max(0, cx - r); x <= std::min(canvas.width - 1, cx + r); ++x)
        if ((x - cx) * (x - cx) + (y - cy) * (y - cy) <= r * r) background(x, y);
  }
  *width = canvas.width;
  *height = canvas.height;
  return canvas.pixels;
}

void writePyramid(const std::vector<uint8_t>& rgb, int width, int height, const std::string& path, int tile, double pxPerMm) {
  initVips();
  VipsImage* image = vips_image_new_from_memory(rgb.data(), rgb.size(), width, height, 3, VIPS_FORMAT_UCHAR);
  if (!image) vipsFailed(path);
  image->Type = VIPS_INTERPRETATION_sRGB;
  const int failed = vips_tiffsave(image, path.c_str(), "tile", TRUE, "tile_width", tile, "tile_height", tile, "pyramid", TRUE,
                                   "compression", VIPS_FOREIGN_TIFF_COMPRESSION_JPEG, "Q", 90, "xres", pxPerMm, "yres",
                                   pxPerMm, nullptr);
  g_object_unref(image);
  if (failed) vipsFailed(path);
}

std::string recipeSlide() {
  static std::once_flag once;
  static std::string path;
  std::call_once(once, [] {
    static const auto folder = std::filesystem::temp_directory_path() / ("krait-wsi-tests-" + std::to_string(::getpid()));
    std::filesystem::create_directories(folder);
    std::atexit([] {
      std::error_code ec;
      std::filesystem::remove_all(folder, ec);
    });
    int width = 0, height = 0;
    const std::vector<uint8_t> canvas = recipeCanvas(&width, &height);
    path = (folder / "test_slide.tif").string();
    writePyramid(canvas, width, height, path);
  });
  return path;
}

}  // namespace krait::wsi::test
