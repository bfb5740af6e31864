#pragma once
// Krait reads a MetaImage header itself before ITK does, for two reasons. ITK's reader accepts a compressed .mha
// whose data stream stops early (it zero-fills). And ITK's MetaIO copies header fields into fixed arrays without
// bounds: a field name or value of 255 characters or more, or an NDims beyond its arrays (DimSize holds 255
// numbers, TransformMatrix NDims squared), overflows them (found by fuzzing, tests/fuzz/fuzz_metaimage).
#include <filesystem>

namespace krait::io {

// Throws Error(Input) naming the file for a header that ITK's MetaIO cannot read safely, and when the voxel data
// is shorter than the header announces.
void checkMetaImageComplete(const std::filesystem::path& header);

}  // namespace krait::io
