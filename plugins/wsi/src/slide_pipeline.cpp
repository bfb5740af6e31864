#include "slide_pipeline.h"

#include <torch/torch.h>

#include "atomic_file.h"
#include "exports.h"
#include "feature_extraction.h"
#include "results_reader.h"

namespace krait::wsi {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

void makeFolder(const fs::path& folder) {
  std::error_code ec;
  fs::create_directories(folder, ec);
  if (ec) throw SlideError(folder.string(), "cannot be created: " + ec.message());
}

json coordsJson(const Coords& coords) {
  json out = json::array();
  for (const auto& c : coords) out.push_back({c[0], c[1]});
  return out;
}

}  // namespace

SlideOutputs::SlideOutputs(fs::path out, const std::string& slideOrFeatures)
    : root(std::move(out)), name(fs::path(slideOrFeatures).stem().string()) {}

void wholeSlideTissue(const Slide& slide, const SlideOutputs& out) {
  const double w = static_cast<double>(slide.width()), h = static_cast<double>(slide.height());
  makeFolder(out.folder());
  writeTissueGeoJson({TissueRegion{{{0, 0}, {w, 0}, {w, h}, {0, h}}, {}}}, out.tissue().string());
}

std::vector<TissueRegion> segmentStage(const Slide& slide, const SegmentationParams& params, const SlideOutputs& out) {
  const Segmentation s = segmentTissue(slide, params);
  makeFolder(out.folder());
  writeTissueGeoJson(s.regions, out.tissue().string());
  return s.regions;
}

PatchFile patchStage(const Slide& slide, const PatchGeometry& g, ContourCheck check, bool usePadding,
                     const SegmentationParams& params, const SlideOutputs& out) {
  const std::vector<TissueRegion> regions =
      fs::exists(out.tissue()) ? readTissueGeoJson(out.tissue().string()) : segmentStage(slide, params, out);
  const Level& level = slide.levels()[static_cast<size_t>(g.level)];
  PatchFile p;
  p.coords = patchGrid(slide, regions, g, check, usePadding);
  p.patchSize = g.readSize;
  p.patchLevel = g.level;
  p.downsample = {static_cast<double>(slide.width()) / static_cast<double>(level.width),
                  static_cast<double>(slide.height()) / static_cast<double>(level.height)};
  p.levelDim = {level.width, level.height};
  p.name = out.name;
  p.savePath = (out.root / "patches").string();
  p.level0Size = g.level0Size;
  makeFolder(out.root / "patches");
  makeFolder(out.folder());
  writePatchFile(out.clamPatches().string(), p);
  writeText(out.patchesJson().string(), json{{"patch_size", g.level0Size}, {"coords", coordsJson(p.coords)}}.dump() + "\n");
  return p;
}

std::vector<std::string> featureStage(const Slide& slide, Encoder& encoder, int threads, int64_t batch, const SlideOutputs& out,
                                      const std::function<bool(int64_t, int64_t)>& progress) {
  if (!fs::exists(out.clamPatches()))
    throw SlideError(slide.path(), "has no patch file " + out.clamPatches().string() + " (run krait wsi patch first)");
  const PatchFile patches = readPatchFile(out.clamPatches().string());
  if (patches.coords.empty()) throw SlideError(slide.path(), "has no patches over tissue, so no features");
  const ExtractedFeatures e =
      extractFeatures(slide, patches.coords, patches.patchLevel, patches.patchSize, encoder, threads, batch, progress);
  if (e.kept.empty()) throw SlideError(slide.path(), "no patch could be read: " + e.errors.front());
  FeatureFile f;
  f.count = static_cast<int64_t>(e.kept.size());
  f.dim = e.features.size(1);
  const torch::Tensor features = e.features.contiguous();
  f.features.assign(features.data_ptr<float>(), features.data_ptr<float>() + features.numel());
  for (const int64_t i : e.kept) f.coords.push_back(patches.coords[static_cast<size_t>(i)]);
  makeFolder(out.root / "h5_files");
  makeFolder(out.root / "pt_files");
  writeFeatureFile(out.clamFeatures().string(), f);
  // CLAM's pt_files/<slide>.pt (torch.save of the features), which MambaMIL's training reads.
  const std::vector<char> bytes = torch::pickle_save(features);
  writeText(out.clamPt().string(), std::string_view(bytes.data(), bytes.size()));
  return e.errors;
}

