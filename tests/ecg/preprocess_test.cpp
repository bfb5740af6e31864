// The ECG plugin's pre-processing of the real 12-lead DICOM ECG against ISIBrno's pipeline run with scipy
// (tests/fixtures/ecg/make_preprocess_golden.py), what it says it did, and the heart rate against the
// device's own measurement in the file.
#include "preprocess.h"

#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>

#include "dicom_ecg.h"
#include "heart_rate.h"
#include "testdata.h"

using namespace krait::ecg;

namespace {

const Record& real() {
  static const Record r = readDicomEcg(krait::test::testData("ecg/waveform_ecg.dcm").string());
  return r;
}

InputContract isibrno() { return isibrnoInput(8192); }

bool hasNote(const NetworkInput& in, const std::string& text) {
  for (const std::string& n : in.notes)
    if (n.find(text) != std::string::npos) return true;
  return false;
}

}  // namespace

TEST(EcgPreprocess, MatchesScipyOnTheRealRecording) {
  std::ifstream file(std::string(KRAIT_FIXTURES) + "/ecg/preprocess/waveform_ecg_golden.json");
  const nlohmann::json golden = nlohmann::json::parse(file);
  const NetworkInput in = prepareInput(real(), isibrno());
  ASSERT_EQ(in.windows, 1);
  ASSERT_EQ(in.leads, 12);
  ASSERT_EQ(in.length, 8192);
  const auto places = golden["places"].get<std::vector<int64_t>>();
  for (int64_t l = 0; l < 12; ++l) {
    const float* lead = in.values.data() + l * in.length;
    double sum = 0, squares = 0;
    for (int64_t t = 0; t < in.length; ++t) {
      sum += lead[t];
      squares += static_cast<double>(lead[t]) * lead[t];
    }
    // z-scored: the sum is ~0, so compare it absolutely; the squares are the real samples' count.
    EXPECT_NEAR(sum, golden["sum"][l].get<double>(), 1e-2) << "lead " << l;
    EXPECT_NEAR(squares, golden["sum_of_squares"][l].get<double>(), 1e-3) << "lead " << l;
    for (size_t k = 0; k < places.size(); ++k)
      EXPECT_NEAR(lead[places[k]], golden["values"][l][k].get<double>(), 1e-5) << "lead " << l << " sample " << places[k];
  }
  EXPECT_TRUE(hasNote(in, "resampled from 1000 Hz to 500 Hz"));
  EXPECT_TRUE(hasNote(in, "padded from 5000 to 8192 samples"));
}

TEST(EcgPreprocess, DerivesMissingLimbLeadsFromIAndII) {
  Record r = real();
  const int avr = findLead(r, "aVR");
  ASSERT_GE(avr, 0);
  const std::vector<float> recorded = r.microvolts[avr];
  r.leads.erase(r.leads.begin() + avr);
  r.microvolts.erase(r.microvolts.begin() + avr);
  const NetworkInput derived = prepareInput(r, isibrno()), original = prepareInput(real(), isibrno());
  EXPECT_TRUE(hasNote(derived, "leads aVR derived from I and II"));
  // The device derives aVR from I and II itself (Goldberger), so the derived lead is the recorded one up to
  // the samples' rounding.
  double worst = 0;
  for (int64_t t = 0; t < derived.length; ++t)
    worst = std::max(worst, std::abs(static_cast<double>(derived.values[3 * derived.length + t] - original.values[3 * original.length + t])));
  EXPECT_LT(worst, 0.02);
}

TEST(EcgPreprocess, LongRecordingsAreWindowedAndAbsentLeadsSaid) {
  Record r = real();
  r.leads.resize(6);  // limb leads only, one of them disconnected
  r.microvolts.resize(6);
  std::fill(r.microvolts[4].begin(), r.microvolts[4].end(), 250.0f);
  InputContract in = isibrno();
  in.length = 2048;
  in.windowStride = 1024;
  const NetworkInput out = prepareInput(r, in);
  EXPECT_EQ(out.windows, 4);  // 5000 samples: windows at 0, 1024, 2048 and 2952 (the last ends at the last sample)
  EXPECT_TRUE(hasNote(out, "leads V1, V2, V3, V4, V5, V6 absent: zeros"));
  EXPECT_TRUE(hasNote(out, "4 windows, probabilities by max"));
  EXPECT_TRUE(hasNote(out, "leads aVL flat: zeros"));
  for (int64_t t = 0; t < out.length; ++t) ASSERT_EQ(out.values[4 * out.length + t], 0.0f);
}

TEST(EcgPreprocess, RefusesWhatCannotMakeAnInput) {
  Record r = real();
  r.leads = {"X", "Y"};
  r.microvolts.resize(2);
  try {
    prepareInput(r, isibrno());
    FAIL() << "leads the model does not take were accepted";
  } catch (const FileError& e) {
    EXPECT_NE(std::string(e.what()).find("waveform_ecg.dcm: has none of the model's leads"), std::string::npos) << e.what();
  }
  Record shortOne = real();
  for (auto& lead : shortOne.microvolts) lead.resize(30);
  EXPECT_THROW(prepareInput(shortOne, isibrno()), FileError);
}

TEST(EcgHeartRate, AgreesWithTheDevicesRrInterval) {
  ASSERT_EQ(real().measurements.at("RR interval"), "982 ms");
  const HeartRate h = heartRate(real());
  EXPECT_EQ(h.lead, "II");
  EXPECT_EQ(h.beats.size(), 10u);  // 10 s at 61 /min
  EXPECT_NEAR(h.beatsPerMinute, 60000.0 / 982.0, 1.0);
}

TEST(EcgHeartRate, FindsTheRateOfARegularSyntheticRhythm) {
  // Narrow 1 mV complexes every 750 ms (80 /min) on a slow baseline wander, 10 s at 500 Hz.
  Record r;
  r.samplingRateHz = 500;
  r.leads = {"II"};
  r.microvolts.assign(1, std::vector<float>(5000));
  for (size_t t = 0; t < 5000; ++t) {
    const double s = t / 500.0, phase = std::fmod(s, 0.75) - 0.3;
    r.microvolts[0][t] = static_cast<float>(1000 * std::exp(-phase * phase / (2 * 0.01 * 0.01)) + 200 * std::sin(2 * M_PI * 0.3 * s));
  }
  const HeartRate h = heartRate(r);
  EXPECT_NEAR(h.beatsPerMinute, 80.0, 0.5);
  EXPECT_EQ(h.beats.size(), 13u);  // complexes at 0.3, 1.05, ... 9.3 s
}
