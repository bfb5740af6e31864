#include <cstring>
#include <fstream>
#include <map>

#include "krait/base/error.h"
#include "krait/models/checkpoint/safetensors.h"
#include "krait/models/nnunet/json_fields.h"

namespace fs = std::filesystem;

namespace krait::models {

namespace {

torch::ScalarType safetensorsType(const std::string& code) {
  static const std::map<std::string, torch::ScalarType> types{
      {"F64", torch::kFloat64}, {"F32", torch::kFloat32}, {"F16", torch::kFloat16}, {"BF16", torch::kBFloat16},
      {"I64", torch::kInt64},   {"I32", torch::kInt32},   {"I16", torch::kInt16},   {"I8", torch::kInt8},
      {"U8", torch::kUInt8},    {"BOOL", torch::kBool},
  };
  const auto it = types.find(code);
  if (it == types.end()) throw std::runtime_error("unsupported dtype " + code);
  return it->second;
}

}  // namespace

// Layout: u64 little-endian header length, a JSON header {name: {dtype, shape, data_offsets}}, then data.
StateDict readSafetensors(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw inputError(path.string(), "cannot open checkpoint");
  return parseSafetensors(std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>()), path);
}

StateDict parseSafetensors(const std::string& bytes, const fs::path& path) {
  const std::string name = path.string();
  uint64_t headerSize = 0;
  if (bytes.size() < 8) throw inputError(name, "not a safetensors file (too short)");
  std::memcpy(&headerSize, bytes.data(), 8);
  if (headerSize > bytes.size() - 8) throw inputError(name, "not a safetensors file (header length out of range)");
  const std::size_t dataStart = 8 + headerSize;
  StateDict out;
  try {
    const auto header = nlohmann::json::parse(bytes.substr(8, headerSize));
    for (const auto& [key, entry] : header.items()) {
      if (key == "__metadata__") continue;
      const std::string where = "tensor '" + key + "'";
      const auto shape = field<std::vector<int64_t>>(entry, "shape", path, where);
      const auto offsets = field<std::vector<uint64_t>>(entry, "data_offsets", path, where);
      const auto dtype = safetensorsType(field<std::string>(entry, "dtype", path, where));
      // The shape's byte count is checked against the offsets and the file before anything is allocated.
      uint64_t nbytes = c10::elementSize(dtype);
      for (const int64_t d : shape)
        if (d < 0 || __builtin_mul_overflow(nbytes, static_cast<uint64_t>(d), &nbytes))
          throw std::runtime_error("tensor " + key + " has a negative or overflowing shape");
      const uint64_t available = bytes.size() - dataStart;
      if (offsets.size() != 2 || offsets[1] < offsets[0] || offsets[1] > available || offsets[1] - offsets[0] != nbytes)
        throw std::runtime_error("tensor " + key + " has data offsets that do not match its shape or the file");
      torch::Tensor t = torch::empty(shape, torch::TensorOptions().dtype(dtype));
      std::memcpy(t.data_ptr(), bytes.data() + dataStart + offsets[0], nbytes);
      out[key] = t;
    }
  } catch (const Error&) {
    throw;
  } catch (const nlohmann::json::exception& e) {
    throw inputError(name, std::string("safetensors header is not valid: ") + e.what());
  } catch (const std::exception& e) {
    throw inputError(name, e.what());
  }
  return out;
}

}  // namespace krait::models
