#pragma once
// The cases of a batch run: from a folder (nnU-Net channel files <case>_0000.<ext>, plain image files, or
// one DICOM folder per case) or a manifest (CSV with a header "case,image[,image...]" or JSON Lines with
// {"case", "images": [...]} or {"case", "image"}), and the shard of them this process takes.
#include <filesystem>
#include <string>
#include <vector>

namespace krait::cli {

struct BatchCase {
  std::string id;
  std::vector<std::string> inputs;  // channel files in order, one image, or one DICOM folder
};

// Entries that are (or hold) one of `exclude` — the batch's own output folder — are not cases. Throws
// Error(Input) for a folder that holds no case.
std::vector<BatchCase> casesFromFolder(const std::filesystem::path& folder, const std::vector<std::filesystem::path>& exclude = {});
std::vector<BatchCase> casesFromManifest(const std::filesystem::path& manifest);

struct Shard {
  int index = 0, count = 1;
};

// "i/N"; empty: SLURM_ARRAY_TASK_ID (minus SLURM_ARRAY_TASK_MIN) of SLURM_ARRAY_TASK_COUNT, else
// JOB_COMPLETION_INDEX of `shards` (Kubernetes indexed jobs carry no count), else the whole batch.
Shard parseShard(const std::string& text, int shards);

// --device's list: "cuda:0,1" (a bare index continues the previous device's type), "cuda:0,cuda:1", "cpu,cpu";
// each entry checked by the engine. Throws Error(Usage) for an empty or unknown entry.
std::vector<std::string> deviceList(const std::string& text);

// Every count-th case starting at index, after sorting by id: shards are disjoint and cover the batch.
std::vector<BatchCase> selectShard(std::vector<BatchCase> cases, const Shard& shard);

}  // namespace krait::cli
