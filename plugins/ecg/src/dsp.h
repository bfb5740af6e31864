// Signal processing of one ECG lead for the model input (spec plugins.md §2.3): resampling to the model's rate,
// the Butterworth band-pass run forward and backward, per-lead z-score and fitting to the model's window length.
// Every function reproduces the scipy 1.10 / numpy 1.24 call named in its comment (the ISIBrno-AIMT pipeline the
// model was trained with) to about 1e-12 relative; tests/ecg/dsp_test.cpp checks them against scipy's outputs.
// Bad arguments throw std::invalid_argument naming the function and the value.
#pragma once

#include <cstddef>
#include <vector>

namespace krait::ecg {

// scipy.signal.resample_poly(x, up, down): zero-stuff by `up`, low-pass with scipy's Kaiser (beta 5) FIR of
// 20 * max(up, down) + 1 taps, keep every `down`-th sample; the signal is zero outside its ends (padtype 'constant').
// Returns ceil(x.size() * up / down) samples. up and down >= 1.
std::vector<double> resamplePoly(const std::vector<double>& x, int up, int down);

// scipy.signal.resample(x, num): Fourier resampling of a real signal to `num` samples (spectrum truncated or
// zero-padded, the shared Nyquist bin split or joined as scipy does). Assumes the signal is periodic. num >= 1.
std::vector<double> resampleFft(const std::vector<double>& x, std::size_t num);

struct FilterCoefficients {
  std::vector<double> b;  // numerator, order 2 * filter order + 1
  std::vector<double> a;  // denominator, a[0] == 1
};

// scipy.signal.butter(order, [lowHz, highHz], btype='bandpass', fs=fsHz) in transfer-function form.
// Order 3, 1-47 Hz at 500 Hz (ISIBrno) gives 7 b and 7 a. Needs 0 < lowHz < highHz < fsHz / 2.
FilterCoefficients butterBandpass(int order, double lowHz, double highHz, double fsHz);

// scipy.signal.filtfilt(b, a, x) with its defaults: odd extension by padlen = 3 * max(a.size(), b.size()) samples
// at each end, each pass started from lfilter_zi(b, a) times its first sample. x needs more than padlen samples.
std::vector<double> filtfilt(const std::vector<double>& b, const std::vector<double>& a, const std::vector<double>& x);

// scipy.stats.zscore(x) (population std, ddof 0) followed by numpy.nan_to_num, as ISIBrno does: a constant lead
// (every sample equal, which scipy marks NaN) gives zeros. A lead constant only before the band-pass is not caught:
// filtfilt leaves a residue of ~1e-11 of its offset, whose sign and shape depend on rounding, and this scales it to
// unit variance (scipy too), so such leads should be found and zeroed before filtering.
std::vector<double> zscore(const std::vector<double>& x);

// x preceded by zeros up to `length` samples (ISIBrno's zeropad, the model's pad side). x.size() <= length.
std::vector<double> padLeft(const std::vector<double>& x, std::size_t length);

// The `length` samples of x from `start` on. start + length <= x.size().
std::vector<double> crop(const std::vector<double>& x, std::size_t start, std::size_t length);

// Where the model windows of a lead of `samples` >= `length` samples start (spec §2.3 step 4): 0, stride,
// 2 * stride, ... while the window fits, plus a last window ending at the last sample when the stride does not
// land there, so no sample is left out. Shorter leads are one padLeft window instead. length, stride >= 1.
std::vector<std::size_t> windowStarts(std::size_t samples, std::size_t length, std::size_t stride);

// ISIBrno's resampling policy (team_code.py preprocessing(), written for toHz = 500): unchanged when the rates are
// equal, resamplePoly(x, 1, 2) when fromHz == 2 * toHz (1000 -> 500), otherwise resampleFft to
// int(x.size() * toHz / fromHz) samples (truncated, as Python's int() does). Both rates > 0.
std::vector<double> resampleTo(const std::vector<double>& x, double fromHz, double toHz);

}  // namespace krait::ecg
