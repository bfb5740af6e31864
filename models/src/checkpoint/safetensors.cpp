#include <nlohmann/json.hpp>

#include <cstring>
#include <fstream>
#include <map>

#include "krait/base/error.h"
#include "krait/models/checkpoint/safetensors.h"

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
  const std::string name = path.string();
  std::ifstream in(path, std::ios::binary);
  if (!in) throw inputError(name, "cannot open checkpoint");
  const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
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
      const auto shape = entry.at("shape").get<std::vector<int64_t>>();
      const auto offsets = entry.at("data_offsets").get<std::vector<uint64_t>>();
      torch::Tensor t = torch::empty(shape, torch::TensorOptions().dtype(safetensorsType(entry.at("dtype").get<std::string>())));
      if (offsets.size() != 2 || offsets[1] < offsets[0] || offsets[1] - offsets[0] != static_cast<uint64_t>(t.nbytes()) ||
          dataStart + offsets[1] > bytes.size())
        throw std::runtime_error("tensor " + key + " has data offsets that do not match its shape or the file");
      std::memcpy(t.data_ptr(), bytes.data() + dataStart + offsets[0], t.nbytes());
      out[key] = t;
    }
  } catch (const nlohmann::json::exception& e) {
    throw inputError(name, std::string("safetensors header is not valid: ") + e.what());
  } catch (const std::exception& e) {
    throw inputError(name, e.what());
  }
  return out;
}

}  // namespace krait::models
