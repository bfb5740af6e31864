#include "krait/io/training_dataset.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <map>
#include <set>

#include "krait/base/error.h"
#include "krait/io/volume_io.h"

namespace fs = std::filesystem;

namespace krait::io {

namespace {

nlohmann::json readJson(const fs::path& file) {
  std::ifstream in(file);
  if (!in) throw inputError(file.string(), "cannot be read");
  const nlohmann::json j = nlohmann::json::parse(in, nullptr, false);
  if (j.is_discarded() || !j.is_object()) throw inputError(file.string(), "is not a JSON object");
  return j;
}

// The label values a map may hold, from dataset.json's "labels": {"background": 0, "liver": 1, "ignore": 3} or
// regions {"whole": [1, 2, 3], ...}.
void readLabels(const nlohmann::json& labels, const fs::path& file, TrainingDataset& d) {
  if (!labels.is_object() || labels.empty()) throw inputError(file.string(), "'labels' is not an object of label values");
  std::set<int64_t> values;
  for (const auto& [name, value] : labels.items()) {
    if (value.is_number_integer()) {
      values.insert(value.get<int64_t>());
      if (name == "ignore") d.ignoreLabel = value.get<int64_t>();
    } else if (value.is_array() && !value.empty() && std::all_of(value.begin(), value.end(), [](const auto& v) { return v.is_number_integer(); })) {
      d.regions = d.regions || value.size() > 1;
      for (const auto& v : value) values.insert(v.get<int64_t>());
    } else {
      throw inputError(file.string(), "label '" + name + "' is neither an integer nor a list of integers");
    }
  }
  d.labelValues.assign(values.begin(), values.end());
}

std::string channelSuffix(size_t channel) {
  char text[16];
  std::snprintf(text, sizeof text, "_%04zu", channel);
  return text;
}

}  // namespace

TrainingDataset findTrainingDataset(const fs::path& folder) {
  TrainingDataset d;
  d.folder = folder;
  const fs::path jsonFile = folder / "dataset.json";
  if (!fs::is_regular_file(jsonFile)) throw inputError(folder.string(), "holds no dataset.json (an nnU-Net raw dataset folder has one)");
  const nlohmann::json j = readJson(jsonFile);
  for (const char* key : {"labels", "numTraining", "file_ending"})
    if (!j.contains(key)) throw inputError(jsonFile.string(), std::string("has no '") + key + "'");
  const nlohmann::json channels = j.contains("channel_names") ? j["channel_names"] : j.contains("modality") ? j["modality"] : nlohmann::json();
  if (!channels.is_object() || channels.empty()) throw inputError(jsonFile.string(), "has no 'channel_names'");
  for (size_t c = 0; c < channels.size(); ++c) {
    const std::string key = std::to_string(c);
    if (!channels.contains(key) || !channels[key].is_string())
      throw inputError(jsonFile.string(), "'channel_names' lacks channel " + key);
    d.channels.push_back(channels[key].get<std::string>());
  }
  readLabels(j["labels"], jsonFile, d);
  if (!j["file_ending"].is_string()) throw inputError(jsonFile.string(), "'file_ending' is not a string");
  d.fileEnding = j["file_ending"].get<std::string>();

  if (j.contains("dataset")) {
    // Explicit file lists: {"case": {"images": [...], "label": "..."}}, paths relative to the folder.
    for (const auto& [id, entry] : j["dataset"].items()) {
      TrainingCase c{id, {}, {}};
      for (const auto& image : entry.value("images", nlohmann::json::array())) c.images.push_back(folder / image.get<std::string>());
      c.labels = folder / entry.value("label", "");
      d.cases.push_back(std::move(c));
    }
  } else {
    const fs::path images = folder / "imagesTr", labels = folder / "labelsTr";
    for (const fs::path& sub : {images, labels})
      if (!fs::is_directory(sub)) throw inputError(sub.string(), "is missing (an nnU-Net raw dataset has imagesTr and labelsTr)");
    // Cases are named by their channel files, <case>_XXXX<ending>, as nnU-Net names them.
    std::set<std::string> ids;
    for (const auto& entry : fs::directory_iterator(images)) {
      const std::string name = entry.path().filename().string();
      if (name.size() <= d.fileEnding.size() + 5 || name.compare(name.size() - d.fileEnding.size(), d.fileEnding.size(), d.fileEnding) != 0)
        continue;
      const std::string stem = name.substr(0, name.size() - d.fileEnding.size());
      if (stem[stem.size() - 5] == '_' && std::all_of(stem.end() - 4, stem.end(), [](unsigned char ch) { return std::isdigit(ch); }))
        ids.insert(stem.substr(0, stem.size() - 5));
    }
    // A label map whose every channel file is missing is still a case: the check below names the missing file.
    for (const auto& entry : fs::directory_iterator(labels)) {
      const std::string name = entry.path().filename().string();
      if (name.size() > d.fileEnding.size() && name.compare(name.size() - d.fileEnding.size(), d.fileEnding.size(), d.fileEnding) == 0)
        ids.insert(name.substr(0, name.size() - d.fileEnding.size()));
    }
    for (const std::string& id : ids) {
      TrainingCase c{id, {}, labels / (id + d.fileEnding)};
      for (size_t ch = 0; ch < d.channels.size(); ++ch) c.images.push_back(images / (id + channelSuffix(ch) + d.fileEnding));
      d.cases.push_back(std::move(c));
    }
  }
  for (const TrainingCase& c : d.cases) {
    if (c.images.size() != d.channels.size())
      throw inputError(folder.string(), "case " + c.id + " lists " + std::to_string(c.images.size()) + " images for " +
                                            std::to_string(d.channels.size()) + " channels");
    for (const fs::path& image : c.images)
      if (!fs::is_regular_file(image)) throw inputError(image.string(), "is missing: case " + c.id + " lacks this channel file");
    if (!fs::is_regular_file(c.labels)) throw inputError(c.labels.string(), "is missing: case " + c.id + " has no label map");
  }
  const int64_t expected = j["numTraining"].is_number_integer() ? j["numTraining"].get<int64_t>() : -1;
  if (expected != static_cast<int64_t>(d.cases.size()))
    throw inputError(jsonFile.string(), "numTraining says " + j["numTraining"].dump() + " cases, " + std::to_string(d.cases.size()) + " found");
  return d;
}

std::vector<std::string> verifyTrainingDataset(const TrainingDataset& d) {
  std::vector<std::string> problems;
  const std::set<int64_t> allowed(d.labelValues.begin(), d.labelValues.end());
  for (const TrainingCase& c : d.cases) {
    const auto problem = [&](const fs::path& file, const std::string& what) {
      problems.push_back("case " + c.id + ": " + file.string() + ": " + what);
    };
    try {
      const Volume labels = readVolume(c.labels);
      for (const fs::path& file : c.images) {
        const Volume image = readVolume(file);
        if (image.components() != 1) problem(file, std::to_string(image.components()) + " components where one channel is expected");
        if (const int64_t nonFinite = image.valueRange().nonFinite; nonFinite > 0)
          problem(file, std::to_string(nonFinite) + " NaN or infinite voxels (replace them with values that make sense)");
        if (const std::string differs = gridDifference(labels.geometry(), image.geometry(), "image"); !differs.empty())
          problem(c.labels, "the label map lies on another grid than " + file.filename().string() + ": " + differs);
      }
      std::set<int64_t> unexpected;
      bool fractional = false;
      dispatchPixelType(labels.pixelType(), [&](auto zero) {
        using T = decltype(zero);
        const T* v = labels.as<T>();
        std::set<int64_t> seen;
        for (size_t i = 0; i < labels.elementCount(); ++i) {
          const double value = static_cast<double>(v[i]);
          if (value != std::floor(value)) {
            fractional = true;
            continue;
          }
          seen.insert(static_cast<int64_t>(value));
        }
        for (const int64_t s : seen)
          if (!allowed.count(s)) unexpected.insert(s);
      });
      if (fractional) problem(c.labels, "holds values that are not whole numbers");
      if (!unexpected.empty()) {
        std::string list;
        for (const int64_t u : unexpected) list += (list.empty() ? "" : ", ") + std::to_string(u);
        problem(c.labels, "holds label values dataset.json does not list: " + list);
      }
    } catch (const std::exception& e) {
      problems.push_back("case " + c.id + ": " + e.what());
    }
  }
  return problems;
}

}  // namespace krait::io
