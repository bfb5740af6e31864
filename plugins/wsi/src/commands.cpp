#include "commands.h"

#include <krait/plugin_command.hpp>

#include <torch/torch.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>

#include "atomic_file.h"
#include "feature_extraction.h"
#include "slide_pipeline.h"
#include "synthetic_slide.h"
#include "trainer.h"

namespace fs = std::filesystem;

namespace krait::wsi {
namespace {

constexpr int kOk = 0, kUsage = 2, kInput = 3;

const char* const kUsageText =
    "usage: krait wsi info [--json] [--mpp X] SLIDE...\n"
    "       krait wsi segment -o DIR [SEGMENTATION] [--mpp X] [--resume] SLIDE...\n"
    "       krait wsi patch -o DIR [--target-mpp X --patch-size N [--overlap F] | --patch-level L --patch-size N [--step N]]\n"
    "                       [--contour-check four_pt|four_pt_hard|center|basic] [--no-padding] [--no-segmentation]\n"
    "                       [SEGMENTATION] [--mpp X] [--resume] SLIDE...\n"
    "       krait wsi features -o DIR (--model MODEL | --encoder FILE --encoder-kind resnet50-trunc|tfjs-mobilenet-v2|torchscript)\n"
    "                       [--device cpu|cuda[:N]] [--threads N] [--batch N] [--resume] SLIDE...\n"
    "       krait wsi classify -o DIR --model MODEL [--device cpu|cuda[:N]] [--resume] (SLIDE | FEATURES.h5)...\n"
    "       krait wsi heatmap -o DIR [--cmap jet|coolwarm|viridis] [--alpha X] [--no-percentiles] [--vis-level L] [--blur]\n"
    "                       [--tiff] [--top-k N] [--resume] SLIDE...\n"
    "       krait wsi run -o DIR --model MODEL [--encoder FILE] [--device cpu|cuda[:N]] [--threads N] [--tiff] [SEGMENTATION]\n"
    "                       [heatmap options] SLIDE...\n"
    "       krait wsi synthesize -o DIR --ihc IHC.png --glass GLASS.dcm [--count N] [--size WxH] [--seed N]\n"
    "       krait wsi train -o MODEL_DIR --bags DIR --labels CSV --encoder-spec ENCODER.json [--classes A,B,...]\n"
    "                       [--aggregator mambamil|abmil] [--mixer SRMamba|BiMamba|Mamba] [--layers N] [--rate N] [--d-model N]\n"
    "                       [--name NAME] [--version V] [--intended-use TEXT]\n"
    "                       [--epochs N] [--lr X] [--seed N] [--device cpu|cuda[:N]] [--target-mpp X] [--patch-size N]\n"
    "SEGMENTATION: [--preset default|tcga|bwh_biopsy|bwh_resection] [--seg-level L] [--sthresh N] [--mthresh N] [--close N]\n"
    "              [--otsu] [--a-t X] [--a-h X] [--max-holes N]\n";

const std::vector<std::string> kSegmentationOptions = {"--preset", "--seg-level", "--sthresh", "--mthresh", "--close", "--a-t", "--a-h", "--max-holes"};

using plugin::UsageError;

// The plugin SDK's parser, with -o for every subcommand and the checks they share.
struct Arguments : plugin::Arguments {
  Arguments(const std::vector<std::string>& args, std::vector<std::string> valued, const std::vector<std::string>& flagNames)
      : plugin::Arguments(args, withOutput(std::move(valued)), flagNames) {}
  static std::vector<std::string> withOutput(std::vector<std::string> valued) {
    valued.push_back("-o");
    return valued;
  }
  fs::path out() const { return required("-o"); }
  void needSlides() const {
    if (positional.empty()) throw UsageError("give at least one slide");
  }
};

std::vector<std::string> with(std::vector<std::string> a, const std::vector<std::string>& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

// --preset (else `preset`), then the single values given.
SegmentationParams segmentationOf(const Arguments& a, const std::string& preset = "default") {
  SegmentationParams p;
  try {
    p = segmentationPreset(a.option("--preset").value_or(preset));
  } catch (const std::invalid_argument& e) {
    throw UsageError(e.what());
  }
  p.segLevel = static_cast<int>(a.integer("--seg-level", p.segLevel));
  p.sthresh = static_cast<int>(a.integer("--sthresh", p.sthresh));
  p.mthresh = static_cast<int>(a.integer("--mthresh", p.mthresh));
  p.close = static_cast<int>(a.integer("--close", p.close));
  p.areaTissue = a.number("--a-t", p.areaTissue);
  p.areaHole = a.number("--a-h", p.areaHole);
  p.maxHoles = static_cast<int>(a.integer("--max-holes", p.maxHoles));
  if (a.flag("--otsu")) p.useOtsu = true;
  return p;
}

torch::Device deviceOf(const Arguments& a) {
  const std::string name = a.option("--device").value_or("cpu");
  try {
    const torch::Device d(name);
    if (d.is_cuda() && !torch::cuda::is_available()) throw UsageError("--device " + name + ": this machine has no CUDA GPU");
    return d;
  } catch (const c10::Error&) {
    throw UsageError("--device takes cpu or cuda[:N], not '" + name + "'");
  }
}

// Runs a step that reads the user's files (a model, an encoder, slides to write); when one of them fails, says so
// for `stage` and returns true: the caller exits with kInput.
bool fileStepFailed(const char* stage, const std::function<void()>& step) {
  try {
    step();
    return false;
  } catch (const SlideError& e) {
    std::fprintf(stderr, "krait wsi %s: %s\n", stage, e.what());
  } catch (const EncoderError& e) {
    std::fprintf(stderr, "krait wsi %s: %s\n", stage, e.what());
  }
  return true;
}

// <out>/<slide>/report.json: per stage, whether it succeeded, its message and when, so that a batch's failures
// can be found slide by slide after the run.
void recordStage(const Arguments& a, const std::string& input, const char* stage, const std::string& error, double seconds) {
  if (!a.option("-o")) return;
  try {
    const SlideOutputs out(a.out(), input);
    std::error_code ec;
    fs::create_directories(out.folder(), ec);
    const fs::path file = out.folder() / "report.json";
    nlohmann::json report = nlohmann::json::object();
    if (std::ifstream in(file); in) report = nlohmann::json::parse(in, nullptr, false);
    if (!report.is_object()) report = nlohmann::json::object();
    report["input"] = input;
    report[stage] = {{"status", error.empty() ? "ok" : "failed"}, {"seconds", seconds}};
    if (!error.empty()) report[stage]["error"] = error;
    writeText(file.string(), report.dump(1) + "\n");
  } catch (const SlideError& e) {
    std::fprintf(stderr, "krait wsi %s: %s (report not written)\n", stage, e.what());
  }
}

// Runs `stage` on every input, reporting each failure (and recording every outcome) and going on; kInput when any
// failed.
int eachSlide(const Arguments& a, const char* stage, const std::function<void(const std::string&)>& run) {
  a.needSlides();
  int code = kOk;
  for (const std::string& input : a.positional) {
    const auto start = std::chrono::steady_clock::now();
    std::string error;
    try {
      run(input);
    } catch (const SlideError& e) {
      error = e.what();
    } catch (const EncoderError& e) {
      error = e.what();
    } catch (const std::invalid_argument& e) {
      error = input + ": " + e.what();
    }
    if (!error.empty()) {
      std::fprintf(stderr, "krait wsi %s: %s\n", stage, error.c_str());
      code = kInput;
    }
    recordStage(a, input, stage, error, std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  }
  return code;
}

bool skipped(const Arguments& a, const fs::path& output, const std::string& input) {
  if (!a.flag("--resume") || !fs::exists(output)) return false;
  std::printf("%s: %s is there, skipped (--resume)\n", input.c_str(), output.string().c_str());
  return true;
}

int info(const Arguments& a) {
  const double mpp = a.number("--mpp", 0);
  return eachSlide(a, "info", [&](const std::string& path) {
    const Slide s(path, mpp);
    nlohmann::json levels = nlohmann::json::array();
    for (const Level& l : s.levels()) levels.push_back({{"width", l.width}, {"height", l.height}, {"downsample", l.downsample}});
    nlohmann::json j = {{"slide", path}, {"vendor", s.vendor()}, {"levels", levels},
                        {"mpp", {s.mppX(), s.mppY()}}, {"mpp_source", mppSourceName(s.mppSource())},
                        {"associated_images", s.associatedImages()}};
    if (s.objectivePower()) j["objective_power"] = *s.objectivePower();
    if (a.flag("--json")) {
      std::printf("%s\n", j.dump().c_str());
      return;
    }
    std::printf("%s: %s, %lld x %lld pixels, %zu levels, %s\n", path.c_str(), s.vendor().c_str(),
                static_cast<long long>(s.width()), static_cast<long long>(s.height()), s.levels().size(),
                s.mppSource() == MppSource::Unknown ? "pixel size unknown (give --mpp)"
                                                    : (std::to_string(s.mppX()) + " um/px (" + mppSourceName(s.mppSource()) + ")").c_str());
    for (size_t l = 0; l < s.levels().size(); ++l)
      std::printf("  level %zu: %lld x %lld, downsample %g\n", l, static_cast<long long>(s.levels()[l].width),
                  static_cast<long long>(s.levels()[l].height), s.levels()[l].downsample);
    if (!s.associatedImages().empty())
      std::printf("  associated images (may show patient data; not shown): %zu\n", s.associatedImages().size());
  });
}

int segment(const Arguments& a) {
  const SegmentationParams params = segmentationOf(a);
  const double mpp = a.number("--mpp", 0);
  return eachSlide(a, "segment", [&](const std::string& path) {
    const SlideOutputs out(a.out(), path);
    if (skipped(a, out.tissue(), path)) return;
    const Slide slide(path, mpp);
    const auto regions = segmentStage(slide, params, out);
    std::printf("%s: %zu tissue regions -> %s\n", path.c_str(), regions.size(), out.tissue().string().c_str());
  });
}

PatchGeometry geometryOf(const Arguments& a, const Slide& slide, const PatchingContract* contract) {
  const int64_t size = a.integer("--patch-size", contract ? contract->patchSize : 256);
  if (a.option("--patch-level")) {
    if (a.option("--target-mpp") || a.option("--overlap")) throw UsageError("--patch-level goes with --step, not --target-mpp or --overlap");
    return geometryAtLevel(slide, static_cast<int>(a.integer("--patch-level", 0)), size, a.integer("--step", size));
  }
  if (a.option("--step")) throw UsageError("--step goes with --patch-level; with --target-mpp use --overlap");
  return geometryAtSpacing(slide, a.number("--target-mpp", contract ? contract->targetMpp : 0.5), size,
                           a.number("--overlap", contract ? contract->overlap : 0));
}

int patch(const Arguments& a) {
  const SegmentationParams params = segmentationOf(a);
  const double mpp = a.number("--mpp", 0);
  ContourCheck check;
  try {
    check = contourCheckNamed(a.option("--contour-check").value_or("four_pt"));
  } catch (const std::invalid_argument& e) {
    throw UsageError(e.what());
  }
  return eachSlide(a, "patch", [&](const std::string& path) {
    const SlideOutputs out(a.out(), path);
    if (skipped(a, out.clamPatches(), path)) return;
    const Slide slide(path, mpp);
    const PatchGeometry g = geometryOf(a, slide, nullptr);
    if (a.flag("--no-segmentation")) wholeSlideTissue(slide, out);
    const PatchFile p = patchStage(slide, g, check, !a.flag("--no-padding"), params, out);
    std::printf("%s: %zu patches of %lld px at level %d (%lld level-0 px) -> %s\n", path.c_str(), p.coords.size(),
                static_cast<long long>(g.readSize), g.level, static_cast<long long>(g.level0Size), out.clamPatches().string().c_str());
  });
}

// The encoder of --model's spec, or of --encoder and --encoder-kind with the kind's standard input.
std::unique_ptr<Encoder> encoderOf(const Arguments& a, const StateDictReader& read, const std::optional<WsiModelSpec>& model) {
  EncoderSpec spec;
  if (model) {
    spec = model->encoder;
    if (const auto path = a.option("--encoder")) spec.path = *path;
  } else {
    const std::string kind = a.required("--encoder-kind"), path = a.required("--encoder");
    try {
      spec = standardEncoderSpec(kind, path);
    } catch (const std::invalid_argument&) {
      throw UsageError("--encoder-kind takes resnet50-trunc, tfjs-mobilenet-v2 or torchscript, not '" + kind + "'");
    }
  }
  if (!fs::exists(spec.path))
    throw EncoderError(spec.path, "the encoder's weights are not there (give them with --encoder; plugins/wsi/models/*/MODEL_CARD.md says where to get them)");
  auto encoder = loadEncoder(spec, read);
  encoder->to(deviceOf(a));
  return encoder;
}

std::optional<WsiModelSpec> modelOf(const Arguments& a) {
  if (const auto folder = a.option("--model")) return readWsiModelSpec(*folder);
  return std::nullopt;
}

int features(const Arguments& a, const StateDictReader& read) {
  a.needSlides();
  std::unique_ptr<Encoder> encoder;
  if (fileStepFailed("features", [&] { encoder = encoderOf(a, read, modelOf(a)); })) return kInput;
  const int threads = static_cast<int>(a.integer("--threads", 4));
  const int64_t batch = a.integer("--batch", 64);
  return eachSlide(a, "features", [&](const std::string& path) {
    const SlideOutputs out(a.out(), path);
    if (skipped(a, out.clamFeatures(), path)) return;
    const Slide slide(path, a.number("--mpp", 0));
    const auto errors = featureStage(slide, *encoder, threads, batch, out, [](int64_t, int64_t) { return true; });
    for (const std::string& e : errors) std::fprintf(stderr, "krait wsi features: %s: %s (left out)\n", path.c_str(), e.c_str());
    std::printf("%s: features -> %s\n", path.c_str(), out.clamFeatures().string().c_str());
  });
}

struct LoadedModel {
  WsiModelSpec spec;
  std::unique_ptr<MilModel> model;
};

LoadedModel loadModel(const fs::path& folder, const StateDictReader& read, const plugin::ScanFunction& scan, torch::Device device) {
  LoadedModel m{readWsiModelSpec(folder), nullptr};
  m.model = std::make_unique<MilModel>(m.spec.aggregator, scan);
  try {
    m.model->loadStateDict(read(m.spec.weights.string()));
  } catch (const std::invalid_argument& e) {
    throw SlideError(m.spec.weights.string(), e.what());
  }
  m.model->to(device);
  return m;
}

void printScores(const std::string& input, const nlohmann::json& scores) {
  std::printf("%s: %s", input.c_str(), scores["predicted"].get<std::string>().c_str());
  for (const auto& [name, p] : scores["probabilities"].items()) std::printf("  %s %.4f", name.c_str(), p.get<double>());
  std::printf("\n");
}

int classify(const Arguments& a, const StateDictReader& read, const plugin::ScanFunction& scan) {
  a.needSlides();
  const torch::Device device = deviceOf(a);
  LoadedModel m;
  if (fileStepFailed("classify", [&] { m = loadModel(a.required("--model"), read, scan, device); })) return kInput;
  return eachSlide(a, "classify", [&](const std::string& input) {
    const SlideOutputs out(a.out(), input);
    if (skipped(a, out.scores(), input)) return;
    // A CLAM feature file is classified as it is; a slide through the features `krait wsi features` wrote.
    const bool h5 = fs::path(input).extension() == ".h5";
    const fs::path features = h5 ? fs::path(input) : out.clamFeatures();
    if (!h5 && !fs::exists(features))
      throw SlideError(input, "has no features " + features.string() + " (run krait wsi features first)");
    printScores(input, classifyStage(features, *m.model, m.spec, device, out));
  });
}

HeatmapOptions heatmapOptionsOf(const Arguments& a) {
  HeatmapOptions o;
  o.colormap = Colormap::Jet;  // CLAM's heatmap configuration's choice
  if (const auto name = a.option("--cmap")) {
    const auto map = colormapFromName(*name);
    if (!map) throw UsageError("--cmap takes jet, coolwarm or viridis, not '" + *name + "'");
    o.colormap = *map;
  }
  o.alpha = a.number("--alpha", o.alpha);
  if (!(o.alpha >= 0 && o.alpha <= 1)) throw UsageError("--alpha takes a number from 0 to 1");
  // Attention in [0, 1] is ranked into percentiles first, as CLAM's heatmaps do by default.
  o.convertToPercentiles = !a.flag("--no-percentiles");
  o.visLevel = static_cast<int>(a.integer("--vis-level", -1));
  o.blur = a.flag("--blur");
  return o;
}

int heatmap(const Arguments& a) {
  const HeatmapOptions options = heatmapOptionsOf(a);
  const int64_t topk = a.integer("--top-k", 0);
  if (topk < 0) throw UsageError("--top-k takes a count of at least 0");
  return eachSlide(a, "heatmap", [&](const std::string& path) {
    const SlideOutputs out(a.out(), path);
    if (skipped(a, out.folder() / "heatmap.png", path)) return;
    const Slide slide(path, a.number("--mpp", 0));
    for (const std::string& f : heatmapStage(slide, options, a.flag("--tiff"), static_cast<size_t>(topk), out))
      std::printf("%s: %s\n", path.c_str(), f.c_str());
  });
}

// Every stage with the model's contract: the slide's tissue, patches at the model's spacing, the model's encoder,
// classification and the heatmap.
int run(const Arguments& a, const StateDictReader& read, const plugin::ScanFunction& scan) {
  a.needSlides();
  const torch::Device device = deviceOf(a);
  LoadedModel m;
  std::unique_ptr<Encoder> encoder;
  if (fileStepFailed("run", [&] {
        m = loadModel(a.required("--model"), read, scan, device);
        encoder = encoderOf(a, read, m.spec);
      }))
    return kInput;
  const SegmentationParams params = segmentationOf(a, m.spec.patching.segmentationPreset);
  const HeatmapOptions options = heatmapOptionsOf(a);
  const int threads = static_cast<int>(a.integer("--threads", 4));
  return eachSlide(a, "run", [&](const std::string& path) {
    const SlideOutputs out(a.out(), path);
    const Slide slide(path, a.number("--mpp", 0));
    const PatchGeometry g = geometryAtSpacing(slide, m.spec.patching.targetMpp, m.spec.patching.patchSize, m.spec.patching.overlap);
    patchStage(slide, g, contourCheckNamed(m.spec.patching.contourCheck), true, params, out);
    for (const std::string& e : featureStage(slide, *encoder, threads, 64, out, [](int64_t, int64_t) { return true; }))
      std::fprintf(stderr, "krait wsi run: %s: %s (left out)\n", path.c_str(), e.c_str());
    printScores(path, classifyStage(out.clamFeatures(), *m.model, m.spec, device, out));
    heatmapStage(slide, options, a.flag("--tiff"), 0, out);
  });
}

// Demonstration slides from the catalogue's real histology (synthetic_slide.h) and their labels.csv.
int synthesize(const Arguments& a) {
  if (!a.positional.empty()) throw UsageError("synthesize takes no slides");
  const std::string size = a.option("--size").value_or("1024x1024");
  int64_t width = 0, height = 0;
  if (std::sscanf(size.c_str(), "%ldx%ld", &width, &height) != 2 || width < 512 || height < 512)
    throw UsageError("--size takes WIDTHxHEIGHT of at least 512x512, not '" + size + "'");
  const int64_t count = a.integer("--count", 40);
  if (count < 1) throw UsageError("--count takes a positive number");
  const bool failed = fileStepFailed("synthesize", [&] {
    const auto slides = synthesizeSlides(a.required("--ihc"), a.required("--glass"), a.out(), static_cast<int>(count), width, height,
                                         static_cast<uint64_t>(a.integer("--seed", 1)));
    std::printf("%zu slides and labels.csv -> %s\n", slides.size(), a.out().string().c_str());
  });
  return failed ? kInput : kOk;
}

std::vector<std::string> commaList(const std::string& text) {
  std::vector<std::string> out;
  std::stringstream s(text);
  for (std::string item; std::getline(s, item, ',');)
    if (!item.empty()) out.push_back(item);
  return out;
}

int train(const Arguments& a, const plugin::ScanFunction& scan) {
  if (!a.positional.empty()) throw UsageError("train takes no slides (it reads --bags and --labels)");
  TrainOptions o;
  o.output = a.out();
  const fs::path encoderSpec = a.required("--encoder-spec");
  try {
    std::ifstream in(encoderSpec);
    if (!in) throw SlideError(encoderSpec.string(), "no such file");
    // The path stays as written: a relative one is taken against the model folder when the model runs.
    o.model.encoder = encoderSpecFromJson(nlohmann::json::parse(in), "");
  } catch (const nlohmann::json::exception& e) {
    std::fprintf(stderr, "krait wsi train: %s: not valid JSON: %s\n", encoderSpec.string().c_str(), e.what());
    return kInput;
  } catch (const std::invalid_argument& e) {
    std::fprintf(stderr, "krait wsi train: %s: %s\n", encoderSpec.string().c_str(), e.what());
    return kInput;
  } catch (const SlideError& e) {
    std::fprintf(stderr, "krait wsi train: %s\n", e.what());
    return kInput;
  }
  WsiModelSpec& m = o.model;
  m.classes = commaList(a.option("--classes").value_or("negative,positive"));
  m.name = a.option("--name").value_or(o.output.filename().string());
  m.version = a.option("--version").value_or("1");
  m.intendedUse = a.option("--intended-use").value_or("trained with krait wsi train");
  m.aggregator.kind = a.option("--aggregator").value_or("mambamil");
  m.aggregator.mixer = a.option("--mixer").value_or("SRMamba");
  m.aggregator.layers = a.integer("--layers", 2);
  m.aggregator.rate = a.integer("--rate", 5);
  m.aggregator.dModel = a.integer("--d-model", 512);
  m.aggregator.activation = m.aggregator.kind == "abmil" ? "relu" : "gelu";
  m.aggregator.inDim = m.encoder.outDim;
  m.aggregator.numClasses = static_cast<int64_t>(m.classes.size());
  try {
    m.aggregator.validate();
  } catch (const std::invalid_argument& e) {
    throw UsageError(e.what());
  }
  m.patching.targetMpp = a.number("--target-mpp", 0.5);
  m.patching.patchSize = a.integer("--patch-size", 256);
  o.epochs = a.integer("--epochs", 20);
  o.learningRate = a.number("--lr", 2e-4);
  o.seed = static_cast<uint64_t>(a.integer("--seed", 1));
  o.device = deviceOf(a);
  if (fileStepFailed("train", [&] {
        o.bags = readLabels(a.required("--labels"), a.required("--bags"), m.classes);
        trainMilModel(o, scan, [](const EpochReport& r) {
          std::printf("epoch %lld: train loss %.4f accuracy %.3f", static_cast<long long>(r.epoch), r.trainLoss, r.trainAccuracy);
          if (!std::isnan(r.validationLoss)) std::printf("  val loss %.4f accuracy %.3f", r.validationLoss, r.validationAccuracy);
          std::printf("\n");
          std::fflush(stdout);
        });
      }))
    return kInput;
  std::printf("model -> %s\n", o.output.string().c_str());
  return kOk;
}

}  // namespace

int wsiCommand(const std::vector<std::string>& args, const StateDictReader& read, const plugin::ScanFunction& scan) {
  const std::string sub = args.size() > 1 ? args[1] : "";
  try {
    const std::vector<std::string> segmentation = kSegmentationOptions;
    if (sub == "info") return info(Arguments(args, {"--mpp"}, {"--json"}));
    if (sub == "segment") return segment(Arguments(args, with(segmentation, {"--mpp"}), {"--otsu", "--resume"}));
    if (sub == "patch")
      return patch(Arguments(args, with(segmentation, {"--mpp", "--target-mpp", "--patch-size", "--overlap", "--patch-level", "--step", "--contour-check"}),
                             {"--otsu", "--resume", "--no-padding", "--no-segmentation"}));
    if (sub == "features")
      return features(Arguments(args, {"--model", "--encoder", "--encoder-kind", "--device", "--threads", "--batch", "--mpp"}, {"--resume"}), read);
    if (sub == "classify") return classify(Arguments(args, {"--model", "--device"}, {"--resume"}), read, scan);
    if (sub == "heatmap")
      return heatmap(Arguments(args, {"--cmap", "--alpha", "--vis-level", "--top-k", "--mpp"}, {"--no-percentiles", "--blur", "--tiff", "--resume"}));
    if (sub == "run")
      return run(Arguments(args, with(segmentation, {"--model", "--encoder", "--device", "--threads", "--mpp", "--cmap", "--alpha", "--vis-level"}),
                           {"--tiff", "--no-percentiles", "--blur", "--otsu"}),
                 read, scan);
    if (sub == "synthesize") return synthesize(Arguments(args, {"--ihc", "--glass", "--count", "--size", "--seed"}, {}));
    if (sub == "train")
      return train(Arguments(args, {"--bags", "--labels", "--encoder-spec", "--classes", "--aggregator", "--mixer", "--layers", "--rate",
                                    "--epochs", "--lr", "--seed", "--device", "--target-mpp", "--patch-size", "--d-model", "--name",
                                    "--version", "--intended-use"}, {}), scan);
    if (sub.empty() || sub == "--help" || sub == "help") {
      std::fputs(kUsageText, sub.empty() ? stderr : stdout);
      return sub.empty() ? kUsage : kOk;
    }
    throw UsageError("unknown command 'wsi " + sub + "'");
  } catch (const UsageError& e) {
    std::fprintf(stderr, "krait wsi: %s\n%s", e.what(), kUsageText);
    return kUsage;
  }
}

}  // namespace krait::wsi
