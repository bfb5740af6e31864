#pragma once
// The overlay colours labels get when nothing else gives them one: model manifests store them, the studio
// draws them.
#include <array>
#include <cstdint>

namespace krait {

// Distinct RGB (0..255) colours for labels 1, 2, ... (cycled after 24).
std::array<int, 3> defaultLabelColour(int64_t label);

}  // namespace krait
