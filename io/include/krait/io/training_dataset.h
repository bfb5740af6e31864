#pragma once
// An nnU-Net raw dataset to train on (nnUNet_raw/DatasetXXX_Name): dataset.json, imagesTr/<case>_<XXXX><ending>
// (one file per channel) and labelsTr/<case><ending>, or the file lists of dataset.json's "dataset" entry —
// found, and then checked as nnU-Net's verify_dataset_integrity checks it, before any training starts.
#include <filesystem>
#include <string>
#include <vector>

namespace krait::io {

struct TrainingCase {
  std::string id;
  std::vector<std::filesystem::path> images;  // one per channel, in channel order
  std::filesystem::path labels;
};

struct TrainingDataset {
  std::filesystem::path folder;
  std::vector<std::string> channels;   // channel_names, in channel order
  std::vector<int64_t> labelValues;    // every value a label map may hold: background, labels, region members, ignore
  int64_t ignoreLabel = -1;            // the "ignore" label's value; -1: none
  bool regions = false;
  std::string fileEnding;              // ".nii.gz", ...
  std::vector<TrainingCase> cases;     // in case-name order
};

// Throws Error(Input) naming the file or folder and the reason: no dataset.json or one without labels,
// channel_names, numTraining or file_ending; no imagesTr or labelsTr; a case without its label map or one of its
// channel files (named); numTraining not the number of cases found.
TrainingDataset findTrainingDataset(const std::filesystem::path& folder);

// Reads every case and returns one line per problem, naming the case and the file (empty: ready to train):
// a file that cannot be read, an image with NaN voxels or with several components, a label map on another grid
// than its images (size, spacing, origin, orientation), label values dataset.json does not list.
std::vector<std::string> verifyTrainingDataset(const TrainingDataset& dataset);

}  // namespace krait::io
