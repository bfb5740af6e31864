// The synthetic ECG generator: its recordings measured from the signal, roughly as a reader of ECGs would (median
// beat, calipers on the spatial magnitude, net QRS areas), against the classes asked for and the truth it reports.
#include "synthetic_ecg.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <map>
#include <numbers>
#include <numeric>
#include <optional>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

#include "classes.h"
#include "dsp.h"
#include "heart_rate.h"

namespace krait::ecg {
namespace {

const std::string kNsr = "426783006", kSb = "426177001", kSTach = "427084000", kAf = "164889003",
                  kIavb = "270492004", kRbbb = "59118001", kLbbb = "164909002", kLad = "39732003",
                  kRad = "47665007", kPvc = "427172004", kPac = "284470004";

// Recordings per class in the statistical tests: enough to meet most draws of the generator's ranges.
constexpr std::uint64_t kSeeds = 20;

Record make(std::uint64_t seed, const std::vector<std::string>& codes, std::optional<double> bpm = std::nullopt) {
  std::mt19937_64 rng(seed);
  return synthesizeEcg(rng, SyntheticSpec{codes, 500.0, 10.0, bpm});
}

double truth(const Record& record, const std::string& key) { return std::stod(record.measurements.at(key)); }

std::size_t leadIndex(const Record& record, const std::string& name) {
  return static_cast<std::size_t>(std::find(record.leads.begin(), record.leads.end(), name) - record.leads.begin());
}

std::vector<double> rrIntervals(const Record& record) {
  const std::vector<std::size_t> beats = heartRate(record).beats;
  std::vector<double> rr;
  for (std::size_t i = 1; i < beats.size(); ++i)
    rr.push_back(static_cast<double>(beats[i] - beats[i - 1]) / record.samplingRateHz);
  return rr;
}

double coefficientOfVariation(const std::vector<double>& x) {
  const double mean = std::accumulate(x.begin(), x.end(), 0.0) / static_cast<double>(x.size());
  double sq = 0.0;
  for (double v : x) sq += (v - mean) * (v - mean);
  return std::sqrt(sq / static_cast<double>(x.size())) / mean;
}

double median(std::vector<double> x) {
  std::sort(x.begin(), x.end());
  return x[x.size() / 2];
}

// The average beat of a recording whose beats all look alike: every lead band-passed 0.5-40 Hz (removing baseline
// wander, mains hum and most muscle noise) and averaged over the detected beats from 0.5 s before each R peak to
// 0.5 s after; each lead then measured from its isoelectric level just before the QRS. The QRS is the run around
// the R peak where the spatial magnitude of the independent leads (I, II, V1-V6) exceeds 5 % of its peak.
struct AverageBeat {
  double rateHz = 0.0;
  std::vector<std::vector<double>> leads;  // the record's order, microvolts from the isoelectric level
  std::size_t qrsOn = 0, qrsOff = 0;       // first and last QRS samples

