#pragma once
// How the Segment panel names a model folder it was given: nnU-Net keeps a model in
// nnUNet_results/<dataset>/<trainer>__<plans>__<configuration>, and its last folder name alone ("model",
// "nnUNetTrainer__nnUNetPlans__3d_fullres") says little; the dataset, trainer and configuration say which it is.
#include <filesystem>
#include <string>

namespace krait::studio {

// "Dataset004_Hippocampus · nnUNetTrainerUMambaBot · 3d_fullres" for an nnU-Net results folder; else the dataset
// name its plans.json (or dataset.json) gives and the folder's name ("Dataset915_KraitPlainUNet · model"); else
// the folder's name.
std::string modelFolderTitle(const std::filesystem::path& folder);

}  // namespace krait::studio
