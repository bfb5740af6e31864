// The colour maps a heatmap is drawn with, exactly as CLAM draws them: matplotlib's 256-entry tables for jet (CLAM's
// heatmap config), coolwarm (visHeatmap's default) and viridis, and matplotlib's rule for which entry a value picks.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string_view>

namespace krait::wsi {

enum class Colormap { Jet, Coolwarm, Viridis };
inline constexpr std::array<Colormap, 3> kColormaps = {Colormap::Jet, Colormap::Coolwarm, Colormap::Viridis};

using Rgb = std::array<uint8_t, 3>;
using ColormapTable = std::array<Rgb, 256>;

// "jet", "coolwarm", "viridis" (matplotlib's names); nullopt for any other name.
std::optional<Colormap> colormapFromName(std::string_view name);
std::string_view colormapName(Colormap map);

// matplotlib's table for `map`, each channel as CLAM turns it into bytes: (cmap(v) * 255).astype(uint8), truncated.
const ColormapTable& colormapTable(Colormap map);

// The colour matplotlib's cmap(v) gives, as CLAM stores it: entry floor(v * 256) of the table, where v = 1 takes the
// last entry, values below 0 the first and above 1 the last (matplotlib's default under/over colours), and NaN is
// black (the "bad" colour, transparent black, without its alpha).
Rgb colormapColor(Colormap map, double v);

}  // namespace krait::wsi
