#include "segmentation_options.h"

#include <cstdio>

#include "krait/base/error.h"
#include "krait/engine/engine.h"

using nlohmann::json;

namespace krait::cli {

std::vector<OptionSpec> segmentationOptions(bool batch) {
  return {
      {"-m", "MODEL", "stored model name or nnU-Net model folder (plans.json, dataset.json, fold_*/)"},
      {"--device", "DEVICE", batch ? "cpu (default), cuda, cuda:N, or a list (cuda:0,1): cases spread over them"
                                   : "cpu (default), cuda or cuda:N",
       {"-device"}},
      {"--precision", "P", "fp32 (default), or on a GPU fp16 or bf16 (Mamba layers stay fp32)"},
      {"--disable-tta", "", "no test-time mirroring (on by default, as in nnUNetv2_predict; 8x faster in 3D)",
       {"--disable_tta"}},
      {"--step", "S", "tile step as a fraction of the patch, in (0, 1] (default 0.5)", {"-step_size"}},
      {"--tile-batch", "N", "tiles per network call (default 1; halved when the GPU runs out of memory)"},
      {"--folds", "F", "folds to ensemble: 0 1, 0,1 or all (default: every fold present)", {"-f"}, true},
      {"--checkpoint", "NAME", "checkpoint file in each fold folder (default: the stored model's, else "
                               "checkpoint_final.pth)", {"-chk"}},
      {"--models-dir", "DIR", "the model store (default: $KRAIT_MODELS or ~/.local/share/krait/models)"},
      {"--threads", "N", "CPU threads (default: all cores)"},
      {"--quiet", "", batch ? "only errors" : "no progress display and no summary"},
      {"--json", "", batch ? "one JSON line per case on stdout, then a summary line"
                           : "print a JSON report on stdout instead of the summary"},
  };
}

std::map<std::string, std::string> segmentationHints() {
  return {{"--tta", "test-time mirroring is on by default (as in nnUNetv2_predict); --disable-tta turns it off"}};
}

int initEngineFromArgs(const ArgParser& args) {
  EngineOptions engine;
  engine.threads = args.intValue("--threads", 0);
  if (engine.threads < 0) throw Error(ErrorKind::Usage, "--threads must be 0 (every core) or more");
  return initEngine(engine).threads;
}

SegmenterOptions segmenterOptions(const ArgParser& args, const std::string& device) {
  SegmenterOptions o;
  o.device = device;
  o.precision = args.value("--precision", "fp32");
  o.step = args.doubleValue("--step", 0.5);
  o.mirroring = !args.has("--disable-tta");
  o.tileBatch = args.intValue("--tile-batch", 1);
  o.folds = args.listValue("--folds");
  o.checkpoint = args.value("--checkpoint");
  o.modelStore = args.value("--models-dir");
  return o;
}

json segmentationReport(const Segmenter& segmenter, const SegmentationReport& r, const std::vector<std::string>& inputs) {
  const models::ModelManifest& m = segmenter.model();
  const EngineInfo engine = engineInfo();
  json labels = json::array();
  for (const LabelVolume& l : r.labels)
    labels.push_back({{"label", l.value}, {"name", l.name}, {"voxels", l.voxels}, {"ml", l.ml}});
  return {
      {"inputs", inputs},
      {"model", {{"name", m.name}, {"folder", m.source}, {"network", m.network}, {"trainer", m.trainer},
                 {"configuration", m.configuration}, {"folds", r.folds}, {"checkpoint", m.checkpointName},
                 {"checksum", m.checksum}}},
      {"versions", {{"krait", engine.version}, {"libtorch", engine.libtorch}}},
      {"device", r.device},
      {"precision", r.precision},
      {"threads", r.threads},
      {"tta", !r.mirrorAxes.empty()},
      {"mirror_axes", r.mirrorAxes},
      {"step", r.step},
      {"tile_batch", r.tileBatch},
      {"grid", {{"input", r.inputGrid}, {"cropped", r.croppedGrid}, {"network", r.networkGrid},
                {"target_spacing", r.targetSpacing}}},
      {"seconds", {{"preprocess", r.preprocessSeconds}, {"network", r.networkSeconds}, {"export", r.exportSeconds}}},
      {"peak_rss_gib", r.peakResidentGiB},
      {"labels", labels},
  };
}

std::string renderSegmentationSummary(const json& report) {
  std::string out;
  char line[512];
  const json& s = report.at("seconds");
  std::snprintf(line, sizeof line, "wrote %s  (read %.1f s, preprocess %.1f s, network %.1f s, export %.1f s, peak %.2f GiB)\n",
                report.at("output").get<std::string>().c_str(), s.value("read", 0.0), s.at("preprocess").get<double>(),
                s.at("network").get<double>(), s.at("export").get<double>(), report.at("peak_rss_gib").get<double>());
  out += line;
  for (const json& l : report.at("labels")) {
    std::snprintf(line, sizeof line, "  %3d %-28s %10.2f mL\n", l.at("label").get<int>(),
                  l.at("name").get<std::string>().c_str(), l.at("ml").get<double>());
    out += line;
  }
  return out;
}

}  // namespace krait::cli
