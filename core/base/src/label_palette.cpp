#include "krait/base/label_palette.h"

#include <cstddef>

namespace krait {

std::array<int, 3> defaultLabelColour(int64_t label) {
  static constexpr std::array<std::array<int, 3>, 24> palette{{
      {230, 25, 75},   {60, 180, 75},   {255, 225, 25}, {0, 130, 200},   {245, 130, 48},  {145, 30, 180},
      {70, 240, 240},  {240, 50, 230},  {210, 245, 60}, {250, 190, 212}, {0, 128, 128},   {220, 190, 255},
      {170, 110, 40},  {255, 250, 200}, {128, 0, 0},    {170, 255, 195}, {128, 128, 0},   {255, 215, 180},
      {0, 0, 128},     {128, 128, 128}, {255, 99, 71},  {64, 224, 208},  {218, 112, 214}, {154, 205, 50},
  }};
  constexpr auto n = static_cast<int64_t>(palette.size());
  return palette[static_cast<std::size_t>(((label - 1) % n + n) % n)];
}

}  // namespace krait