  double ms(std::size_t samples) const { return 1000.0 * static_cast<double>(samples) / rateHz; }
  double area(std::size_t lead) const {
    return std::accumulate(leads[lead].begin() + static_cast<std::ptrdiff_t>(qrsOn),
                           leads[lead].begin() + static_cast<std::ptrdiff_t>(qrsOff) + 1, 0.0);
  }
};

AverageBeat averageBeat(const Record& record) {
  AverageBeat beat;
  beat.rateHz = record.samplingRateHz;
  const auto half = static_cast<std::size_t>(0.5 * record.samplingRateHz);
  const FilterCoefficients band = butterBandpass(2, 0.5, 40.0, record.samplingRateHz);
  const std::vector<std::size_t> peaks = heartRate(record).beats;
  beat.leads.assign(record.leads.size(), std::vector<double>(2 * half + 1, 0.0));
  for (std::size_t l = 0; l < record.leads.size(); ++l) {
    const std::vector<float>& raw = record.microvolts[l];
    const std::vector<double> x = filtfilt(band.b, band.a, std::vector<double>(raw.begin(), raw.end()));
    int used = 0;
    for (std::size_t p : peaks) {
      if (p < half || p + half >= x.size()) continue;
      for (std::size_t i = 0; i <= 2 * half; ++i) beat.leads[l][i] += x[p - half + i];
      ++used;
    }
    for (double& v : beat.leads[l]) v /= used;
  }
  const std::vector<std::size_t> independent{0, 1, 6, 7, 8, 9, 10, 11};
  // Twice: first from each lead's median level, then from its level in the 10 ms before the QRS found.
  for (int pass = 0; pass < 2; ++pass) {
    for (auto& lead : beat.leads) {
      double level = 0.0;
      if (pass == 0) {
        level = median(lead);
      } else {
        const auto n = static_cast<std::size_t>(0.01 * beat.rateHz);
        level = std::accumulate(lead.begin() + static_cast<std::ptrdiff_t>(beat.qrsOn - n),
                                lead.begin() + static_cast<std::ptrdiff_t>(beat.qrsOn), 0.0) / static_cast<double>(n);
      }
      for (double& v : lead) v -= level;
    }
    std::vector<double> magnitude(2 * half + 1, 0.0);
    for (std::size_t i = 0; i < magnitude.size(); ++i) {
      for (std::size_t l : independent) magnitude[i] += beat.leads[l][i] * beat.leads[l][i];
      magnitude[i] = std::sqrt(magnitude[i]);
    }
    const auto search = static_cast<std::size_t>(0.06 * beat.rateHz);
    const auto peak = static_cast<std::size_t>(
        std::max_element(magnitude.begin() + static_cast<std::ptrdiff_t>(half - search),
                         magnitude.begin() + static_cast<std::ptrdiff_t>(half + search)) - magnitude.begin());
    // Where the QRS meets a P or T wave with no isoelectric segment between, the magnitude has a trough instead.
    const auto inQrs = [&](std::size_t from, std::size_t to) {
      return magnitude[to] > 0.05 * magnitude[peak] && (magnitude[to] > 0.15 * magnitude[peak] || magnitude[to] < magnitude[from]);
    };
    beat.qrsOn = beat.qrsOff = peak;
    while (beat.qrsOn > 0 && inQrs(beat.qrsOn, beat.qrsOn - 1)) --beat.qrsOn;
    while (beat.qrsOff + 1 < magnitude.size() && inQrs(beat.qrsOff, beat.qrsOff + 1)) ++beat.qrsOff;
  }
  return beat;
}

double qrsWidthMs(const AverageBeat& beat) { return beat.ms(beat.qrsOff - beat.qrsOn + 1); }

// The frontal QRS axis from the net QRS areas of I and aVF on the hexaxial reference, degrees.
double axisDegrees(const AverageBeat& beat) {
  return std::atan2(beat.area(5) * 2.0 / std::sqrt(3.0), beat.area(0)) * 180.0 / std::numbers::pi;
}

// PR from lead II: the P onset is where the P wave (the largest deflection 60-350 ms before the QRS) last rises
// above 15 % of its peak, walking back from the peak.
double prMs(const AverageBeat& beat) {
  const std::vector<double>& ii = beat.leads[1];
  const auto at = [&](double seconds) { return static_cast<std::size_t>(seconds * beat.rateHz); };
  std::size_t peak = beat.qrsOn - at(0.35);
  for (std::size_t i = peak; i < beat.qrsOn - at(0.06); ++i)
    if (std::abs(ii[i]) > std::abs(ii[peak])) peak = i;
  std::size_t onset = peak;
  while (std::abs(ii[onset - 1]) > 0.15 * std::abs(ii[peak])) --onset;
  return beat.ms(beat.qrsOn - onset);
}

TEST(SyntheticEcg, SameSeedSameRecordingOtherSeedAnother) {
  const std::vector<std::string> codes{kNsr, kRbbb, kPvc};
  const Record a = make(7, codes), b = make(7, codes), c = make(8, codes);
  EXPECT_EQ(a.microvolts, b.microvolts);
  EXPECT_EQ(a.measurements, b.measurements);
  EXPECT_NE(a.microvolts, c.microvolts);
}

TEST(SyntheticEcg, RecordLayoutAndTruth) {
  std::mt19937_64 rng(1);
  const Record r = synthesizeEcg(rng, {kSb, kIavb}, 250.0, 6.0);
  EXPECT_EQ(r.leads, (std::vector<std::string>{"I", "II", "III", "aVR", "aVL", "aVF", "V1", "V2", "V3", "V4", "V5", "V6"}));
  EXPECT_EQ(r.samplingRateHz, 250.0);
  ASSERT_EQ(r.microvolts.size(), 12u);
  for (const auto& lead : r.microvolts) EXPECT_EQ(lead.size(), 1500u);
  EXPECT_EQ(r.diagnosisCodes, (std::vector<std::string>{kSb, kIavb}));
  EXPECT_EQ(r.info.at("source"), "synthetic");
  EXPECT_LT(truth(r, "heart rate"), 60.0);
  EXPECT_EQ(r.measurements.at("heart rate").substr(r.measurements.at("heart rate").find(' ')), " /min");
  EXPECT_EQ(r.measurements.at("PR interval").substr(r.measurements.at("PR interval").find(' ')), " ms");
  for (const char* key : {"QRS duration", "QT interval", "QRS axis"}) EXPECT_TRUE(r.measurements.contains(key)) << key;
  // Atrial fibrillation has no PR interval.
  EXPECT_FALSE(make(1, {kAf}).measurements.contains("PR interval"));
}

TEST(SyntheticEcg, LimbLeadsObeyEinthovenAndGoldberger) {
  for (const auto& codes : {std::vector<std::string>{kNsr}, {kAf, kLbbb, kPvc}, {kSTach, kRad, kPac}}) {
    const Record r = make(3, codes);
    const auto& m = r.microvolts;
    for (std::size_t i = 0; i < r.samples(); ++i) {
      const float leadI = m[0][i], leadII = m[1][i];
      ASSERT_NEAR(m[2][i], leadII - leadI, 1e-3) << i;
      ASSERT_NEAR(m[3][i], -(leadI + leadII) / 2.0f, 1e-3) << i;
      ASSERT_NEAR(m[4][i], leadI - leadII / 2.0f, 1e-3) << i;
      ASSERT_NEAR(m[5][i], leadII - leadI / 2.0f, 1e-3) << i;
    }
  }
}

TEST(SyntheticEcg, DetectedHeartRateMatchesTruth) {
  for (const auto& [code, bpm] : std::vector<std::pair<std::string, double>>{{kSb, 50.0}, {kNsr, 75.0}, {kSTach, 120.0}}) {
    for (std::uint64_t seed = 0; seed < kSeeds; ++seed) {
      const Record r = make(seed, {code}, bpm);
      EXPECT_EQ(truth(r, "heart rate"), bpm);
      EXPECT_NEAR(heartRate(r).beatsPerMinute, bpm, 3.0) << code << " seed " << seed;
    }
  }
}

TEST(SyntheticEcg, DrawnRatesFitTheRhythmCodes) {
  for (std::uint64_t seed = 0; seed < kSeeds; ++seed) {
    EXPECT_LT(truth(make(seed, {kSb}), "heart rate"), 60.0);
    const double normal = truth(make(seed, {kNsr}), "heart rate");
    EXPECT_GE(normal, 60.0);
    EXPECT_LE(normal, 100.0);
    EXPECT_GT(truth(make(seed, {kSTach}), "heart rate"), 100.0);
  }
}

TEST(SyntheticEcg, FibrillationIsIrregularAndSinusRegular) {
  for (std::uint64_t seed = 0; seed < kSeeds; ++seed) {
    EXPECT_GT(coefficientOfVariation(rrIntervals(make(seed, {kAf}))), 0.1) << seed;
    EXPECT_LT(coefficientOfVariation(rrIntervals(make(seed, {kNsr}))), 0.05) << seed;
  }
}

TEST(SyntheticEcg, FirstDegreeBlockProlongsPr) {
  for (std::uint64_t seed = 0; seed < kSeeds; ++seed) {
    // 60 /min leaves a clean TP segment before even a long PR.
    const Record block = make(seed, {kSb, kIavb}, 59.0), normal = make(seed, {kNsr}, 60.0);
    EXPECT_GT(truth(block, "PR interval"), 200.0);
    EXPECT_GE(truth(normal, "PR interval"), 120.0);
    EXPECT_LE(truth(normal, "PR interval"), 200.0);
    const double blockPr = prMs(averageBeat(block)), normalPr = prMs(averageBeat(normal));
    EXPECT_GT(blockPr, 200.0) << seed;
    EXPECT_NEAR(blockPr, truth(block, "PR interval"), 25.0) << seed;
    EXPECT_GE(normalPr, 110.0) << seed;
    EXPECT_LE(normalPr, 200.0) << seed;
    EXPECT_NEAR(normalPr, truth(normal, "PR interval"), 25.0) << seed;
  }
}

TEST(SyntheticEcg, QrsWidthSeparatesBundleBranchBlocks) {
  for (std::uint64_t seed = 0; seed < kSeeds; ++seed) {
    for (const auto& codes : {std::vector<std::string>{kNsr}, {kSTach}, {kAf}, {kSb, kLad}}) {
      const Record r = make(seed, codes);
      EXPECT_LT(truth(r, "QRS duration"), 110.0);
      EXPECT_LT(qrsWidthMs(averageBeat(r)), 110.0) << codes.front() << " seed " << seed;
    }
    for (const auto& codes : {std::vector<std::string>{kNsr, kRbbb}, {kNsr, kLbbb}, {kAf, kRbbb}, {kSTach, kLbbb}}) {
      const Record r = make(seed, codes);
      EXPECT_GE(truth(r, "QRS duration"), 120.0);
      EXPECT_GE(qrsWidthMs(averageBeat(r)), 120.0) << codes[1] << " seed " << seed;
    }
  }
}

TEST(SyntheticEcg, RightBundleBranchBlockHasRPrimeInV1AndSlurredS) {
  for (std::uint64_t seed = 0; seed < kSeeds; ++seed) {
    const AverageBeat beat = averageBeat(make(seed, {kNsr, kRbbb}));
    const std::size_t third = (beat.qrsOff - beat.qrsOn) / 3;
    const auto extreme = [&](std::size_t lead, std::size_t from, std::size_t to, bool max) {
      const auto b = beat.leads[lead].begin();
      return max ? *std::max_element(b + static_cast<std::ptrdiff_t>(from), b + static_cast<std::ptrdiff_t>(to))
                 : *std::min_element(b + static_cast<std::ptrdiff_t>(from), b + static_cast<std::ptrdiff_t>(to));
    };
    const std::size_t v1 = 6, v6 = 11, lastThird = beat.qrsOff - third;
    // rsR': a terminal R' taller than the initial r, after an S below the line.
    const double rPrime = extreme(v1, lastThird, beat.qrsOff + 1, true);
    EXPECT_GT(rPrime, 200.0) << seed;
    EXPECT_GT(rPrime, extreme(v1, beat.qrsOn, beat.qrsOn + third, true)) << seed;
    EXPECT_LT(extreme(v1, beat.qrsOn, lastThird, false), 0.0) << seed;
    // Terminal S in I and V6.
    EXPECT_LT(extreme(0, lastThird, beat.qrsOff + 1, false), -50.0) << seed;
    EXPECT_LT(extreme(v6, lastThird, beat.qrsOff + 1, false), -50.0) << seed;
  }
}

TEST(SyntheticEcg, LeftBundleBranchBlockHasNegativeV1AndNoSeptalQ) {
  for (std::uint64_t seed = 0; seed < kSeeds; ++seed) {
    const AverageBeat beat = averageBeat(make(seed, {kNsr, kLbbb}));
    double positive = 0.0, negative = 0.0;
    for (std::size_t i = beat.qrsOn; i <= beat.qrsOff; ++i) (beat.leads[6][i] > 0 ? positive : negative) += beat.leads[6][i];
    EXPECT_GT(-negative, 4.0 * positive) << seed;  // V1 QRS mostly negative (QS or rS)
    // No septal q: I and V6 do not dip in the first 30 ms, and their QRS is positive.
    const auto early = static_cast<std::size_t>(0.03 * beat.rateHz);
    for (std::size_t lead : {std::size_t{0}, std::size_t{11}}) {
      EXPECT_GT(*std::min_element(beat.leads[lead].begin() + static_cast<std::ptrdiff_t>(beat.qrsOn),
                                  beat.leads[lead].begin() + static_cast<std::ptrdiff_t>(beat.qrsOn + early)), -50.0)
          << lead << " seed " << seed;
      EXPECT_GT(beat.area(lead), 0.0) << lead << " seed " << seed;
    }
  }
}

TEST(SyntheticEcg, AxisFromLeadsIAndAvfMatchesTheLabels) {
  for (std::uint64_t seed = 0; seed < kSeeds; ++seed) {
    for (const auto& codes : {std::vector<std::string>{kNsr}, {kNsr, kLad}, {kNsr, kRad}, {kAf, kRbbb, kLad},
                              {kSb, kLbbb}, {kSTach, kRbbb, kRad}}) {
      const Record r = make(seed, codes);
      const double measured = axisDegrees(averageBeat(r)), reported = truth(r, "QRS axis");
      const bool left = std::find(codes.begin(), codes.end(), kLad) != codes.end();
      const bool right = std::find(codes.begin(), codes.end(), kRad) != codes.end();
      const std::string what = codes.back() + " seed " + std::to_string(seed);
      EXPECT_NEAR(measured, reported, 8.0) << what;
      if (left) EXPECT_LT(measured, -30.0) << what;
      if (right) EXPECT_GT(measured, 90.0) << what;
      if (!left && !right) EXPECT_TRUE(measured >= -30.0 && measured <= 90.0) << what << ": " << measured;
      if (left) EXPECT_TRUE(r.measurements.contains("QRS axis") && reported < -30.0) << what;
    }
  }
}

// Premature beats from the rhythm: an early beat, then a pause that is fully compensatory after a ventricular one
// (the sinus node keeps its pace) and shorter after an atrial one (the node is reset).
TEST(SyntheticEcg, PrematureBeatsComeEarlyWithTheirPauses) {
  for (std::uint64_t seed = 0; seed < kSeeds; ++seed) {
    for (const auto& [code, compensatory] : std::vector<std::pair<std::string, bool>>{{kPvc, true}, {kPac, false}}) {
      const Record r = make(seed, {kNsr, code});
      const std::vector<double> rr = rrIntervals(r);
      const double cycle = 60.0 / truth(r, "heart rate");
      int premature = 0;
      for (std::size_t i = 0; i + 1 < rr.size(); ++i) {
        if (rr[i] > 0.8 * cycle) continue;
        ++premature;
        const double pair = (rr[i] + rr[i + 1]) / cycle;
        if (compensatory) EXPECT_NEAR(pair, 2.0, 0.12) << code << " seed " << seed;
        else EXPECT_LT(pair, 1.92) << code << " seed " << seed;
      }
      EXPECT_GE(premature, 1) << code << " seed " << seed;
    }
  }
}

TEST(SyntheticEcg, RefusesWhatItCannotProduceOrContradicts) {
  std::mt19937_64 rng(1);
  const auto refused = [&](const std::vector<std::string>& codes) {
    EXPECT_THROW(synthesizeEcg(rng, codes), std::invalid_argument) << ::testing::PrintToString(codes);
  };
  refused({"164890007"});             // atrial flutter: scored, not produced
  refused({kNsr, "164890007"});
  refused({kNsr, "not-a-code"});
  refused({});                        // no rhythm
  refused({kRbbb});
  refused({kSb, kSTach});
  refused({kNsr, kSb});
  refused({kAf, kIavb});
  refused({kAf, kPac});
  refused({kNsr, kRbbb, kLbbb});
  refused({kNsr, kLad, kRad});
  EXPECT_THROW(synthesizeEcg(rng, SyntheticSpec{{kNsr}, 500.0, 10.0, 120.0}), std::invalid_argument);
  EXPECT_THROW(synthesizeEcg(rng, SyntheticSpec{{kSb}, 500.0, 10.0, 60.0}), std::invalid_argument);
  EXPECT_THROW(synthesizeEcg(rng, SyntheticSpec{{kSTach}, 500.0, 10.0, 100.0}), std::invalid_argument);
  EXPECT_THROW(synthesizeEcg(rng, {kNsr}, 0.0, 10.0), std::invalid_argument);
  EXPECT_THROW(synthesizeEcg(rng, {kNsr}, 500.0, -1.0), std::invalid_argument);
  // The challenge's equivalent codes are the same classes.
  EXPECT_NO_THROW(synthesizeEcg(rng, {kNsr, "713427006", "17338001"}));
}

TEST(SyntheticEcg, RandomDiagnosesCoverEveryClassAndAreAccepted) {
  std::mt19937_64 rng(5);
  std::map<std::string, int> counts;
  constexpr int kDraws = 2000;
  for (int i = 0; i < kDraws; ++i) {
    const std::vector<std::string> codes = randomDiagnosis(rng);
    for (const std::string& code : codes) {
      ++counts[code];
      EXPECT_TRUE(classOfCode(code).has_value()) << code;
    }
    if (i < 50) EXPECT_NO_THROW(synthesizeEcg(rng, codes)) << ::testing::PrintToString(codes);
  }
  ASSERT_EQ(synthesizableCodes().size(), 11u);
  for (const std::string& code : synthesizableCodes()) EXPECT_GT(counts[code], kDraws / 12) << code;
  EXPECT_EQ(counts.size(), synthesizableCodes().size());
}

}  // namespace
}  // namespace krait::ecg
