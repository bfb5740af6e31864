// The synthetic ECG generator: its recordings measured from the signal, roughly as a reader of ECGs would (median
// beat, calipers on the spatial magnitude, net QRS areas), against the classes asked for and the truth it reports.
#include "synthetic_ecg.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
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

// I, II and V1-V6: the leads that carry all the information of the twelve.
constexpr std::array<std::size_t, 8> kIndependentLeads{0, 1, 6, 7, 8, 9, 10, 11};

// Recordings per class in the statistical tests: enough to meet most draws of the generator's ranges.
constexpr std::uint64_t kSeeds = 20;

Record make(std::uint64_t seed, const std::vector<std::string>& codes, std::optional<double> bpm = std::nullopt) {
  std::mt19937_64 rng(seed);
  return synthesizeEcg(rng, SyntheticSpec{codes, 500.0, 10.0, bpm});
}

double truth(const Record& record, const std::string& key) { return std::stod(record.measurements.at(key)); }

// Every lead band-passed 0.5-40 Hz: baseline wander, mains hum and most muscle noise out.
std::vector<std::vector<double>> filteredLeads(const Record& record) {
  const FilterCoefficients band = butterBandpass(2, 0.5, 40.0, record.samplingRateHz);
  std::vector<std::vector<double>> filtered;
  for (const std::vector<float>& raw : record.microvolts)
    filtered.push_back(filtfilt(band.b, band.a, std::vector<double>(raw.begin(), raw.end())));
  return filtered;
}

// Complexes, normal or ectopic, as the leads agree on them: each lead's detections, grouped while less than 100 ms
// apart, and kept where at least four leads found one (an ectopic beat can be small in some leads, and a T wave be
// taken for a beat in one).
std::vector<std::size_t> complexesByVote(const std::vector<std::vector<double>>& filtered, double rateHz) {
  std::vector<std::size_t> all;
  for (const std::vector<double>& lead : filtered) {
    const std::vector<std::size_t> found = detectBeats(std::vector<float>(lead.begin(), lead.end()), rateHz);
    all.insert(all.end(), found.begin(), found.end());
  }
  std::sort(all.begin(), all.end());
  const auto near = static_cast<std::size_t>(0.1 * rateHz);
  std::vector<std::size_t> complexes;
  for (std::size_t i = 0; i < all.size();) {
    std::size_t j = i + 1;
    while (j < all.size() && all[j] <= all[j - 1] + near) ++j;
    if (j - i >= 4) complexes.push_back(all[i + (j - i) / 2]);
    i = j;
  }
  return complexes;
}

// The complexes aligned on the peak of their spatial magnitude (I, II, V1-V6) within 60 ms of the vote.
std::vector<std::size_t> alignedComplexes(const Record& record, const std::vector<std::vector<double>>& filtered) {
  const auto reach = static_cast<std::size_t>(0.06 * record.samplingRateHz);
  std::vector<std::size_t> aligned;
  for (std::size_t c : complexesByVote(filtered, record.samplingRateHz)) {
    std::size_t best = c;
    double most = 0.0;
    for (std::size_t i = c > reach ? c - reach : 0; i < std::min(record.samples(), c + reach); ++i) {
      double sum = 0.0;
      for (std::size_t l : kIndependentLeads) sum += filtered[l][i] * filtered[l][i];
      if (sum > most) {
        most = sum;
        best = i;
      }
    }
    aligned.push_back(best);
  }
  return aligned;
}

std::vector<double> rrIntervals(const std::vector<std::size_t>& beats, double rateHz) {
  std::vector<double> rr;
  for (std::size_t i = 1; i < beats.size(); ++i) rr.push_back(static_cast<double>(beats[i] - beats[i - 1]) / rateHz);
  return rr;
}

// RR intervals as the heart rate of `krait ecg classify` finds them.
std::vector<double> rrOf(const Record& record) { return rrIntervals(heartRate(record).beats, record.samplingRateHz); }

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

// The median beat of a recording whose beats all look alike: the filtered leads' median over the complexes (aligned
// on their spatial magnitude) from 0.5 s before to 0.5 s after (the median, unlike the mean, is not smeared by the
// neighbouring beats' T waves at irregular distances in atrial fibrillation). Each lead is then measured from its PR
// segment. The QRS is the run around the peak where the spatial magnitude of the independent leads exceeds 5 % of
// its peak, ended early at a trough below 10 % where a T or P wave follows without an isoelectric segment.
struct MedianBeat {
  double rateHz = 0.0;
  std::vector<std::vector<double>> leads;  // the record's order, microvolts from the PR segment
  std::size_t qrsOn = 0, qrsOff = 0;       // first and last QRS samples

  double ms(std::size_t samples) const { return 1000.0 * static_cast<double>(samples) / rateHz; }
  double area(std::size_t lead) const {
    return std::accumulate(leads[lead].begin() + static_cast<std::ptrdiff_t>(qrsOn),
                           leads[lead].begin() + static_cast<std::ptrdiff_t>(qrsOff) + 1, 0.0);
  }
};

