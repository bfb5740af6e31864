// The ECG signal processing against scipy's outputs (tests/fixtures/ecg/dsp, written by make_dsp_goldens.py with
// scipy 1.10.1), and its answers to bad input.
#include "dsp.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <limits>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>
#include <vector>

namespace krait::ecg {
namespace {

using nlohmann::json;

// Tolerances, relative to the largest golden value. The goldens' last bits depend on numpy's CPU dispatch (its
// AVX-512 tan and sin, OpenBLAS kernels), so nothing is compared bit for bit.
// Resampling, z-score and filter design: measured <= 1.5e-15 (scipy 1.10.1, numpy 1.24.2, AVX-512 x86-64).
constexpr double kTolerance = 1e-12;
// filtfilt with scipy's own b, a: lfilter_zi solves (I - A) zi = b[1:] - a[1:] b[0], whose condition number is
// 1.4e9 for ISIBrno's filter (three poles near z = 1); LAPACK's zi is itself only good to ~1e-8 and the output
// moves by ~2e-10 with it. Measured 2.4e-10.
constexpr double kFiltfiltTolerance = 1e-9;
// The whole pre-processing: the transfer-function coefficients of that filter are ill-conditioned too. numpy's
// AVX-512 tan is one ulp off the correctly rounded value glibc gives for the 47 Hz edge, which moves a[] by up to 4
// ulps and scipy's own output by 1.2e-8 (1 in 7 float32 model inputs). Measured 8.3e-9.
constexpr double kPipelineTolerance = 3e-8;

json golden(const std::string& name) {
  const std::string path = std::string(KRAIT_FIXTURES) + "/ecg/dsp/" + name;
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot open " + path + " (written by tests/fixtures/ecg/make_dsp_goldens.py)");
  return json::parse(in);
}

std::vector<double> doubles(const json& j) { return j.get<std::vector<double>>(); }

std::vector<double> prefix(const std::vector<double>& x, std::size_t n) { return {x.begin(), x.begin() + n}; }

std::vector<double> everyNth(const std::vector<double>& x, std::size_t step) {
  std::vector<double> out;
  for (std::size_t i = 0; i < x.size(); i += step) out.push_back(x[i]);
  return out;
}

// Largest |actual - expected| relative to the largest |expected|: samples near zero have no meaningful relative
// error of their own. Recorded as a test property (see --gtest_output=xml).
void expectClose(const std::vector<double>& actual, const std::vector<double>& expected, const std::string& what,
                 double tolerance = kTolerance) {
  ASSERT_EQ(actual.size(), expected.size()) << what;
  double scale = 0.0, error = 0.0;
  for (std::size_t i = 0; i < expected.size(); ++i) {
    scale = std::max(scale, std::abs(expected[i]));
    error = std::max(error, std::abs(actual[i] - expected[i]));
  }
  const double relative = scale > 0.0 ? error / scale : error;
  char text[32];
  std::snprintf(text, sizeof text, "%.3g", relative);
  ::testing::Test::RecordProperty(what, text);
  EXPECT_LE(relative, tolerance) << what;
}

TEST(EcgDsp, ResamplePolyMatchesScipy) {
  const json g = golden("resample_poly.json");
  const std::vector<double> x = doubles(g["input"]);
  for (const json& c : g["cases"]) {
    const int up = c["up"], down = c["down"];
    expectClose(resamplePoly(x, up, down), doubles(c["output"]),
                "resample_poly " + std::to_string(up) + "/" + std::to_string(down));
  }
}

TEST(EcgDsp, ResamplePolyReducesTheRatio) {
  const std::vector<double> x = doubles(golden("resample_poly.json")["input"]);
  EXPECT_EQ(resamplePoly(x, 4, 6), resamplePoly(x, 2, 3));
  EXPECT_EQ(resamplePoly(x, 3, 3), x);
}

TEST(EcgDsp, ResamplePolyRejectsBadFactors) {
  const std::vector<double> x(100, 1.0);
  EXPECT_THROW(resamplePoly(x, 0, 2), std::invalid_argument);
  EXPECT_THROW(resamplePoly(x, 1, 0), std::invalid_argument);
  EXPECT_THROW(resamplePoly(x, -1, 2), std::invalid_argument);
  EXPECT_THROW(resamplePoly({}, 1, 2), std::invalid_argument);
}

TEST(EcgDsp, ResampleFftMatchesScipy) {
  const json g = golden("resample_fft.json");
  const std::vector<double> x = doubles(g["input"]);
  for (const json& c : g["cases"]) {
    const std::size_t samples = c["samples"], num = c["num"];
    expectClose(resampleFft(prefix(x, samples), num), doubles(c["output"]),
                "resample " + std::to_string(samples) + "->" + std::to_string(num));
  }
}

TEST(EcgDsp, ResampleFftRejectsEmptyInputAndOutput) {
  EXPECT_THROW(resampleFft(std::vector<double>(10, 1.0), 0), std::invalid_argument);
  EXPECT_THROW(resampleFft({}, 10), std::invalid_argument);
}

// A 10 s, 12-lead record at 257 Hz (2570 samples, 257 prime) to 500 Hz, the slowest common case, in under a second
// (about 60 ms at -O2).
TEST(EcgDsp, ResampleFftIsFastForATwelveLeadRecord) {
  const std::vector<double> x = doubles(golden("pipeline.json")["cases"][0]["input"]);
  ASSERT_EQ(x.size(), 2570u);
  const auto start = std::chrono::steady_clock::now();
  for (int lead = 0; lead < 12; ++lead) ASSERT_EQ(resampleFft(x, 5000).size(), 5000u);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  ::testing::Test::RecordProperty("resample 12 x 2570 -> 5000 ms", static_cast<int>(seconds * 1000.0));
  EXPECT_LT(seconds, 1.0);
}

TEST(EcgDsp, ButterBandpassMatchesScipy) {
  const json g = golden("butter.json");
  for (const json& c : g["cases"]) {
    const FilterCoefficients f = butterBandpass(c["order"], c["low"], c["high"], c["fs"]);
    const std::string what = "butter order " + c["order"].dump() + " " + c["low"].dump() + "-" + c["high"].dump() +
                             " Hz at " + c["fs"].dump();
    expectClose(f.b, doubles(c["b"]), what + " b");
    expectClose(f.a, doubles(c["a"]), what + " a");
  }
}

TEST(EcgDsp, ButterBandpassRejectsBadBands) {
  EXPECT_THROW(butterBandpass(0, 1.0, 47.0, 500.0), std::invalid_argument);
  EXPECT_THROW(butterBandpass(3, 0.0, 47.0, 500.0), std::invalid_argument);
  EXPECT_THROW(butterBandpass(3, 47.0, 1.0, 500.0), std::invalid_argument);
  EXPECT_THROW(butterBandpass(3, 1.0, 250.0, 500.0), std::invalid_argument);
  EXPECT_THROW(butterBandpass(3, 1.0, 47.0, 0.0), std::invalid_argument);
  EXPECT_THROW(butterBandpass(3, 1.0, 47.0, std::numeric_limits<double>::quiet_NaN()), std::invalid_argument);
}

TEST(EcgDsp, FiltfiltMatchesScipy) {
  const json g = golden("filtfilt.json");
  const std::vector<double> x = doubles(g["input"]);
  for (const json& c : g["cases"]) {
    const std::size_t samples = c["samples"];
    expectClose(filtfilt(doubles(c["b"]), doubles(c["a"]), prefix(x, samples)), doubles(c["output"]),
                "filtfilt " + std::to_string(c["b"].size()) + " taps, " + std::to_string(samples) + " samples",
                kFiltfiltTolerance);
  }
}

// scipy raises for len(x) <= padlen = 3 * max(len(a), len(b)); 21 for ISIBrno's 7 + 7 coefficients.
TEST(EcgDsp, FiltfiltRejectsSignalsNotLongerThanPadlen) {
  const FilterCoefficients f = butterBandpass(3, 1.0, 47.0, 500.0);
  try {
    filtfilt(f.b, f.a, std::vector<double>(21, 1.0));
    FAIL() << "21 samples were accepted";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("padlen = 3 * 7 = 21"), std::string::npos) << e.what();
  }
  EXPECT_EQ(filtfilt(f.b, f.a, std::vector<double>(22, 1.0)).size(), 22u);
  EXPECT_THROW(filtfilt(f.b, {0.0, 1.0}, std::vector<double>(100, 1.0)), std::invalid_argument);
  EXPECT_THROW(filtfilt({}, f.a, std::vector<double>(100, 1.0)), std::invalid_argument);
}

TEST(EcgDsp, ZscoreMatchesScipy) {
  const json g = golden("zscore.json");
  for (const char* name : {"short", "constant", "filtered_constant"})
    expectClose(zscore(doubles(g[name]["input"])), doubles(g[name]["output"]), std::string("zscore ") + name);

  // 20000 samples: numpy's mean and std sum in 8192-value blocks.
  const json& longLead = g["long"];
  std::vector<double> x(longLead["samples"].get<std::size_t>());
  for (std::size_t i = 0; i < x.size(); ++i) x[i] = static_cast<double>((i * 7919) % 1000) / 8.0 - 60.0;
  expectClose(everyNth(zscore(x), longLead["every"]), doubles(longLead["output"]), "zscore long");
}

TEST(EcgDsp, ZscoreOfAFlatLeadIsZero) {
  EXPECT_EQ(zscore(std::vector<double>(5000, 0.1)), std::vector<double>(5000, 0.0));
  EXPECT_EQ(zscore({}), std::vector<double>{});
}

TEST(EcgDsp, PadLeftPutsZerosFirst) {
  EXPECT_EQ(padLeft({1.0, 2.0, 3.0}, 5), (std::vector<double>{0.0, 0.0, 1.0, 2.0, 3.0}));
  EXPECT_EQ(padLeft({1.0, 2.0}, 2), (std::vector<double>{1.0, 2.0}));
  EXPECT_THROW(padLeft({1.0, 2.0, 3.0}, 2), std::invalid_argument);
}

TEST(EcgDsp, CropTakesASpan) {
  EXPECT_EQ(crop({1.0, 2.0, 3.0, 4.0}, 1, 2), (std::vector<double>{2.0, 3.0}));
  EXPECT_EQ(crop({1.0, 2.0, 3.0, 4.0}, 4, 0), std::vector<double>{});
  EXPECT_THROW(crop({1.0, 2.0, 3.0, 4.0}, 3, 2), std::invalid_argument);
  EXPECT_THROW(crop({1.0, 2.0, 3.0, 4.0}, 5, 0), std::invalid_argument);
}

TEST(EcgDsp, WindowStartsCoverTheWholeLead) {
  using Starts = std::vector<std::size_t>;
  EXPECT_EQ(windowStarts(8192, 8192, 4096), (Starts{0}));
  EXPECT_EQ(windowStarts(10000, 8192, 4096), (Starts{0, 1808}));
  EXPECT_EQ(windowStarts(16384, 8192, 4096), (Starts{0, 4096, 8192}));
  EXPECT_EQ(windowStarts(20000, 8192, 4096), (Starts{0, 4096, 8192, 11808}));
  EXPECT_THROW(windowStarts(5000, 8192, 4096), std::invalid_argument);
  EXPECT_THROW(windowStarts(10000, 8192, 0), std::invalid_argument);
  EXPECT_THROW(windowStarts(10000, 0, 4096), std::invalid_argument);
}

TEST(EcgDsp, ResampleToFollowsIsibrno) {
  const std::vector<double> x = doubles(golden("resample_poly.json")["input"]);  // 400 samples
  EXPECT_EQ(resampleTo(x, 500.0, 500.0), x);
  EXPECT_EQ(resampleTo(x, 1000.0, 500.0), resamplePoly(x, 1, 2));
  EXPECT_EQ(resampleTo(x, 250.0, 500.0), resampleFft(x, 800));   // FFT, not polyphase, for 250 Hz
  EXPECT_EQ(resampleTo(x, 257.0, 500.0).size(), 778u);           // int(400 * 500 / 257) = int(778.2)
  EXPECT_EQ(resampleTo(x, 2000.0, 500.0), resampleFft(x, 100));  // only 2:1 goes polyphase
  EXPECT_THROW(resampleTo(x, 0.0, 500.0), std::invalid_argument);
  EXPECT_THROW(resampleTo(x, 500.0, 0.0), std::invalid_argument);
  EXPECT_THROW(resampleTo(x, -257.0, 500.0), std::invalid_argument);
  EXPECT_THROW(resampleTo(x, std::numeric_limits<double>::infinity(), 500.0), std::invalid_argument);
  EXPECT_THROW(resampleTo({1.0}, 1000.0, 1.0), std::invalid_argument);  // int(1 * 1 / 1000) = 0 samples
  EXPECT_THROW(resampleTo({}, 257.0, 500.0), std::invalid_argument);
}

// ISIBrno's preprocessing() for one lead: resample to 500 Hz, band-pass 1-47 Hz forward and backward, z-score,
// left zero-pad to 8192.
TEST(EcgDsp, PipelineMatchesIsibrnoPreprocessing) {
  const FilterCoefficients f = butterBandpass(3, 1.0, 47.0, 500.0);
  const json g = golden("pipeline.json");
  for (const json& c : g["cases"]) {
    const std::vector<double> resampled = resampleTo(doubles(c["input"]), c["fs"], 500.0);
    ASSERT_EQ(resampled.size(), c["resampled_samples"].get<std::size_t>());
    const std::vector<double> input = padLeft(zscore(filtfilt(f.b, f.a, resampled)), c["length"]);
    expectClose(everyNth(input, c["every"]), doubles(c["output"]), "pipeline from " + c["fs"].dump() + " Hz",
                kPipelineTolerance);
  }
}

}  // namespace
}  // namespace krait::ecg
