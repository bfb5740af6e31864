#include "preprocess.h"

#include <algorithm>
#include <cmath>
#include <optional>
#include <stdexcept>

#include "dsp.h"

namespace krait::ecg {
namespace {

std::string format(double v) {
  char text[32];
  std::snprintf(text, sizeof text, "%g", v);
  return text;
}

}  // namespace

InputContract isibrnoInput(int64_t length) {
  InputContract in;
  in.leads = {"I", "II", "III", "aVR", "aVL", "aVF", "V1", "V2", "V3", "V4", "V5", "V6"};
  in.samplingRateHz = 500;
  in.length = length;
  in.bandPass = BandPass{3, 1.0, 47.0};
  in.windowStride = length / 2;
  in.aggregate = "max";
  return in;
}

NetworkInput prepareInput(const Record& record, const InputContract& input) {
  if (record.samplingRateHz <= 0) throw FileError(record.source, "has no sampling rate");
  NetworkInput out;
  out.leads = static_cast<int64_t>(input.leads.size());
  out.length = input.length;
  const auto asDouble = [&](int l) { return std::vector<double>(record.microvolts[l].begin(), record.microvolts[l].end()); };
  const int I = findLead(record, "I"), II = findLead(record, "II");

  std::vector<std::vector<double>> leads;
  std::vector<std::string> missing, made;
  for (const std::string& name : input.leads) {
    const int l = findLead(record, name);
    const std::optional<LimbLead> limb = derivableLimbLead(name);
    if (l >= 0) {
      leads.push_back(asDouble(l));
    } else if (I >= 0 && II >= 0 && limb) {
      leads.push_back(deriveLimbLead(*limb, record.microvolts[I], record.microvolts[II]));
      made.push_back(name);
    } else {
      leads.emplace_back(record.samples(), 0.0);
      missing.push_back(name);
    }
  }
  if (missing.size() == input.leads.size())
    throw FileError(record.source, "has none of the model's leads (its leads: " +
                                       (record.leads.empty() ? std::string("none") : record.leads.front() + ", ...") + ")");
  const auto list = [](const std::vector<std::string>& names) {
    std::string s;
    for (const std::string& n : names) s += (s.empty() ? "" : ", ") + n;
    return s;
  };
  if (!made.empty()) out.notes.push_back("leads " + list(made) + " derived from I and II");
  if (!missing.empty()) out.notes.push_back("leads " + list(missing) + " absent: zeros");

  if (record.samplingRateHz != input.samplingRateHz)
    out.notes.push_back("resampled from " + format(record.samplingRateHz) + " Hz to " + format(input.samplingRateHz) + " Hz");
  // A flat lead (disconnected electrode, or a lead the device did not record) carries no signal, but filtering
  // leaves a residue of ~1e-12 that the z-score would blow up to unit variance: it goes in as zeros instead.
  std::vector<std::string> flat;
  for (std::size_t l = 0; l < leads.size(); ++l) {
    const auto [lo, hi] = std::minmax_element(leads[l].begin(), leads[l].end());
    if (!leads[l].empty() && *hi - *lo < 1.0 && std::find(missing.begin(), missing.end(), input.leads[l]) == missing.end())
      flat.push_back(input.leads[l]);
  }
  if (!flat.empty()) out.notes.push_back("leads " + list(flat) + " flat: zeros");
  try {
    std::optional<FilterCoefficients> band;
    if (input.bandPass) band = butterBandpass(input.bandPass->order, input.bandPass->lowHz, input.bandPass->highHz, input.samplingRateHz);
    for (std::size_t l = 0; l < leads.size(); ++l) {
      std::vector<double>& lead = leads[l];
      lead = resampleTo(lead, record.samplingRateHz, input.samplingRateHz);
      if (std::find(flat.begin(), flat.end(), input.leads[l]) != flat.end()) {
        std::fill(lead.begin(), lead.end(), 0.0);
        continue;
      }
      if (band) lead = filtfilt(band->b, band->a, lead);
      if (input.zscorePerLead) lead = zscore(lead);
    }
  } catch (const std::invalid_argument& e) {
    throw FileError(record.source, std::string("cannot be prepared for the model: ") + e.what());
  }

  const std::size_t samples = leads.front().size(), length = static_cast<std::size_t>(input.length);
  if (static_cast<double>(samples) < 5.0 * input.samplingRateHz)
    out.notes.push_back("only " + format(static_cast<double>(samples) / input.samplingRateHz) + " s of signal");
  const std::vector<std::size_t> starts =
      samples >= length ? windowStarts(samples, length, static_cast<std::size_t>(input.windowStride)) : std::vector<std::size_t>{0};
  if (samples < length) out.notes.push_back("padded from " + std::to_string(samples) + " to " + std::to_string(length) + " samples");
  else if (starts.size() > 1) out.notes.push_back(std::to_string(starts.size()) + " windows, probabilities by " + input.aggregate);
  out.windows = static_cast<int64_t>(starts.size());
  out.values.reserve(starts.size() * leads.size() * length);
  for (std::size_t start : starts)
    for (const std::vector<double>& lead : leads) {
      const std::vector<double> w = samples < length ? padLeft(lead, length) : crop(lead, start, length);
      out.values.insert(out.values.end(), w.begin(), w.end());
    }
  return out;
}

}  // namespace krait::ecg