MedianBeat medianBeat(const Record& record) {
  MedianBeat beat;
  beat.rateHz = record.samplingRateHz;
  const auto half = static_cast<std::size_t>(0.5 * record.samplingRateHz);
  const std::vector<std::vector<double>> filtered = filteredLeads(record);
  const std::vector<std::size_t> peaks = alignedComplexes(record, filtered);
  for (const std::vector<double>& x : filtered) {
    std::vector<double>& lead = beat.leads.emplace_back(2 * half + 1);
    for (std::size_t i = 0; i <= 2 * half; ++i) {
      std::vector<double> values;
      for (std::size_t p : peaks)
        if (p >= half && p + half < x.size()) values.push_back(x[p - half + i]);
      lead[i] = median(values);
    }
  }
  // Twice: first from each lead's median level, then from its PR segment before the QRS found.
  for (int pass = 0; pass < 2; ++pass) {
    for (auto& lead : beat.leads) {
      double level = 0.0;
      if (pass == 0) {
        level = median(lead);
      } else {
        // The PR segment, clear of the first small QRS forces that the threshold misses.
        const auto from = beat.qrsOn - static_cast<std::size_t>(0.025 * beat.rateHz);
        const auto to = beat.qrsOn - static_cast<std::size_t>(0.015 * beat.rateHz);
        level = std::accumulate(lead.begin() + static_cast<std::ptrdiff_t>(from),
                                lead.begin() + static_cast<std::ptrdiff_t>(to), 0.0) / static_cast<double>(to - from);
      }
      for (double& v : lead) v -= level;
    }
    std::vector<double> magnitude(2 * half + 1, 0.0);
    for (std::size_t i = 0; i < magnitude.size(); ++i) {
      for (std::size_t l : kIndependentLeads) magnitude[i] += beat.leads[l][i] * beat.leads[l][i];
      magnitude[i] = std::sqrt(magnitude[i]);
    }
    const auto search = static_cast<std::size_t>(0.06 * beat.rateHz);
    const auto peak = static_cast<std::size_t>(
        std::max_element(magnitude.begin() + static_cast<std::ptrdiff_t>(half - search),
                         magnitude.begin() + static_cast<std::ptrdiff_t>(half + search)) - magnitude.begin());
    const auto inQrs = [&](std::size_t from, std::size_t to) {
      return magnitude[to] > 0.05 * magnitude[peak] &&
             (magnitude[to] > 0.1 * magnitude[peak] || magnitude[to] < magnitude[from]);
    };
    beat.qrsOn = beat.qrsOff = peak;
    while (beat.qrsOn > 0 && inQrs(beat.qrsOn, beat.qrsOn - 1)) --beat.qrsOn;
    while (beat.qrsOff + 1 < magnitude.size() && inQrs(beat.qrsOff, beat.qrsOff + 1)) ++beat.qrsOff;
  }
  return beat;
}

double qrsWidthMs(const MedianBeat& beat) { return beat.ms(beat.qrsOff - beat.qrsOn + 1); }

// The frontal QRS axis from the net QRS areas of I and aVF on the hexaxial reference, degrees.
double axisDegrees(const MedianBeat& beat) {
  return std::atan2(beat.area(5) * 2.0 / std::sqrt(3.0), beat.area(0)) * 180.0 / std::numbers::pi;
}

// PR from lead II: the P onset is where the P wave (the largest deflection 60-350 ms before the QRS) last rises
// above 15 % of its peak, walking back from the peak.
double prMs(const MedianBeat& beat) {
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
  EXPECT_EQ(r.leads,
            (std::vector<std::string>{"I", "II", "III", "aVR", "aVL", "aVF", "V1", "V2", "V3", "V4", "V5", "V6"}));
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
  const std::vector<std::pair<std::string, double>> rates{{kSb, 50.0}, {kNsr, 75.0}, {kSTach, 120.0}};
  for (const auto& [code, bpm] : rates) {
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
    EXPECT_GT(coefficientOfVariation(rrOf(make(seed, {kAf}))), 0.1) << seed;
    EXPECT_LT(coefficientOfVariation(rrOf(make(seed, {kNsr}))), 0.05) << seed;
  }
}

