#include "volume_readers.h"

#include <mutex>
#include <vector>

#include "krait/base/error.h"
#include "krait/io/volume_io.h"

namespace krait::io {
namespace {

struct Readers {
  std::mutex mutex;
  std::vector<VolumeReader> all;
};

Readers& readers() {
  static Readers r;
  return r;
}

// A copy of the reader that takes `path`, so that it runs outside the lock.
const VolumeReader* find(const std::filesystem::path& path, VolumeReader& out) {
  Readers& r = readers();
  const std::lock_guard<std::mutex> lock(r.mutex);
  for (const VolumeReader& reader : r.all)
    if (reader.takes(path)) {
      out = reader;
      return &out;
    }
  return nullptr;
}

}  // namespace

void registerVolumeReader(VolumeReader reader) {
  Readers& r = readers();
  const std::lock_guard<std::mutex> lock(r.mutex);
  r.all.push_back(std::move(reader));
}

std::string registeredReaderFor(const std::filesystem::path& path) {
  VolumeReader reader;
  return find(path, reader) ? reader.name : "";
}

Volume readRegistered(const std::filesystem::path& path) {
  VolumeReader reader;
  if (!find(path, reader)) throw inputError(path.string(), "no registered reader takes this file");
  return reader.read(path);
}

}  // namespace krait::io
