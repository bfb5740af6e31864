// The WSI tests' support. Their slide, built at test time from real histology in the catalogue (never committed): the recipe of
// tests/fixtures/wsi/slide_recipe.json (islands cut from skimage's ihc.png on a real glass tile of a TCGA Aperio
// slide, some with holes), written with libvips as a JPEG, 256-px tiled pyramidal TIFF at 0.5 µm/px, as
// make_test_slide.py wrote the slide CLAM's goldens come from.
#pragma once

#include <string>

#include <torch/types.h>

#include <map>

#include "slide.h"

namespace krait::wsi::test {

// A torch.save'd state dict (a dict or OrderedDict of tensors) read by Krait's checkpoint reader, as the plugin's
// host reads it for the plugin (plugin ABI 1.2).
std::map<std::string, torch::Tensor> readStateDict(const std::string& path);
// The recipe's canvas: 2048 x 1536 RGB (sha256 in tests/fixtures/wsi/slide/slide_info.json).
RgbImage recipeCanvas();
// The slide file (exports.h's writePyramidalTiff, as make_test_slide.py's vips tiffsave), built once per process
// under the system temp folder; its path.
std::string recipeSlide();

}  // namespace krait::wsi::test
