// The pickle reader (models/src/checkpoint/pickle.cpp) on arbitrary bytes. It throws std::runtime_error for
// anything it refuses; any other way out (a crash, a sanitizer report, another exception) is a finding.
#include <algorithm>
#include <stdexcept>
#include <string>

#include "krait/models/checkpoint/pickle.h"

using namespace krait::models;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  // Storages of the element count the persistent id asks for, capped: the reader, not the allocator, is fuzzed.
  const StorageLoader load = [](const PyTuple& pid) {
    const int64_t asked = pid.items.size() >= 5 && pid.items[4]->is<int64_t>() ? pid.items[4]->as<int64_t>() : 4;
    return PyStorage{torch::zeros({std::clamp<int64_t>(asked, 0, 4096)})};
  };
  try {
    const PyRef root = unpickle(std::string(reinterpret_cast<const char*>(data), size), load);
    root->describe();
  } catch (const std::runtime_error&) {
  }
  return 0;
}
