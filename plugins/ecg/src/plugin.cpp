// The ECG plugin's registration: what it gives Krait through krait/plugin.h, and nothing else.
//   reader "ecg"               DICOM ECG waveforms, WFDB, EDF/BDF, SCP-ECG, HL7 aECG (ecg_reader.h)
//   classifier "ecg-mamba-12lead"   an ECG model folder (model_spec.h) on a waveform
//   command "ecg"              krait ecg info|classify|evaluate|convert|synthesize|train (commands.h)
//   panel "ecg-viewer"         krait-studio's ECG viewer (viewer/ecg_panel.h), where the studio is built
#include <krait/plugin_torch.hpp>

#include "classifier.h"
#include "commands.h"
#include "ecg_reader.h"
#include "host_scan.h"
#ifdef KRAIT_ECG_VIEWER
#include "ecg_panel.h"
#endif

namespace {

using krait::plugin::Data;

struct EcgReader {
  static bool canRead(const std::string& path) { return krait::ecg::isEcgFile(path); }
  static Data read(const std::string& path) {
    krait::ecg::Record r;
    try {
      r = krait::ecg::readEcg(path);
    } catch (const krait::ecg::FileError& e) {
      throw krait::plugin::inputError(e.what());
    }
    Data d;
    d.kind = KRAIT_DATA_WAVEFORM;
    d.source = path;
    d.samplingRateHz = r.samplingRateHz;
    d.channelNames = r.leads;
    std::vector<float> values;
    values.reserve(r.leads.size() * r.samples());
    for (const auto& lead : r.microvolts) values.insert(values.end(), lead.begin(), lead.end());
    d.tensor = krait::plugin::ownedTensor(std::move(values), {static_cast<int64_t>(r.leads.size()), static_cast<int64_t>(r.samples())});
    return d;
  }
};

// A waveform Krait hands over (channels x samples float32 µV) as the plugin's record.
krait::ecg::Record recordOf(const KraitData& data) {
  if (data.kind != KRAIT_DATA_WAVEFORM || !data.tensor || data.tensor->dl_tensor.ndim != 2)
    throw krait::plugin::inputError("the ECG classifier takes a waveform (leads x samples)");
  krait::ecg::Record r;
  r.source = data.source ? data.source : "";
  r.samplingRateHz = data.sampling_rate_hz;
  const std::vector<double> values = krait::plugin::toDoubles(data.tensor->dl_tensor);
  const int64_t leads = data.tensor->dl_tensor.shape[0], samples = data.tensor->dl_tensor.shape[1];
  for (int64_t l = 0; l < leads; ++l) {
    r.leads.push_back(l < static_cast<int64_t>(data.channel_count) && data.channel_names ? data.channel_names[l] : "lead " + std::to_string(l + 1));
    r.microvolts.emplace_back(values.begin() + l * samples, values.begin() + (l + 1) * samples);
  }
  return r;
}

class EcgModel : public krait::plugin::Classifier {
 public:
  EcgModel(const std::string& model, const std::string& device) try : classifier_(model, device, krait::ecg::hostScan()) {
  } catch (const krait::ecg::FileError& e) {
    throw krait::plugin::inputError(e.what());
  } catch (const std::invalid_argument& e) {
    throw krait::plugin::unsupported(e.what());
  }
  std::string modelName() const override { return classifier_.spec().name + " " + classifier_.spec().version; }
  std::vector<krait::plugin::Label> labels() const override {
    std::vector<krait::plugin::Label> out;
    for (const auto& c : classifier_.spec().classes) out.push_back({c.abbreviation, c.name, "SCT:" + c.codes.front(), c.threshold});
    return out;
  }
  std::vector<float> classify(const KraitData& data, const krait::plugin::Progress& progress) override {
    progress.checkCancelled("classify", 0, 1);
    krait::ecg::Classification c;
    try {
      c = classifier_.classify(recordOf(data));
    } catch (const krait::ecg::FileError& e) {
      throw krait::plugin::inputError(e.what());
    }
    return {c.probabilities.begin(), c.probabilities.end()};
  }

 private:
  krait::ecg::EcgClassifier classifier_;
};

}  // namespace

KRAIT_PLUGIN("ecg", "0.1.0", "12-lead ECG: readers, the ECG-Mamba classifier, krait ecg") {
  krait::ecg::keepHost(host.table());
  host.reader<EcgReader>("ecg", KRAIT_DATA_WAVEFORM, "ECG waveforms: DICOM, WFDB, EDF/BDF, SCP-ECG, HL7 aECG",
                         krait::ecg::kEcgExtensions);
  host.classifier<EcgModel>("ecg-mamba-12lead", KRAIT_DATA_WAVEFORM, "ECG-Mamba multi-label 12-lead ECG classifier");
  host.command("ecg", "12-lead ECGs: info, classify, evaluate, convert, synthesize, train", krait::ecg::ecgCommand);
#ifdef KRAIT_ECG_VIEWER
  host.panel<krait::ecg::EcgPanel>("ecg-viewer", "ECG", KRAIT_DATA_WAVEFORM);
#endif
}
