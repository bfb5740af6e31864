#pragma once
// What `krait info` says about an input, built once as JSON and rendered as text from the same object, so
// the human and the machine outputs cannot disagree.
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "krait/base/volume.h"
#include "krait/io/dicom.h"

namespace krait::cli {

nlohmann::json describeVolume(const Volume& volume, const std::vector<std::string>& notes);
nlohmann::json describeSeries(const io::DicomSeries& series);

// Renders an info report ({"path", "format", "series"?, "volumes"}) as indented text.
std::string renderInfoText(const nlohmann::json& report);

}  // namespace krait::cli
