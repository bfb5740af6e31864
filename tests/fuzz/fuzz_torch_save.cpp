// torch.save archives (zip + pickle + storages) read by readTorchSave, which promises Error(Input) naming the
// file for anything it cannot read.
#include "fuzz_input.h"
#include "krait/base/error.h"
#include "krait/models/checkpoint/torch_save.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  try {
    krait::models::readTorchSave(krait::fuzz::writeInput(data, size, "checkpoint.pth"));
  } catch (const krait::Error&) {
  }
  return 0;
}