json classifyStage(const fs::path& features, MilModel& model, const WsiModelSpec& spec, torch::Device device, const SlideOutputs& out) {
  const FeatureFile f = readFeatureFile(features.string());
  if (f.count < 1) throw SlideError(features.string(), "holds no patches");
  if (f.dim != spec.aggregator.inDim)
    throw SlideError(features.string(), "has " + std::to_string(f.dim) + " features per patch; the model " + spec.name +
                                            " takes " + std::to_string(spec.aggregator.inDim) + " (features of another encoder)");
  const torch::Tensor bag = torch::from_blob(const_cast<float*>(f.features.data()), {f.count, f.dim}, torch::kFloat32).to(device);
  torch::NoGradGuard noGrad;
  const MilOutput result = model.forward(bag);
  const torch::Tensor probabilities = result.probabilities.to(torch::kCPU).to(torch::kFloat32).contiguous();
  const torch::Tensor attention = result.attention.to(torch::kCPU).to(torch::kFloat32).contiguous();

  PatchLayer layer;
  layer.coords = f.coords;
  layer.scores.assign(attention.data_ptr<float>(), attention.data_ptr<float>() + attention.numel());
  const fs::path patchFile = out.clamPatches();
  layer.size = fs::exists(patchFile) ? readPatchFile(patchFile.string()).level0Size : 0;

  json classes = json::object();
  int64_t best = 0;
  for (int64_t k = 0; k < probabilities.numel(); ++k) {
    classes[spec.classes[static_cast<size_t>(k)]] = probabilities.data_ptr<float>()[k];
    if (probabilities.data_ptr<float>()[k] > probabilities.data_ptr<float>()[best]) best = k;
  }
  json scores = {{"slide", out.name},
                 {"features", features.string()},
                 {"model", {{"name", spec.name}, {"version", spec.version}, {"intended_use", spec.intendedUse}}},
                 {"predicted", spec.classes[static_cast<size_t>(best)]},
                 {"probabilities", classes},
                 {"patch_size", layer.size},
                 {"coords", coordsJson(layer.coords)},
                 {"attention", layer.scores},
                 {"attention_note", spec.aggregator.kind == "mambamil"
                                        ? "softmax attention over the Mamba-mixed tokens: a token's weight is not only its own patch's evidence"
                                        : "softmax attention over the patches"}};
  makeFolder(out.folder());
  writeText(out.scores().string(), scores.dump(1) + "\n");
  if (layer.size > 0) {
    PatchExport what;
    writePatchGeoJson(layer, what, (out.folder() / "patches.geojson").string());
    writePatchCsv(layer, what, (out.folder() / "scores.csv").string());
  }
  return scores;
}

std::vector<std::string> heatmapStage(const Slide& slide, const HeatmapOptions& options, bool tiff, size_t topk,
                                      const SlideOutputs& out) {
  if (!fs::exists(out.scores()))
    throw SlideError(slide.path(), "has no scores " + out.scores().string() + " (run krait wsi classify first)");
  // The same reading as the slide viewer's: a patch size of 0 is taken from patches.json, malformed files are
  // errors naming them.
  const SlideResults results = readResults(out.folder().string());
  const PatchLayer& layer = *results.attention;
  const std::vector<TissueRegion> tissue = results.tissue.value_or(std::vector<TissueRegion>{});
  HeatmapOptions o = options;
  if (tissue.empty()) o.segment = false;  // features from elsewhere (a CLAM file): no tissue outline to clip to
  const RgbImage image = renderHeatmap(slide, layer, tissue, o);
  std::vector<std::string> written;
  const std::string png = (out.folder() / "heatmap.png").string();
  writePng(image, png);
  written.push_back(png);
  if (tiff) {
    const std::string tif = (out.folder() / "heatmap.tif").string();
    writePyramidalTiff(image, tif, slide.mppX() * static_cast<double>(slide.width()) / static_cast<double>(image.width));
    written.push_back(tif);
  }
  if (topk > 0) {
    const PatchFile patches = readPatchFile(out.clamPatches().string());
    for (const std::string& p : saveTopKPatches(slide, layer, topK(layer, topk, true), patches.patchLevel, patches.patchSize,
                                                (out.folder() / "topk").string()))
      written.push_back(p);
  }
  return written;
}

}  // namespace krait::wsi
