// The stages of `krait wsi` on one slide, shared by the command line and the studio's slide panel: each reads what
// the previous stage wrote in the output folder, and writes its own results (commands.h says where).
#pragma once

#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "clam_h5.h"
#include "encoder.h"
#include "heatmap.h"
#include "mil_model.h"
#include "patch_grid.h"
#include "slide.h"
#include "tissue.h"
#include "wsi_model.h"

namespace krait::wsi {

// Where one slide's results go under an output folder.
struct SlideOutputs {
  std::filesystem::path root;
  std::string name;  // the slide's file name without its extension, as CLAM names its files
  SlideOutputs(std::filesystem::path out, const std::string& slideOrFeatures);
  std::filesystem::path folder() const { return root / name; }  // tissue.geojson, patches.json, scores.json, ...
  std::filesystem::path tissue() const { return folder() / "tissue.geojson"; }
  std::filesystem::path patchesJson() const { return folder() / "patches.json"; }
  std::filesystem::path scores() const { return folder() / "scores.json"; }
  std::filesystem::path clamPatches() const { return root / "patches" / (name + ".h5"); }
  std::filesystem::path clamFeatures() const { return root / "h5_files" / (name + ".h5"); }
  std::filesystem::path clamPt() const { return root / "pt_files" / (name + ".pt"); }
};

// The whole slide as one region, written as tissue.geojson: for slides whose background is part of the question
// (the demonstration model learns tissue against glass), where segmentation would keep only the tissue.
void wholeSlideTissue(const Slide& slide, const SlideOutputs& out);

// Segments and writes tissue.geojson; returns the regions.
std::vector<TissueRegion> segmentStage(const Slide& slide, const SegmentationParams& params, const SlideOutputs& out);

// The grid over the tissue (segmenting first when tissue.geojson is missing), written as CLAM's patch file and
// patches.json. Returns the patch file.
PatchFile patchStage(const Slide& slide, const PatchGeometry& geometry, ContourCheck check, bool usePadding,
                     const SegmentationParams& params, const SlideOutputs& out);

// Features of the patches in CLAM's patch file, written as CLAM's h5_files/ and pt_files/ (patches that could
// not be read are left out and listed in the returned errors).
std::vector<std::string> featureStage(const Slide& slide, Encoder& encoder, int threads, int64_t batch, const SlideOutputs& out,
                                      const std::function<bool(int64_t, int64_t)>& progress);

// Classifies a CLAM feature file with the model's aggregator; writes scores.json, scores.csv and patches.geojson
// (QuPath) in the slide's folder and returns scores.json's content. The patch size of the scores comes from the
// patch file beside (patches/<name>.h5) when there is one, else from `patchSize` (0: unknown).
nlohmann::json classifyStage(const std::filesystem::path& features, MilModel& model, const WsiModelSpec& spec,
                             torch::Device device, const SlideOutputs& out);

// The slide's heatmap of scores.json's attention (HeatmapOptions), as heatmap.png and, when `tiff`, heatmap.tif
// (pyramidal, opens as a slide); top-k patches into topk/. Returns the files written.
std::vector<std::string> heatmapStage(const Slide& slide, const HeatmapOptions& options, bool tiff, size_t topk,
                                      const SlideOutputs& out);

}  // namespace krait::wsi
