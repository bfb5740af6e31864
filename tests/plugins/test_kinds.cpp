// A test plugin with one of each kind but networks, written as a plugin author would with krait/plugin.hpp and
// no tensor library, so that the host's tests cover the whole ABI:
//   reader "npy"            NumPy .npy arrays (Z, Y, X) or (C, Z, Y, X) as volumes, 1 mm voxels
//   reader "csv-waveform"   "sampling_rate_hz,<f>" / lead names / rows of microvolts, as waveforms
//   classifier "voxel-fraction"   volumes: fractions of voxels at or above / below the model's threshold
//   classifier "peak-amplitude"   waveforms: per lead, whether its peak reaches the model's millivolts
//   command "npy-info"      prints an .npy file's shape as the reader sees it
// Models are JSON files: {"threshold": 100} or {"millivolts": 1.0}.
#include <krait/plugin.hpp>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <iostream>
#include <regex>
#include <sstream>

namespace {

using krait::plugin::Data;
using krait::plugin::inputError;
using krait::plugin::Label;

bool endsWith(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

std::string fileText(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw inputError(path + ": cannot open");
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

template <typename T>
DLManagedTensor* fromBytes(const char* bytes, size_t count, std::vector<int64_t> shape) {
  std::vector<T> values(count);
  std::memcpy(values.data(), bytes, count * sizeof(T));
  return krait::plugin::ownedTensor(std::move(values), std::move(shape));
}

struct NpyReader {
  static bool canRead(const std::string& path) { return endsWith(path, ".npy") && fileText(path).rfind("\x93NUMPY", 0) == 0; }

  static Data read(const std::string& path) {
    const std::string bytes = fileText(path);
    if (bytes.size() < 10 || bytes.rfind("\x93NUMPY", 0) != 0) throw inputError(path + ": not a NumPy .npy file");
    const size_t headerLength = static_cast<unsigned char>(bytes[8]) | (static_cast<unsigned char>(bytes[9]) << 8);
    if (bytes.size() < 10 + headerLength) throw inputError(path + ": truncated header");
    const std::string header = bytes.substr(10, headerLength);
    std::smatch descr, shapeText;
    if (!std::regex_search(header, descr, std::regex("'descr': *'([<|>][a-z][0-9])'")) ||
        !std::regex_search(header, shapeText, std::regex("'shape': *\\(([0-9, ]*)\\)")) ||
        header.find("'fortran_order': False") == std::string::npos)
      throw inputError(path + ": unsupported .npy header " + header);
    std::vector<int64_t> shape;
    std::stringstream dims(shapeText[1].str());
    for (std::string d; std::getline(dims, d, ',');)
      if (d.find_first_not_of(' ') != std::string::npos) shape.push_back(std::stoll(d));
    if (shape.size() == 3) shape.insert(shape.begin(), 1);
    if (shape.size() != 4) throw inputError(path + ": a volume needs 3 or 4 dimensions, not " + std::to_string(shape.size()));
    size_t count = 1;
    for (int64_t d : shape) count *= static_cast<size_t>(d);
    const std::string type = descr[1].str();
    const char* values = bytes.data() + 10 + headerLength;
    const size_t available = bytes.size() - 10 - headerLength;
    const auto need = [&](size_t size) {
      if (available < count * size) throw inputError(path + ": truncated data");
    };
    Data d;
    d.kind = KRAIT_DATA_VOLUME;
    d.source = path;
    if (type == "<f4") need(4), d.tensor = fromBytes<float>(values, count, shape);
    else if (type == "<f8") need(8), d.tensor = fromBytes<double>(values, count, shape);
    else if (type == "<i2") need(2), d.tensor = fromBytes<int16_t>(values, count, shape);
    else if (type == "<i4") need(4), d.tensor = fromBytes<int32_t>(values, count, shape);
    else if (type == "|u1") need(1), d.tensor = fromBytes<uint8_t>(values, count, shape);
    else throw inputError(path + ": unsupported element type " + type);
    return d;
  }
};

struct CsvWaveformReader {
  static bool canRead(const std::string& path) { return endsWith(path, ".csv") && fileText(path).rfind("sampling_rate_hz,", 0) == 0; }

  static Data read(const std::string& path) {
    std::istringstream in(fileText(path));
    std::string line;
    std::getline(in, line);
    if (line.rfind("sampling_rate_hz,", 0) != 0) throw inputError(path + ": no sampling_rate_hz line");
    Data d;
    d.kind = KRAIT_DATA_WAVEFORM;
    d.source = path;
    d.samplingRateHz = std::stod(line.substr(17));
    std::getline(in, line);
    std::stringstream names(line);
    for (std::string n; std::getline(names, n, ',');) d.channelNames.push_back(n);
    std::vector<std::vector<float>> leads(d.channelNames.size());
    while (std::getline(in, line)) {
      std::stringstream row(line);
      size_t lead = 0;
      for (std::string v; std::getline(row, v, ','); ++lead) {
        if (lead >= leads.size()) throw inputError(path + ": a row has more values than leads");
        leads[lead].push_back(std::stof(v));
      }
      if (lead != leads.size()) throw inputError(path + ": a row has fewer values than leads");
    }
    std::vector<float> all;
    for (const auto& l : leads) all.insert(all.end(), l.begin(), l.end());
    d.tensor = krait::plugin::ownedTensor(std::move(all), {static_cast<int64_t>(leads.size()),
                                                           static_cast<int64_t>(leads.empty() ? 0 : leads[0].size())});
    return d;
  }
};

double modelValue(const std::string& model, const char* key) {
  const nlohmann::json j = nlohmann::json::parse(fileText(model), nullptr, false);
  if (j.is_discarded() || !j.contains(key) || !j.at(key).is_number()) throw inputError(model + ": no number '" + key + "'");
  return j.at(key).get<double>();
}

class VoxelFraction : public krait::plugin::Classifier {
 public:
  VoxelFraction(const std::string& model, const std::string& device) : threshold_(modelValue(model, "threshold")) {
    if (device != "cpu") throw krait::plugin::unsupported("runs on the CPU only, not " + device);
  }
  std::string modelName() const override { return "voxels at or above " + std::to_string(threshold_); }
  std::vector<Label> labels() const override { return {{"above", "at or above the threshold", "", 0.5}, {"below", "below it", "", 0.5}}; }
  bool multiLabel() const override { return false; }
  std::vector<float> classify(const KraitData& data, const krait::plugin::Progress& progress) override {
    progress.checkCancelled("counting", 0, 1);
    const std::vector<double> v = krait::plugin::toDoubles(data.tensor->dl_tensor);
    const auto above = std::count_if(v.begin(), v.end(), [&](double x) { return x >= threshold_; });
    const float fraction = v.empty() ? 0.0f : static_cast<float>(above) / static_cast<float>(v.size());
    progress.checkCancelled("counting", 1, 1);
    return {fraction, 1.0f - fraction};
  }

 private:
  double threshold_;
};

class PeakAmplitude : public krait::plugin::Classifier {
 public:
  PeakAmplitude(const std::string& model, const std::string&) : millivolts_(modelValue(model, "millivolts")) {}
  std::string modelName() const override { return "peaks of " + std::to_string(millivolts_) + " mV"; }
  std::vector<Label> labels() const override {
    return {{"any-lead", "a lead reaches the peak", "", 0.5}, {"all-leads", "every lead reaches it", "", 0.5}};
  }
  std::vector<float> classify(const KraitData& data, const krait::plugin::Progress&) override {
    const DLTensor& t = data.tensor->dl_tensor;
    const std::vector<double> v = krait::plugin::toDoubles(t);
    const int64_t leads = t.shape[0], samples = t.shape[1];
    int64_t reaching = 0;
    for (int64_t l = 0; l < leads; ++l) {
      double peak = 0.0;
      for (int64_t s = 0; s < samples; ++s) peak = std::max(peak, std::abs(v[static_cast<size_t>(l * samples + s)]));
      if (peak >= millivolts_ * 1000.0) ++reaching;
    }
    return {reaching > 0 ? 1.0f : 0.0f, reaching == leads && leads > 0 ? 1.0f : 0.0f};
  }

 private:
  double millivolts_;
};

int npyInfo(const std::vector<std::string>& args) {
  if (args.size() != 2) {
    std::cerr << "usage: krait npy-info FILE.npy\n";
    return 2;
  }
  try {
    const Data d = NpyReader::read(args[1]);
    const DLTensor& t = d.tensor->dl_tensor;
    std::cout << args[1] << ":";
    for (int32_t i = 0; i < t.ndim; ++i) std::cout << (i ? " x " : " ") << t.shape[i];
    std::cout << "\n";
    d.tensor->deleter(d.tensor);
    return 0;
  } catch (const std::exception& e) {
    std::cerr << "krait npy-info: " << e.what() << "\n";
    return 3;
  }
}

}  // namespace

KRAIT_PLUGIN("test-kinds", "0.1", "readers, classifiers and a command for Krait's host tests") {
  host.reader<NpyReader>("npy", KRAIT_DATA_VOLUME, "NumPy .npy arrays as volumes", ".npy");
  host.reader<CsvWaveformReader>("csv-waveform", KRAIT_DATA_WAVEFORM, "waveforms as CSV", ".csv");
  host.classifier<VoxelFraction>("voxel-fraction", KRAIT_DATA_VOLUME, "fractions of voxels above and below a threshold");
  host.classifier<PeakAmplitude>("peak-amplitude", KRAIT_DATA_WAVEFORM, "leads whose peak reaches an amplitude");
  host.command("npy-info", "print a .npy file's shape", npyInfo);
}
