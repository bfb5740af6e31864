#include "test_slide.h"

#include "exports.h"
#include "krait/models/checkpoint/torch_save.h"
#include "testdata.h"
#include "synthetic_slide.h"

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

std::map<std::string, torch::Tensor> readStateDict(const std::string& path) {
  const models::PyRef root = models::readTorchSave(path);
  std::map<std::string, torch::Tensor> tensors;
  for (const auto& [key, value] : root->as<models::PyDict>().items) tensors[key->as<std::string>()] = value->as<torch::Tensor>();
  return tensors;
}

RgbImage recipeCanvas() {
  std::ifstream in(std::string(KRAIT_FIXTURES) + "/wsi/slide_recipe.json");
  const nlohmann::json recipe = nlohmann::json::parse(in);
  const RgbImage ihc = readRgbImage(krait::test::testData("wsi-histology/ihc.png").string());
  const RgbImage glass = readDicomJpegFrame(krait::test::testData("wsi-histology/SC_jpeg_no_color_transform_2.dcm").string());
  RgbImage canvas = tiledCanvas(glass, recipe["canvas"]["width"], recipe["canvas"]["height"]);
  for (const auto& item : recipe["paste"]["items"]) {
    const auto c = item["crop"].is_null() ? std::vector<int64_t>{0, 0, ihc.width, ihc.height} : item["crop"].get<std::vector<int64_t>>();
    const auto dest = item["dest"].get<std::vector<int64_t>>();
    paste(canvas, transformed(crop(ihc, c[0], c[1], c[2], c[3]), item["transform"]), dest[0], dest[1]);
  }
  for (const auto& c : recipe["erase"]["circles"]) eraseCircle(canvas, glass, c["cx"], c["cy"], c["r"]);
  return canvas;
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
    path = (folder / "test_slide.tif").string();
    writePyramidalTiff(recipeCanvas(), path, 0.5);
  });
  return path;
}

}  // namespace krait::wsi::test
