#include "dicom_seg_checks.h"

#include <gtest/gtest.h>

#include <sstream>

#include "run_program.h"

namespace krait::test {

Volume thresholdLabels(const Volume& image, const std::vector<double>& cuts, const std::set<int64_t>& empty) {
  Volume labels(image.geometry(), PixelType::UInt8);
  uint8_t* out = labels.as<uint8_t>();
  const auto& size = image.geometry().size;
  for (int64_t k = 0; k < size[2]; ++k)
    for (int64_t j = 0; j < size[1]; ++j)
      for (int64_t i = 0; i < size[0]; ++i) {
        uint8_t l = 0;
        for (double cut : cuts) l += image.valueAt(i, j, k) > cut;
        *out++ = empty.count(k) ? 0 : l;
      }
  return labels;
}

std::vector<std::string> dciodvfyErrors(const std::filesystem::path& file, const std::string& tolerated) {
  const CliResult r = runProgram("/usr/bin/dciodvfy", {"-new", file.string()});
  EXPECT_NE(r.exitCode, 127) << "dciodvfy not found: apt-get install dicom3tools";
  std::vector<std::string> errors;
  std::istringstream lines(r.out + r.err);
  for (std::string line; std::getline(lines, line);)
    if (line.rfind("Error", 0) == 0 && (tolerated.empty() || line.find(tolerated) == std::string::npos)) errors.push_back(line);
  return errors;
}

}  // namespace krait::test
