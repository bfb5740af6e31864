#include "series_rows.h"

namespace krait::studio {

std::vector<SeriesRow> seriesRows(const io::DicomScan& scan) {
  std::vector<SeriesRow> rows;
  for (const auto& s : scan.series) {
    if (!s.hasPixels) continue;
    const std::string images = std::to_string(s.frames);
    rows.push_back({s.seriesUid, s.modality, s.description.empty() ? "(no description)" : s.description, images,
                    std::to_string(s.columns) + " x " + std::to_string(s.rows) + " x " + images});
  }
  return rows;
}

}  // namespace krait::studio
