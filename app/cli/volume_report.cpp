#include "volume_report.h"

#include <cstdio>
#include <sstream>

#include "json_numbers.h"
#include "krait/base/geometry.h"

using nlohmann::json;

namespace krait::cli {

namespace {

// Geometry is printed with enough digits to round-trip a float32 header value.
std::string number(double v) {
  if (v == 0) v = 0;  // prints -0 as 0
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.9g", v);
  return buf;
}

std::string joined(const json& values, const char* separator) {
  std::string out;
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (i) out += separator;
    out += values[i].is_number_float() ? number(values[i].get<double>()) : values[i].dump();
  }
  return out;
}

void line(std::ostringstream& out, const char* key, const std::string& value, int indent) {
  std::string k(static_cast<std::size_t>(indent), ' ');
  k += key;
  if (k.size() < 16) k.resize(16, ' ');
  out << k << value << "\n";
}

void renderVolume(std::ostringstream& out, const json& v, int indent) {
  const auto& size = v["size"];
  line(out, "size", joined(size, " x ") + "  (" + std::to_string(v["channels"].get<int>()) + " channel" +
                        (v["channels"].get<int>() == 1 ? "" : "s") + ", " + v["pixel_type"].get<std::string>() + ")",
       indent);
  line(out, "spacing", joined(v["spacing"], " x ") + " mm", indent);
  line(out, "origin", joined(v["origin"], ", ") + " mm (LPS)", indent);
  std::string dir;
  for (const auto& row : v["direction"]) dir += (dir.empty() ? "" : "; ") + joined(row, " ");
  line(out, "direction", "[" + dir + "]", indent);
  std::string orient = v["orientation"].get<std::string>() + "  (axes point to; ITK-SNAP/ITK code " +
                       v["orientation_itk"].get<std::string>() + ")";
  if (v["oblique_degrees"].get<double>() > 0.01) orient += ", oblique by " + number(v["oblique_degrees"].get<double>()) + "°";
  line(out, "orientation", orient, indent);
  const auto& r = v["value_range"];
  std::string range = number(r["min"].get<double>()) + " .. " + number(r["max"].get<double>());
  if (r["non_finite"].get<int64_t>() > 0) range += "  (" + std::to_string(r["non_finite"].get<int64_t>()) + " NaN/inf voxels)";
  line(out, "value range", range, indent);
  for (const auto& n : v["notes"]) line(out, "note", n.get<std::string>(), indent);
}

}  // namespace

json describeVolume(const Volume& volume, const std::vector<std::string>& notes) {
  const Geometry& g = volume.geometry();
  const ValueRange range = volume.valueRange();
  const std::string code = orientationCode(g.direction);
  json direction = json::array();
  for (const auto& row : g.direction) direction.push_back(significant(row));
  return {
      {"size", g.size},
      {"channels", volume.components()},
      {"pixel_type", pixelTypeName(volume.pixelType())},
      {"spacing", significant(g.spacing)},
      {"origin", significant(g.origin)},
      {"direction", direction},
      {"orientation", code},
      {"orientation_itk", orientationFromCode(code)},
      {"oblique_degrees", decimals(obliquityDegrees(g.direction), 3)},
      {"value_range", {{"min", significant(range.min)}, {"max", significant(range.max)}, {"non_finite", range.nonFinite}}},
      {"notes", notes},
  };
}

json describeSeries(const io::DicomSeries& s) {
  return {
      {"series_uid", s.seriesUid},   {"study_uid", s.studyUid},     {"series_number", s.seriesNumber},
      {"modality", s.modality},      {"description", s.description}, {"images", s.frames},
      {"files", s.files.size()},     {"rows", s.rows},               {"columns", s.columns},
      {"has_pixels", s.hasPixels},   {"transfer_syntax", s.transferSyntax},
  };
}

std::string renderInfoText(const json& report) {
  std::ostringstream out;
  out << report["path"].get<std::string>() << "  [" << report["format"].get<std::string>() << "]\n";
  if (report.contains("series")) {
    out << "  " << report["series"].size() << " series:\n";
    for (const auto& s : report["series"]) {
      out << "    #" << s["series_number"].get<std::string>() << "  " << s["modality"].get<std::string>() << "  "
          << s["images"].get<int64_t>() << " images  " << s["columns"].get<int>() << "x" << s["rows"].get<int>()
          << "  \"" << s["description"].get<std::string>() << "\"  " << s["series_uid"].get<std::string>()
          << (s["has_pixels"].get<bool>() ? "" : "  (no pixel data)") << "\n";
    }
  }
  for (const auto& v : report["volumes"]) {
    if (v.contains("series_uid")) out << "  series " << v["series_uid"].get<std::string>() << "\n";
    if (v.contains("error")) {
      out << "    error: " << v["error"].get<std::string>() << "\n";
      continue;
    }
    renderVolume(out, v, v.contains("series_uid") ? 4 : 2);
  }
  for (const auto& s : report.value("skipped", json::array())) out << "  skipped " << s.get<std::string>() << "\n";
  return out.str();
}

}  // namespace krait::cli
