#include <caffe2/serialize/inline_container.h>

#include <map>

#include "krait/base/error.h"
#include "krait/models/checkpoint/torch_save.h"

namespace fs = std::filesystem;

namespace krait::models {

namespace {

// torch.save names storages by their legacy typed class, whatever the PyTorch version that wrote them.
torch::ScalarType storageType(const std::string& name) {
  static const std::map<std::string, torch::ScalarType> types{
      {"FloatStorage", torch::kFloat32},  {"DoubleStorage", torch::kFloat64}, {"HalfStorage", torch::kFloat16},
      {"BFloat16Storage", torch::kBFloat16}, {"LongStorage", torch::kInt64}, {"IntStorage", torch::kInt32},
      {"ShortStorage", torch::kInt16},    {"CharStorage", torch::kInt8},      {"ByteStorage", torch::kUInt8},
      {"BoolStorage", torch::kBool},
  };
  const auto it = types.find(name);
  if (it == types.end()) throw std::runtime_error("unsupported storage type " + name);
  return it->second;
}

std::string text(caffe2::serialize::PyTorchStreamReader& reader, const std::string& record) {
  auto [data, size] = reader.getRecord(record);
  return {static_cast<const char*>(data.get()), size};
}

}  // namespace

PyRef readTorchSave(const fs::path& path) {
  const std::string name = path.string();
  std::error_code ec;
  if (!fs::is_regular_file(path, ec)) throw inputError(name, "no such checkpoint file");
  try {
    caffe2::serialize::PyTorchStreamReader reader(name);
    if (reader.hasRecord("byteorder") && text(reader, "byteorder") != "little")
      throw inputError(name, "checkpoint was written on a big-endian machine");
    std::map<std::string, PyStorage> storages;
    const StorageLoader load = [&](const PyTuple& pid) {
      // ('storage', <storage class>, key, location, numel); the location (cuda:0...) is ignored: CPU.
      if (pid.items.size() < 5 || !pid.items[0]->is<std::string>() || pid.items[0]->as<std::string>() != "storage")
        throw std::runtime_error("unknown persistent id in checkpoint");
      const std::string key = pid.items[2]->as<std::string>();
      if (auto it = storages.find(key); it != storages.end()) return it->second;
      const auto dtype = storageType(pid.items[1]->as<PyGlobal>().name);
      const int64_t numel = pid.items[4]->as<int64_t>();
      auto [data, size] = reader.getRecord("data/" + key);
      // The record's size is checked against the pickle's element count before anything is allocated.
      const auto element = static_cast<uint64_t>(c10::elementSize(dtype));
      if (numel < 0 || static_cast<uint64_t>(numel) > size / element || static_cast<uint64_t>(numel) * element != size)
        throw std::runtime_error("storage " + key + " holds " + std::to_string(size) + " bytes, not " +
                                 std::to_string(numel) + " elements of " + std::to_string(element) + " bytes");
      torch::Tensor flat = torch::empty({numel}, torch::TensorOptions().dtype(dtype));
      std::memcpy(flat.data_ptr(), data.get(), size);
      return storages[key] = PyStorage{flat};
    };
    return unpickle(text(reader, "data.pkl"), load);
  } catch (const Error&) {
    throw;
  } catch (const c10::Error& e) {
    throw inputError(name, std::string("not a readable PyTorch checkpoint (zip archive expected): ") + e.what_without_backtrace());
  } catch (const std::exception& e) {
    throw inputError(name, std::string("cannot read checkpoint: ") + e.what());
  }
}

}  // namespace krait::models
