#include "heart_rate.h"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "dsp.h"

namespace krait::ecg {
namespace {

double median(std::vector<double> v) {
  const std::size_t mid = v.size() / 2;
  std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(mid), v.end());
  double m = v[mid];
  if (v.size() % 2 == 0) m = (m + *std::max_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(mid))) / 2;
  return m;
}

std::vector<double> intervals(const std::vector<std::size_t>& beats, double rateHz) {
  std::vector<double> rr;
  for (std::size_t i = 1; i < beats.size(); ++i) rr.push_back(static_cast<double>(beats[i] - beats[i - 1]) / rateHz);
  return rr;
}

// Spread of the RR intervals relative to their median: 0 for a perfectly regular detection.
double irregularity(const std::vector<double>& rr) {
  const double m = median(rr);
  double sum = 0.0;
  for (double r : rr) sum += std::abs(r - m);
  return sum / static_cast<double>(rr.size()) / m;
}

}  // namespace

std::vector<std::size_t> detectBeats(const std::vector<float>& lead, double rateHz) {
  // The QRS band: 5-15 Hz (Pan & Tompkins 1985) keeps the complexes and drops P and T waves and baseline wander.
  const auto window = static_cast<std::size_t>(std::lround(0.15 * rateHz));
  if (rateHz < 40.0 || lead.size() < 2 * static_cast<std::size_t>(rateHz)) return {};
  const FilterCoefficients band = butterBandpass(2, 5.0, 15.0, rateHz);
  const std::vector<double> filtered = filtfilt(band.b, band.a, std::vector<double>(lead.begin(), lead.end()));
  const std::size_t n = filtered.size();
  // Slope squared, integrated over a QRS width.
  std::vector<double> energy(n, 0.0), integrated(n, 0.0);
  for (std::size_t i = 1; i + 1 < n; ++i) energy[i] = std::pow(filtered[i + 1] - filtered[i - 1], 2);
  double running = 0.0;
  for (std::size_t i = 0; i < n; ++i) {
    running += energy[i];
    if (i >= window) running -= energy[i - window];
    integrated[i] = running / static_cast<double>(window);
  }
  // Threshold from the loud end of the distribution, so that one artefact does not set it.
  std::vector<double> sorted = integrated;
  const std::size_t at = static_cast<std::size_t>(0.99 * static_cast<double>(n - 1));
  std::nth_element(sorted.begin(), sorted.begin() + static_cast<std::ptrdiff_t>(at), sorted.end());
  const double threshold = 0.3 * sorted[at];
  if (threshold <= 0.0) return {};

  const auto refractory = static_cast<std::size_t>(std::lround(0.2 * rateHz));
  const auto search = static_cast<std::size_t>(std::lround(0.1 * rateHz));
  std::vector<std::size_t> beats;
  std::size_t i = 0;
  while (i < n) {
    if (integrated[i] < threshold) {
      ++i;
      continue;
    }
    // One region above the threshold is one complex; the integration lags the R peak by up to a window, so
    // the peak is the largest deflection of the filtered lead from a window before the region to its end.
    std::size_t end = i;
    while (end < n && integrated[end] >= threshold) ++end;
    const std::size_t from = i > window + search ? i - window - search : 0, to = std::min(n, end + search);
    std::size_t peak = from;
    for (std::size_t k = from; k < to; ++k)
      if (std::abs(filtered[k]) > std::abs(filtered[peak])) peak = k;
    if (beats.empty() || peak >= beats.back() + refractory) beats.push_back(peak);
    i = std::max(end, peak + refractory);
  }
  return beats;
}

HeartRate heartRate(const Record& record) {
  HeartRate best;
  double bestSpread = INFINITY, leadIISpread = INFINITY;
  HeartRate leadII;
  for (std::size_t l = 0; l < record.leads.size(); ++l) {
    HeartRate h;
    h.lead = record.leads[l];
    h.beats = detectBeats(record.microvolts[l], record.samplingRateHz);
    if (h.beats.size() < 3) continue;
    const std::vector<double> rr = intervals(h.beats, record.samplingRateHz);
    h.beatsPerMinute = 60.0 / median(rr);
    const double spread = irregularity(rr);
    if (spread < bestSpread) {
      bestSpread = spread;
      best = h;
    }
    if (h.lead == "II") {
      leadIISpread = spread;
      leadII = h;
    }
  }
  if (leadIISpread <= bestSpread + 0.02) return leadII;
  return best;
}

}  // namespace krait::ecg
