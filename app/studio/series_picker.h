#pragma once
// The dialog that asks which series of a DICOM folder to open.
#include <optional>
#include <string>
#include <vector>

#include "series_rows.h"

class QWidget;

namespace krait::studio {

// The chosen series' UID; nothing when the user cancels.
std::optional<std::string> pickSeries(const std::vector<SeriesRow>& rows, QWidget* parent);

}  // namespace krait::studio
