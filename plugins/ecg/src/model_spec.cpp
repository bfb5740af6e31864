#include "model_spec.h"

#include <openssl/evp.h>

#include <fstream>
#include <memory>

#include "record.h"

namespace fs = std::filesystem;

namespace krait::ecg {
namespace {

// Reads `key` of `object` as T; the message names the key's path in model.json.
template <typename T>
T required(const nlohmann::json& object, const std::string& key, const std::string& where, const fs::path& file) {
  if (!object.is_object() || !object.contains(key)) throw FileError(file.string(), "has no \"" + where + key + "\"");
  try {
    return object.at(key).get<T>();
  } catch (const nlohmann::json::exception&) {
    throw FileError(file.string(), "\"" + where + key + "\" has the wrong type");
  }
}

InputContract inputOf(const nlohmann::json& j, const fs::path& file) {
  InputContract in;
  in.leads = required<std::vector<std::string>>(j, "leads", "input.", file);
  in.samplingRateHz = required<double>(j, "sampling_rate_hz", "input.", file);
  in.length = required<int64_t>(j, "length", "input.", file);
  if (in.leads.empty() || in.samplingRateHz <= 0 || in.length <= 0)
    throw FileError(file.string(), "input needs leads, a positive sampling_rate_hz and a positive length");
  if (const std::string pad = required<std::string>(j, "pad", "input.", file); pad != "left")
    throw FileError(file.string(), "input.pad \"" + pad + "\" is not supported (only \"left\")");
  const std::string norm = required<std::string>(j, "normalisation", "input.", file);
  if (norm != "zscore-per-lead" && norm != "none")
    throw FileError(file.string(), "input.normalisation \"" + norm + "\" is not \"zscore-per-lead\" or \"none\"");
  in.zscorePerLead = norm == "zscore-per-lead";
  if (j.contains("band_pass") && !j.at("band_pass").is_null()) {
    const nlohmann::json& b = j.at("band_pass");
    if (required<std::string>(b, "type", "input.band_pass.", file) != "butterworth" ||
        !required<bool>(b, "zero_phase", "input.band_pass.", file))
      throw FileError(file.string(), "input.band_pass must be a zero-phase Butterworth filter");
    in.bandPass = BandPass{required<int>(b, "order", "input.band_pass.", file), required<double>(b, "low_hz", "input.band_pass.", file),
                           required<double>(b, "high_hz", "input.band_pass.", file)};
  }
  const nlohmann::json windows = j.value("windows", nlohmann::json::object());
  in.windowStride = windows.value("stride", in.length / 2);
  in.aggregate = windows.value("aggregate", std::string("max"));
  if (in.windowStride <= 0 || (in.aggregate != "max" && in.aggregate != "mean"))
    throw FileError(file.string(), "input.windows needs a positive stride and aggregate \"max\" or \"mean\"");
  return in;
}

}  // namespace

std::string sha256OfFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw FileError(path.string(), "cannot be read");
  const std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  EVP_DigestInit_ex(ctx.get(), EVP_sha256(), nullptr);
  std::vector<char> buffer(1 << 20);
  while (in) {
    in.read(buffer.data(), static_cast<std::streamsize>(buffer.size()));
    EVP_DigestUpdate(ctx.get(), buffer.data(), static_cast<std::size_t>(in.gcount()));
  }
  if (in.bad()) throw FileError(path.string(), "could not be read to the end");
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  EVP_DigestFinal_ex(ctx.get(), digest, &size);
  static const char* hex = "0123456789abcdef";
  std::string out;
  for (unsigned int i = 0; i < size; ++i) out += {hex[digest[i] >> 4], hex[digest[i] & 15]};
  return out;
}

ModelSpec readModelSpec(const fs::path& path) {
  const fs::path file = fs::is_directory(path) ? path / "model.json" : path;
  std::ifstream in(file);
  if (!in) throw FileError(file.string(), fs::exists(file) ? "cannot be read" : "does not exist (an ECG model folder holds model.json)");
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(in);
  } catch (const nlohmann::json::parse_error& e) {
    throw FileError(file.string(), std::string("is not valid JSON: ") + e.what());
  }
  if (required<std::string>(j, "format", "", file) != "krait-ecg-model")
    throw FileError(file.string(), "is not an ECG model spec (\"format\" is not \"krait-ecg-model\")");
  ModelSpec spec;
  spec.folder = fs::absolute(file).parent_path();
  spec.id = required<std::string>(j, "id", "", file);
  spec.name = required<std::string>(j, "name", "", file);
  spec.version = required<std::string>(j, "version", "", file);
  spec.intendedUse = required<std::string>(j, "intended_use", "", file);
  if (required<std::string>(j, "output", "", file) != "sigmoid")
    throw FileError(file.string(), "\"output\" must be \"sigmoid\" (independent probabilities per class)");
  for (const nlohmann::json& c : required<nlohmann::json>(j, "classes", "", file)) {
    ModelClass mc;
    mc.codes = required<std::vector<std::string>>(c, "codes", "classes[].", file);
    mc.abbreviation = required<std::string>(c, "abbreviation", "classes[].", file);
    mc.name = required<std::string>(c, "name", "classes[].", file);
    mc.threshold = required<double>(c, "threshold", "classes[].", file);
    if (mc.codes.empty() || mc.threshold < 0 || mc.threshold > 1)
      throw FileError(file.string(), "class " + mc.abbreviation + " needs codes and a threshold in [0, 1]");
    spec.classes.push_back(mc);
  }
  if (spec.classes.empty()) throw FileError(file.string(), "lists no classes");
  spec.input = inputOf(required<nlohmann::json>(j, "input", "", file), file);
  spec.architecture = required<nlohmann::json>(j, "architecture", "", file);
  const nlohmann::json weights = required<nlohmann::json>(j, "weights", "", file);
  spec.weights = spec.folder / required<std::string>(weights, "file", "weights.", file);
  spec.weightsSha256 = required<std::string>(weights, "sha256", "weights.", file);
  spec.provenance = j.value("provenance", nlohmann::json::object());
  if (!fs::exists(spec.weights)) throw FileError(spec.weights.string(), "does not exist (named by " + file.string() + ")");
  if (const std::string actual = sha256OfFile(spec.weights); actual != spec.weightsSha256)
    throw FileError(spec.weights.string(), "has sha256 " + actual + ", but " + file.string() + " expects " + spec.weightsSha256);
  return spec;
}

}  // namespace krait::ecg
