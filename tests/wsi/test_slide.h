// The WSI tests' slide, built at test time from real histology in the catalogue (never committed): the recipe of
// tests/fixtures/wsi/slide_recipe.json (islands cut from skimage's ihc.png on a real glass tile of a TCGA Aperio
// slide, some with holes), written with libvips as a JPEG, 256-px tiled pyramidal TIFF at 0.5 µm/px, as
// make_test_slide.py wrote the slide CLAM's goldens come from.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace krait::wsi::test {

// KRAIT_TESTDATA (scripts/fetch-test-data.sh); fails the calling test when unset.
std::string testData();
// The recipe's canvas: 2048 x 1536 interleaved RGB (sha256 in tests/fixtures/wsi/slide/slide_info.json).
std::vector<uint8_t> recipeCanvas(int* width, int* height);
// The slide file, built once per process under the system temp folder; its path.
std::string recipeSlide();
// Writes interleaved RGB as a tiled pyramidal JPEG TIFF with libvips (tile side `tile`, px per mm `pxPerMm`).
void writePyramid(const std::vector<uint8_t>& rgb, int width, int height, const std::string& path, int tile = 256,
                  double pxPerMm = 2000);

}  // namespace krait::wsi::test
