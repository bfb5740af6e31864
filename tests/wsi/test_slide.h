// The WSI tests' slide, built at test time from real histology in the catalogue (never committed): the recipe of
// tests/fixtures/wsi/slide_recipe.json (islands cut from skimage's ihc.png on a real glass tile of a TCGA Aperio
// slide, some with holes), written with libvips as a JPEG, 256-px tiled pyramidal TIFF at 0.5 µm/px, as
// make_test_slide.py wrote the slide CLAM's goldens come from.
#pragma once

#include <string>

#include "slide.h"

namespace krait::wsi::test {

// KRAIT_TESTDATA (scripts/fetch-test-data.sh); fails the calling test when unset.
std::string testData();
// The recipe's canvas: 2048 x 1536 RGB (sha256 in tests/fixtures/wsi/slide/slide_info.json).
RgbImage recipeCanvas();
// The slide file (exports.h's writePyramidalTiff, as make_test_slide.py's vips tiffsave), built once per process
// under the system temp folder; its path.
std::string recipeSlide();

}  // namespace krait::wsi::test
