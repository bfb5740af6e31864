// Whole-slide images (OpenSlide parses TIFF, SVS and the other vendors' files; Krait reads levels, pixel size and
// background, un-premultiplies regions) opened as wsi::Slide, which promises SlideError naming the file. Everything
// the plugin asks of a slide is asked: properties, every associated image, and a small region at each level, one
// at the origin and one across the level's far corner.
#include <algorithm>

#include "fuzz_input.h"
#include "slide.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  try {
    const krait::wsi::Slide slide(krait::fuzz::writeInput(data, size, "slide.tif"));
    slide.properties();
    slide.bestLevelForDownsample(4);
    for (const auto& name : slide.associatedImages()) slide.associatedImage(name);
    for (int level = 0; level < static_cast<int>(slide.levels().size()); ++level) {
      const auto& l = slide.levels()[level];
      slide.readRegion(0, 0, level, 16, 16);
      // In level-0 pixels, kept in int64's range (a level's size and downsample are the file's word).
      const auto corner = [&](int64_t extent) {
        return static_cast<int64_t>(std::clamp((static_cast<double>(extent) - 8) * l.downsample, 0.0, 1e15));
      };
      slide.readRegion(corner(l.width), corner(l.height), level, 16, 16);
    }
  } catch (const krait::wsi::SlideError&) {
  }
  return 0;
}
