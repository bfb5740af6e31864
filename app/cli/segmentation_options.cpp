#include "segmentation_options.h"

#include <cstdio>

#include "json_numbers.h"
#include "krait/base/error.h"
#include "krait/engine/build_info.h"
#include "krait/engine/engine.h"
#include "krait/io/dicom.h"

using nlohmann::json;

namespace krait::cli {

std::vector<OptionSpec> segmentationOptions(bool batch) {
  return {
      {"-m", "MODEL", "stored model name or nnU-Net model folder (plans.json, dataset.json, fold_*/)"},
      {"--device", "DEVICE", batch ? "cpu (default), cuda, cuda:N, or a list (cuda:0,1): cases spread over them"
                                   : "cpu (default), cuda or cuda:N",
       {"-device"}},
      {"--precision", "P", "fp32 (default), or on a GPU fp16 or bf16 (as nnU-Net's autocast)"},
      {"--disable-tta", "", "no test-time mirroring (on by default, as in nnUNetv2_predict; 8x faster in 3D)",
       {"--disable_tta"}},
      {"--step", "S", "tile step as a fraction of the patch, in (0, 1] (default 0.5)", {"-step_size"}},
      {"--tile-batch", "N", "tiles per network call (default 1; halved when the GPU runs out of memory)"},
      {"--folds", "F", "folds to ensemble: 0 1, 0,1 or all (default: every fold present)", {"-f"}, true},
      {"--checkpoint", "NAME", "checkpoint file in each fold folder (default: the stored model's, else "
                               "checkpoint_final.pth)", {"-chk"}},
      {"--models-dir", "DIR", "the model store (default: $KRAIT_MODELS or ~/.local/share/krait/models)"},
      {"--threads", "N", "CPU threads (default 0: every core)"},
      {"--quiet", "", batch ? "only errors (and --json's lines)" : "no progress display and no summary (--json still prints)"},
      {"--json", "", batch ? "one JSON line per case on stdout, then a summary line"
                           : "print a JSON report on stdout instead of the summary"},
      {"--verbose", "", "also show DCMTK's own messages about the DICOM files read"},
  };
}

std::map<std::string, std::string> segmentationHints() {
  const std::string modelFolder =
      "Krait takes the model folder itself: -m nnUNet_results/DatasetXXX_Name/TRAINER__PLANS__CONFIGURATION";
  return {
      {"--tta", "test-time mirroring is on by default (as in nnUNetv2_predict); --disable-tta turns it off"},
      {"-d", modelFolder},
      {"-tr", modelFolder},
      {"-p", modelFolder},
      {"-c", modelFolder},
      {"--save_probabilities", "krait segment --probabilities FILE, krait batch --probabilities"},
      {"-npp", "Krait reads, predicts and writes in one process: --threads N sets its CPU threads"},
      {"-nps", "Krait reads, predicts and writes in one process: --threads N sets its CPU threads"},
      {"-num_parts", "krait batch --shard i/N (a Slurm array or JOB_COMPLETION_INDEX sets it by itself)"},
      {"-part_id", "krait batch --shard i/N (a Slurm array or JOB_COMPLETION_INDEX sets it by itself)"},
      {"--continue_prediction", "krait batch skips the cases already done with the same model by itself"},
      {"-prev_stage_predictions", "cascades (3d_cascade_fullres) are not supported yet"},
      {"--disable_progress_bar", "--quiet"},
  };
}

int initEngineFromArgs(const ArgParser& args) {
  if (args.has("--verbose")) io::showDicomMessages(true);
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
  for (const std::string& f : o.folds)
    if (f != "all" && f.find_first_not_of("0123456789") != std::string::npos)
      throw Error(ErrorKind::Usage, "--folds takes fold numbers or all, not '" + f + "'");
  o.checkpoint = args.value("--checkpoint");
  o.modelStore = args.value("--models-dir");
  return o;
}

json versionsReport() {
  const BuildInfo& b = buildInfo();
  const auto orNull = [](const std::string& s) { return s.empty() ? json() : json(s); };
  return {{"krait", b.version},          {"git", b.git},
          {"build_type", b.buildType},   {"libtorch", b.libtorch},
          {"cuda", orNull(b.cuda)},      {"cudnn", orNull(b.cudnn)},
          {"krait_cuda_kernels", b.kraitCudaKernels}, {"cuda_devices", b.cudaDevices},
          {"cpu_capability", b.cpuCapability}, {"selective_scan", b.selectiveScan}};
}

json segmentationReport(const Segmenter& segmenter, const SegmentationReport& r, const std::vector<std::string>& inputs) {
  const models::ModelManifest& m = segmenter.model();
  json labels = json::array();
  for (const LabelVolume& l : r.labels)
    labels.push_back({{"label", l.value}, {"name", l.name}, {"voxels", l.voxels}, {"ml", decimals(l.ml, 3)}});
  return {
      {"inputs", inputs},
      {"model", {{"name", m.name}, {"folder", m.source}, {"network", m.network}, {"trainer", m.trainer},
                 {"configuration", m.configuration}, {"folds", r.folds}, {"checkpoint", m.checkpointName},
                 {"checksum", m.checksum}}},
      {"versions", versionsReport()},
      {"device", r.device},
      {"precision", r.precision},
      {"threads", r.threads},
      {"tta", !r.mirrorAxes.empty()},
      {"mirror_axes", r.mirrorAxes},
      {"step", r.step},
      {"tile_batch", r.tileBatch},
      {"grid", {{"input", r.inputGrid}, {"cropped", r.croppedGrid}, {"network", r.networkGrid},
                {"target_spacing", significant(r.targetSpacing)}}},
      {"seconds", {{"preprocess", decimals(r.preprocessSeconds, 3)}, {"network", decimals(r.networkSeconds, 3)},
                   {"export", decimals(r.exportSeconds, 3)}}},
      {"peak_rss_gib", decimals(r.peakResidentGiB, 3)},
      {"labels", labels},
  };
}

std::string renderSegmentationSummary(const json& report) {
  std::string out;
  char line[512];
  const json& s = report.at("seconds");
  std::string written;  // the mask, its DICOM SEG, or both
  for (const char* key : {"output", "seg"})
    if (report.contains(key)) written += (written.empty() ? "" : " and ") + report.at(key).get<std::string>();
  written = written.empty() ? "segmented" : "wrote " + written;  // --pacs alone keeps nothing here
  std::snprintf(line, sizeof line, "%s  (read %.1f s, preprocess %.1f s, network %.1f s, export %.1f s, peak %.2f GiB)\n",
                written.c_str(), s.value("read", 0.0), s.at("preprocess").get<double>(),
                s.at("network").get<double>(), s.at("export").get<double>(), report.at("peak_rss_gib").get<double>());
  out += line;
  if (report.contains("pacs"))
    out += "  series " + report.at("pacs").at("series").get<std::string>() + " from PACS node " +
           report.at("pacs").at("node").get<std::string>() + ", its DICOM SEG sent back\n";
  const json& m = report.at("model");
  std::string folds;
  for (const json& f : m.at("folds")) folds += (folds.empty() ? "" : ", ") + f.get<std::string>();
  std::string mirrored;
  for (const json& a : report.at("mirror_axes")) mirrored += (mirrored.empty() ? "" : ", ") + a.dump();
  std::snprintf(line, sizeof line, "  %s (%s, %s), folds %s, %s, %s on %s\n", m.at("name").get<std::string>().c_str(),
                m.at("network").get<std::string>().c_str(), m.at("configuration").get<std::string>().c_str(), folds.c_str(),
                mirrored.empty() ? "no mirroring" : ("mirrored over axes " + mirrored).c_str(),
                report.at("precision").get<std::string>().c_str(), report.at("device").get<std::string>().c_str());
  out += line;
  for (const json& l : report.at("labels")) {
    std::snprintf(line, sizeof line, "  %3d %-28s %10.2f mL\n", l.at("label").get<int>(),
                  l.at("name").get<std::string>().c_str(), l.at("ml").get<double>());
    out += line;
  }
  return out;
}

}  // namespace krait::cli
