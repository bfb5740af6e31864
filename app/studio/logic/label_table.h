#pragma once
// Label names and colours that come with a label map, in the formats atlases and tools ship them: ITK-SNAP's
// label description files, 3D Slicer's colour tables (.ctbl, .txt), FreeSurfer's LUT, MRIcron's name lists (the
// AAL and JHU atlases' <map>.nii.txt: "index name [code]") and MRIcron's binary colour tables (<map>.nii.lut,
// 768 bytes: 256 reds, then greens, then blues).
#include <array>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace krait::studio {

struct LabelDescription {
  int64_t value = 0;
  std::string name;                         // empty in a colour-only table
  std::optional<std::array<int, 3>> colour;  // absent in a name-only list
};

// Throws Error(Input) naming the file when it is none of the formats above.
std::vector<LabelDescription> readLabelTable(const std::filesystem::path& file);

// The tables beside a label map (<map>.txt, .lut, .ctbl, .label and <name without extensions>.txt, .lut, ...)
// read and merged: names from the text tables, colours from whichever gives them. `found` receives the files
// used. Nothing beside it: empty.
std::vector<LabelDescription> labelTableBeside(const std::filesystem::path& labelMap,
                                               std::vector<std::filesystem::path>* found = nullptr);

}  // namespace krait::studio