TEST(SyntheticEcg, FirstDegreeBlockProlongsPr) {
  for (std::uint64_t seed = 0; seed < kSeeds; ++seed) {
    // 60 /min leaves a clean TP segment before even a long PR.
    const Record block = make(seed, {kSb, kIavb}, 59.0), normal = make(seed, {kNsr}, 60.0);
    EXPECT_GT(truth(block, "PR interval"), 200.0);
    EXPECT_GE(truth(normal, "PR interval"), 120.0);
    EXPECT_LE(truth(normal, "PR interval"), 200.0);
    const double blockPr = prMs(medianBeat(block)), normalPr = prMs(medianBeat(normal));
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
      EXPECT_LT(qrsWidthMs(medianBeat(r)), 110.0) << codes.front() << " seed " << seed;
    }
    for (const auto& codes : {std::vector<std::string>{kNsr, kRbbb}, {kNsr, kLbbb}, {kAf, kRbbb}, {kSTach, kLbbb}}) {
      const Record r = make(seed, codes);
      EXPECT_GE(truth(r, "QRS duration"), 120.0);
      EXPECT_GE(qrsWidthMs(medianBeat(r)), 120.0) << codes[1] << " seed " << seed;
    }
  }
}

TEST(SyntheticEcg, RightBundleBranchBlockHasRPrimeInV1AndSlurredS) {
  for (std::uint64_t seed = 0; seed < kSeeds; ++seed) {
    const MedianBeat beat = medianBeat(make(seed, {kNsr, kRbbb}));
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
    const MedianBeat beat = medianBeat(make(seed, {kNsr, kLbbb}));
    double positive = 0.0, negative = 0.0;
    for (std::size_t i = beat.qrsOn; i <= beat.qrsOff; ++i)
      (beat.leads[6][i] > 0 ? positive : negative) += beat.leads[6][i];
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

// Axes measured in sinus rhythm at moderate rates: the isoelectric level of a 10 s median beat in atrial
// fibrillation is uncertain by tens of microvolts (f waves), which moves the small net areas of a bundle branch
// block by tens of degrees.
TEST(SyntheticEcg, AxisFromLeadsIAndAvfMatchesTheLabels) {
  for (std::uint64_t seed = 0; seed < kSeeds; ++seed) {
    for (const auto& codes : {std::vector<std::string>{kNsr}, {kNsr, kLad}, {kNsr, kRad}, {kSb, kRbbb, kLad},
                              {kSb, kLbbb}, {kNsr, kRbbb, kRad}, {kNsr, kLbbb, kLad}}) {
      const Record r = make(seed, codes);
      const double measured = axisDegrees(medianBeat(r)), reported = truth(r, "QRS axis");
      const bool left = std::find(codes.begin(), codes.end(), kLad) != codes.end();
      const bool right = std::find(codes.begin(), codes.end(), kRad) != codes.end();
      const std::string what = ::testing::PrintToString(codes) + " seed " + std::to_string(seed);
      // Noise moves the median beat's areas by a few degrees: not across a class limit, 10 degrees away from
      // every drawn axis.
      EXPECT_NEAR(measured, reported, 12.0) << what;
      if (left) {
        EXPECT_LT(measured, -30.0) << what;
        EXPECT_LT(reported, -30.0) << what;
      } else if (right) {
        EXPECT_GT(measured, 90.0) << what;
        EXPECT_GT(reported, 90.0) << what;
      } else {
        EXPECT_TRUE(measured >= -30.0 && measured <= 90.0) << what << ": " << measured;
        EXPECT_TRUE(reported >= -30.0 && reported <= 90.0) << what << ": " << reported;
      }
    }
  }
}

// Premature beats from the rhythm: an early beat, then a pause that is fully compensatory after a ventricular one
// (the sinus node keeps its pace) and shorter after an atrial one (the node is reset).
TEST(SyntheticEcg, PrematureBeatsComeEarlyWithTheirPauses) {
  for (std::uint64_t seed = 0; seed < kSeeds; ++seed) {
    for (const auto& [code, compensatory] : std::vector<std::pair<std::string, bool>>{{kPvc, true}, {kPac, false}}) {
      const Record r = make(seed, {kNsr, code});
      const double cycle = 60.0 / truth(r, "heart rate");
      const std::vector<double> rr =
          rrIntervals(complexesByVote(filteredLeads(r), r.samplingRateHz), r.samplingRateHz);
      int premature = 0;
      for (std::size_t i = 0; i + 1 < rr.size(); ++i) {
        if (rr[i] > 0.8 * cycle) continue;
        ++premature;
        const double pair = (rr[i] + rr[i + 1]) / cycle;
        if (compensatory) {
          EXPECT_NEAR(pair, 2.0, 0.12) << code << " seed " << seed;
        } else {
          EXPECT_LT(pair, 1.92) << code << " seed " << seed;
        }
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
  EXPECT_THROW(synthesizeEcg(rng, {kNsr, kPvc}, 500.0, 1.5), std::invalid_argument);  // too short to show one
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
    if (i < 50) {
      EXPECT_EQ(synthesizeEcg(rng, codes).diagnosisCodes, codes);
    }
  }
  ASSERT_EQ(synthesizableCodes().size(), 11u);
  for (const std::string& code : synthesizableCodes()) EXPECT_GT(counts[code], kDraws / 12) << code;
  EXPECT_EQ(counts.size(), synthesizableCodes().size());
}

}  // namespace
}  // namespace krait::ecg
