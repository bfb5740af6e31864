// A training dataset folder's dataset.json read by io::findTrainingDataset (labels, channels, file ending, the
// case list) and checked by verifyTrainingDataset; both promise Error(Input) naming the file. The folder holds
// only dataset.json, so a dataset that names cases stops at their files: the parse is what is fuzzed.
#include <filesystem>

#include "fuzz_input.h"
#include "krait/base/error.h"
#include "krait/io/training_dataset.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::filesystem::create_directories(krait::fuzz::scratchFolder() / "dataset");
  krait::fuzz::writeInput(data, size, "dataset/dataset.json");
  try {
    krait::io::verifyTrainingDataset(krait::io::findTrainingDataset(krait::fuzz::scratchFolder() / "dataset"));
  } catch (const krait::Error&) {
  }
  return 0;
}
