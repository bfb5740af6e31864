#include "segmentation_report.h"

#include <torch/cuda.h>
#include <torch/version.h>

#include <cstdio>
#include <sstream>

#include "krait/core/error.h"
#include "krait/core/memory.h"
#include "krait/models/model_store.h"

using nlohmann::json;

namespace krait::cli {

PipelineOptions pipelineOptions(const ArgParser& args, const torch::Device& device) {
  PipelineOptions o;
  o.stepSize = args.doubleValue("--step", 0.5);
  if (!(o.stepSize > 0.0 && o.stepSize <= 1.0))
    throw Error(ErrorKind::Usage, "--step must be in (0, 1], not " + args.value("--step"));
  o.tileBatch = args.intValue("--tile-batch", 1);
  if (o.tileBatch < 1) throw Error(ErrorKind::Usage, "--tile-batch must be 1 or more, not " + args.value("--tile-batch"));
  o.mirror = args.has("--tta");
  o.device = device;
  return o;
}

models::Precision precisionFromArgs(const ArgParser& args, const torch::Device& device) {
  const models::Precision precision = models::parsePrecision(args.value("--precision", "fp32"));
  if (precision != models::Precision::Float32 && !device.is_cuda())
    throw Error(ErrorKind::Usage, "--precision " + args.value("--precision") +
                                      " needs --device cuda: LibTorch's CPU kernels lack it for some layers");
  return precision;
}

torch::Device parseDevice(const std::string& text) {
  if (text == "cpu") return torch::kCPU;
  if (text.rfind("cuda", 0) != 0)
    throw Error(ErrorKind::Usage, "--device must be cpu, cuda or cuda:N, not '" + text + "'");
  if (!torch::cuda::is_available())
    throw Error(ErrorKind::Input, "--device " + text + ": no CUDA device is available to this build of Krait");
  try {
    const torch::Device device(text);
    if (device.has_index() && device.index() >= static_cast<int>(torch::cuda::device_count()))
      throw Error(ErrorKind::Input, "--device " + text + ": only " + std::to_string(torch::cuda::device_count()) +
                                        " CUDA device(s) present");
    return device;
  } catch (const c10::Error&) {
    throw Error(ErrorKind::Usage, "--device must be cpu, cuda or cuda:N, not '" + text + "'");
  }
}

std::vector<torch::Device> parseDevices(const std::string& text) {
  std::vector<torch::Device> devices;
  std::string kind;
  std::stringstream items(text);
  for (std::string item; std::getline(items, item, ',');) {
    // "cuda:0,1": a bare index continues the previous device's type.
    const bool index = !item.empty() && item.find_first_not_of("0123456789") == std::string::npos;
    devices.push_back(parseDevice(index && !kind.empty() ? kind + ":" + item : item));
    kind = devices.back().is_cuda() ? "cuda" : "";
  }
  if (devices.empty()) throw Error(ErrorKind::Usage, "--device is empty");
  return devices;
}

models::SegmentationModel loadModelFromArgs(const ArgParser& args) {
  const std::filesystem::path folder =
      models::resolveModel(args.value("-m"), models::modelStoreDir(args.value("--models-dir")));
  std::string checkpoint = args.value("--checkpoint");
  if (checkpoint.empty())
    checkpoint = std::filesystem::exists(folder / "manifest.json") ? models::readManifest(folder).checkpointName
                                                                   : "checkpoint_final.pth";
  return models::loadSegmentationModel(folder, args.listValue("--folds"), checkpoint);
}

json labelVolumes(const torch::Tensor& labels, const Geometry& geometry, const models::DatasetDescription& dataset) {
  const double voxelMl = geometry.spacing[0] * geometry.spacing[1] * geometry.spacing[2] / 1000.0;
  const torch::Tensor counts = torch::bincount(labels.flatten().to(torch::kLong));
  auto countOf = [&](int value) { return value < counts.size(0) ? counts[value].item<int64_t>() : int64_t{0}; };
  json out = json::array();
  for (const models::MaskLabel& label : models::maskLabels(dataset)) {
    const int64_t n = countOf(label.value);
    out.push_back({{"label", label.value}, {"name", label.name}, {"voxels", n}, {"ml", static_cast<double>(n) * voxelMl}});
  }
  return out;
}

json segmentationReport(const models::SegmentationModel& model, const CaseInput& input, const SegmentationResult& result,
                        const PipelineOptions& options, int threads) {
  json folds = json::array();
  for (const auto& f : model.folds) folds.push_back(f.name);
  json inputs = json::array();
  for (const auto& f : input.files) inputs.push_back(f.string());
  const auto& r = result.record;
  return {
      {"inputs", inputs},
      {"model", {{"folder", model.folder.string()}, {"trainer", model.trainer}, {"configuration", model.configuration},
                 {"folds", folds}}},
      {"versions", {{"krait", KRAIT_VERSION}, {"libtorch", TORCH_VERSION}}},
      {"device", options.device.str()},
      {"threads", threads},
      {"tta", options.mirror},
      {"step", options.stepSize},
      {"tile_batch", options.tileBatch},
      {"grid", {{"input", {input.image.size(1), input.image.size(2), input.image.size(3)}},
                {"cropped", {r.shapeAfterCropping[0], r.shapeAfterCropping[1], r.shapeAfterCropping[2]}},
                {"network", result.networkGrid},
                {"target_spacing", r.targetSpacing}}},
      {"seconds", {{"preprocess", result.seconds.preprocess}, {"network", result.seconds.network},
                   {"export", result.seconds.exportStage}}},
      {"peak_rss_gib", peakResidentGiB()},
      {"labels", labelVolumes(result.labels, input.geometry, model.dataset)},
  };
}

std::string renderSegmentationSummary(const json& report) {
  std::ostringstream out;
  char line[256];
  const json& s = report.at("seconds");
  std::snprintf(line, sizeof line, "wrote %s  (read %.1f s, preprocess %.1f s, network %.1f s, export %.1f s, peak %.2f GiB)\n",
                report.at("output").get<std::string>().c_str(), s.value("read", 0.0), s.at("preprocess").get<double>(),
                s.at("network").get<double>(), s.at("export").get<double>(), report.at("peak_rss_gib").get<double>());
  out << line;
  for (const json& l : report.at("labels")) {
    std::snprintf(line, sizeof line, "  %3d %-28s %10.2f mL\n", l.at("label").get<int>(),
                  l.at("name").get<std::string>().c_str(), l.at("ml").get<double>());
    out << line;
  }
  return out.str();
}

}  // namespace krait::cli
