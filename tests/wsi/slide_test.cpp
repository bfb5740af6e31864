// wsi::Slide on files OpenSlide must not be given: the fuzz findings of tests/fuzz/regressions/fuzz_slide.
#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "slide.h"

namespace {

std::string regression(const std::string& name) {
  return (std::filesystem::path(KRAIT_FIXTURES) / ".." / "fuzz" / "regressions" / "fuzz_slide" / name).string();
}

// The SlideError that opening `path` throws ("" when it opens).
std::string openError(const std::string& path) {
  try {
    krait::wsi::Slide slide(path);
  } catch (const krait::wsi::SlideError& e) {
    return e.what();
  }
  return "";
}

// Fuzz finding: a 953-byte TIFF whose YResolution claims 1,660,944,384 RATIONALs made OpenSlide 3.4.1 allocate
// 13 GB before reading them.
TEST(Slide, ATiffTagClaimingMoreThanTheFileHoldsIsRefusedBeforeOpenSlide) {
  const std::string path = regression("tiff-tag-count-beyond-the-file");
  EXPECT_EQ(openError(path), path + ": TIFF directory 0: tag 283 claims 1660944384 values, more than the file's 953 bytes hold");
}

// Fuzz finding: an SVS whose second level is 33024 px wide beside a 2560-px level 0 made OpenSlide 3.4.1's Aperio
// driver divide by the rounded ratio of the levels' tiles across, 0 (SIGFPE), propagating a missing tile.
TEST(Slide, AnAperioLevelWithMoreThanTwiceTheTilesOfTheOneBeforeIsRefusedBeforeOpenSlide) {
  const std::string path = regression("level-wider-than-level-0-divides-by-zero");
  const std::string error = openError(path);
  EXPECT_NE(error.find(": TIFF directory "), std::string::npos) << error;
  EXPECT_NE(error.find(" tiles after one of "), std::string::npos) << error;
  EXPECT_NE(error.find("not a pyramid OpenSlide 3.4.1 can take"), std::string::npos) << error;
}

// Fuzz finding: a 24 KB SVS whose associated image claims 484 Mi pixels had Krait allocate 1.9 GB for it.
TEST(Slide, AnAssociatedImageBeyond64MiPixelsIsRefusedBeforeItIsAllocated) {
  const krait::wsi::Slide slide(regression("associated-image-of-484-mi-pixels"));
  std::string messages;
  for (const auto& name : slide.associatedImages()) {
    try {
      slide.associatedImage(name);
    } catch (const krait::wsi::SlideError& e) {
      messages += e.what();
    }
  }
  EXPECT_NE(messages.find("pixels: more than 64 Mi pixels"), std::string::npos) << messages;
}

}  // namespace
