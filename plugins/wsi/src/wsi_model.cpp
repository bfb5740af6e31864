#include "wsi_model.h"

#include <nlohmann/json.hpp>

#include <fstream>
#include <stdexcept>

namespace krait::wsi {
namespace {

using nlohmann::json;

template <typename T>
T field(const json& object, const char* key, const std::string& where) {
  if (!object.is_object() || !object.contains(key)) throw std::invalid_argument(where + " has no '" + key + "'");
  try {
    return object.at(key).get<T>();
  } catch (const json::exception&) {
    throw std::invalid_argument(where + ": '" + key + "' has an unexpected type");
  }
}

std::filesystem::path against(const std::filesystem::path& base, const std::string& path) {
  const std::filesystem::path p(path);
  return p.is_absolute() ? p : base / p;
}

}  // namespace

EncoderSpec encoderSpecFromJson(const json& e, const std::filesystem::path& base) {
  EncoderSpec s;
  s.kind = field<std::string>(e, "kind", "the encoder");
  s.path = against(base, field<std::string>(e, "path", "the encoder")).string();
  s.inputSize = field<int64_t>(e, "input_size", "the encoder");
  s.mean = field<std::array<float, 3>>(e, "mean", "the encoder");
  s.std = field<std::array<float, 3>>(e, "std", "the encoder");
  s.outDim = field<int64_t>(e, "out_dim", "the encoder");
  if (s.inputSize < 1 || s.outDim < 1) throw std::invalid_argument("the encoder's input_size and out_dim must be positive");
  return s;
}

json toJson(const EncoderSpec& e) {
  return {{"kind", e.kind}, {"path", e.path}, {"input_size", e.inputSize}, {"mean", e.mean}, {"std", e.std}, {"out_dim", e.outDim}};
}

WsiModelSpec readWsiModelSpec(const std::filesystem::path& folder) {
  const std::string file = (folder / "model.json").string();
  std::ifstream in(file);
  if (!in) throw SlideError(file, "no such file (a WSI model is a folder with model.json)");
  try {
    const json j = json::parse(in);
    WsiModelSpec s;
    s.folder = folder;
    s.name = field<std::string>(j, "name", "the model");
    s.version = field<std::string>(j, "version", "the model");
    s.intendedUse = field<std::string>(j, "intended_use", "the model");
    s.classes = field<std::vector<std::string>>(j, "classes", "the model");
    s.aggregator = MilConfig::fromJson(field<json>(j, "aggregator", "the model"));
    s.encoder = encoderSpecFromJson(field<json>(j, "encoder", "the model"), folder);
    const json p = field<json>(j, "patching", "the model");
    s.patching.targetMpp = field<double>(p, "target_mpp", "the patching");
    s.patching.patchSize = field<int64_t>(p, "patch_size", "the patching");
    s.patching.overlap = field<double>(p, "overlap", "the patching");
    s.patching.contourCheck = field<std::string>(p, "contour_check", "the patching");
    s.patching.segmentationPreset = field<std::string>(p, "segmentation_preset", "the patching");
    s.weights = against(folder, field<std::string>(j, "weights", "the model"));
    if (static_cast<int64_t>(s.classes.size()) != s.aggregator.numClasses)
      throw std::invalid_argument(std::to_string(s.classes.size()) + " class names for an aggregator of " +
                                  std::to_string(s.aggregator.numClasses) + " classes");
    if (s.encoder.outDim != s.aggregator.inDim)
      throw std::invalid_argument("the encoder gives " + std::to_string(s.encoder.outDim) + " features, the aggregator takes " +
                                  std::to_string(s.aggregator.inDim));
    return s;
  } catch (const json::exception& e) {
    throw SlideError(file, std::string("not valid JSON: ") + e.what());
  } catch (const std::invalid_argument& e) {
    throw SlideError(file, e.what());
  }
}

json toJson(const WsiModelSpec& s) {
  return {{"name", s.name},
          {"version", s.version},
          {"intended_use", s.intendedUse},
          {"classes", s.classes},
          {"aggregator", s.aggregator.toJson()},
          {"encoder", toJson(s.encoder)},
          {"patching",
           {{"target_mpp", s.patching.targetMpp},
            {"patch_size", s.patching.patchSize},
            {"overlap", s.patching.overlap},
            {"contour_check", s.patching.contourCheck},
            {"segmentation_preset", s.patching.segmentationPreset}}},
          {"weights", s.weights.filename().string()}};
}

}  // namespace krait::wsi
