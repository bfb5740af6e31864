#include "synthetic_ecg.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <numbers>
#include <stdexcept>
#include <string_view>
#include <tuple>
#include <utility>

namespace krait::ecg {
namespace {

using std::numbers::pi;

// The heart vector in Frank's axes as Dower's matrix takes them: x to the patient's left, y to the feet, z to the
// back; millivolts.
using Vec3 = std::array<double, 3>;

Vec3 operator+(const Vec3& a, const Vec3& b) { return {a[0] + b[0], a[1] + b[1], a[2] + b[2]}; }
Vec3 operator*(double s, const Vec3& v) { return {s * v[0], s * v[1], s * v[2]}; }
double dot(const Vec3& a, const Vec3& b) { return a[0] * b[0] + a[1] * b[1] + a[2] * b[2]; }
Vec3 unit(const Vec3& v) { return (1.0 / std::sqrt(dot(v, v))) * v; }

// Lead vectors of I, II and V1-V6 on Frank's X, Y, Z: Dower's matrix (Dower et al. 1980; the coefficients as
// Edenbrandt & Pahlm 1988 tabulate them). III, aVR, aVL and aVF follow from I and II by Einthoven's and Goldberger's
// definitions.
constexpr std::array<Vec3, 8> kDower{{
    {0.632, -0.235, 0.059},   // I
    {0.235, 1.066, -0.132},   // II
    {-0.515, 0.157, -0.917},  // V1
    {0.044, 0.164, -1.387},   // V2
    {0.882, 0.098, -1.277},   // V3
    {1.213, 0.127, -0.601},   // V4
    {1.125, 0.127, -0.086},   // V5
    {0.831, 0.076, 0.230},    // V6
}};

// Uniform and normal draws of our own: the standard distributions' algorithms differ between standard libraries,
// and a training set should come out the same from its seed wherever it is regenerated.
double uniform(std::mt19937_64& rng, double lo, double hi) {
  return lo + (hi - lo) * static_cast<double>(rng() >> 11) * 0x1.0p-53;
}
double gaussian(std::mt19937_64& rng) {  // Box-Muller
  const double u = 1.0 - uniform(rng, 0.0, 1.0);
  return std::sqrt(-2.0 * std::log(u)) * std::cos(2.0 * pi * uniform(rng, 0.0, 1.0));
}
bool chance(std::mt19937_64& rng, double p) { return uniform(rng, 0.0, 1.0) < p; }

// `direction` turned a little at random, so that no two recordings have quite the same loops.
Vec3 jitter(std::mt19937_64& rng, const Vec3& direction, double spread) {
  const Vec3 noise{gaussian(rng), gaussian(rng), gaussian(rng)};
  return unit(unit(direction) + spread * noise);
}

// --- Labels --------------------------------------------------------------------------------------------------------

enum Class {
  kSinus, kBrady, kTachy, kFibrillation, kFirstDegreeBlock, kRightBlock, kLeftBlock, kLeftAxis, kRightAxis,
  kVentricularPremature, kAtrialPremature, kClassCount
};
using Classes = std::array<bool, kClassCount>;

// The first code of each class is the one synthesizableCodes() lists; the others are the challenge's equivalents
// (scored as the same class, weights.csv).
constexpr std::array<std::pair<std::string_view, Class>, 15> kCodes{{
    {"426783006", kSinus}, {"426177001", kBrady}, {"427084000", kTachy}, {"164889003", kFibrillation},
    {"270492004", kFirstDegreeBlock}, {"59118001", kRightBlock}, {"713427006", kRightBlock},
    {"164909002", kLeftBlock}, {"733534002", kLeftBlock}, {"39732003", kLeftAxis}, {"47665007", kRightAxis},
    {"427172004", kVentricularPremature}, {"17338001", kVentricularPremature}, {"284470004", kAtrialPremature},
    {"63593006", kAtrialPremature},
}};

[[noreturn]] void refuse(const std::string& why) { throw std::invalid_argument("synthesizeEcg: " + why); }

// Labelling convention (ours, after PTB-XL's rhythm statements SR / SBRAD / STACH / AFIB, one per recording, which
// the challenge keeps as 426783006 / 426177001 / 427084000 / 164889003): every recording carries exactly one rhythm
// code, the sinus rhythm code only for a sinus rhythm of 60-100 /min, and first-degree AV block beside whichever
// sinus code its rate gives. So the rhythm class is never missing from the labels of what the signal shows.
Classes parseCodes(const std::vector<std::string>& codes) {
  Classes has{};
  for (const std::string& code : codes) {
    const auto* it = std::find_if(kCodes.begin(), kCodes.end(), [&](const auto& c) { return c.first == code; });
    if (it == kCodes.end()) refuse("cannot produce code " + code);
    has[it->second] = true;
  }
  if (has[kSinus] + has[kBrady] + has[kTachy] + has[kFibrillation] != 1)
    refuse("needs exactly one rhythm code (426783006, 426177001, 427084000 or 164889003)");
  if (has[kFibrillation] && has[kFirstDegreeBlock]) refuse("atrial fibrillation has no PR interval to prolong");
  if (has[kFibrillation] && has[kAtrialPremature]) refuse("atrial fibrillation has no atrial rhythm to interrupt");
  if (has[kRightBlock] && has[kLeftBlock]) refuse("right and left bundle branch block together");
  if (has[kLeftAxis] && has[kRightAxis]) refuse("left and right axis deviation together");
  return has;
}

// --- Waves ---------------------------------------------------------------------------------------------------------

// One Gaussian wave of the heart vector (ECGSYN's wave, one per axis as Sameni et al. give it, here with a common
// timing), `center` and `sigma` in seconds from the onset of its beat.
struct Wave {
  double center;
  double sigma;
  Vec3 peak;
};

// The wave that stands above ~4 % of its peak (2.5 sigma) from `from` to `to`: the extent calipers would measure,
// so intervals are defined from these ends.
Wave spanning(double from, double to, const Vec3& peak) { return {(from + to) / 2.0, (to - from) / 5.0, peak}; }

// The time integral of the waves' heart vector (mV s).
Vec3 netArea(const std::vector<Wave>& waves) {
  Vec3 area{};
  for (const Wave& w : waves) area = area + (w.sigma * std::sqrt(2.0 * pi)) * w.peak;
  return area;
}

Vec3 rotateFrontal(const Vec3& v, double radians) {
  const double c = std::cos(radians), s = std::sin(radians);
  return {c * v[0] - s * v[1], s * v[0] + c * v[1], v[2]};
}

// The frontal QRS axis as read from the net QRS areas of I and aVF on the hexaxial reference (aVF sees sqrt(3)/2 of
// the frontal projection), degrees: 0 is leftward, +90 toward the feet.
double frontalAxis(const Vec3& area) {
  const double leadI = dot(kDower[0], area), aVF = dot(kDower[1], area) - leadI / 2.0;
  return std::atan2(aVF * 2.0 / std::sqrt(3.0), leadI) * 180.0 / pi;
}

// The largest peak-to-peak amplitude of the waves in a limb lead (mV), sampled every millisecond.
double limbLeadVoltage(const std::vector<Wave>& waves) {
  double from = INFINITY, to = -INFINITY;
  for (const Wave& w : waves) {
    from = std::min(from, w.center - 3.0 * w.sigma);
    to = std::max(to, w.center + 3.0 * w.sigma);
  }
  std::array<double, 6> lo{}, hi{};
  for (double t = from; t <= to; t += 0.001) {
    Vec3 v{};
    for (const Wave& w : waves) v = v + std::exp(-std::pow((t - w.center) / w.sigma, 2) / 2.0) * w.peak;
    const double leadI = dot(kDower[0], v), leadII = dot(kDower[1], v);
    const std::array<double, 6> limb{leadI, leadII, leadII - leadI, -(leadI + leadII) / 2.0, leadI - leadII / 2.0,
                                     leadII - leadI / 2.0};
    for (std::size_t l = 0; l < limb.size(); ++l) {
      lo[l] = std::min(lo[l], limb[l]);
      hi[l] = std::max(hi[l], limb[l]);
    }
  }
  double most = 0.0;
  for (std::size_t l = 0; l < lo.size(); ++l) most = std::max(most, hi[l] - lo[l]);
  return most;
}

// The turn about the sagittal axis of the `turning` forces that brings the frontal axis of them and the `fixed` ones
// to `target` degrees, on a 0.25 degree grid (the truth reported is the axis actually reached).
double rotationFor(const Vec3& turning, const Vec3& fixed, double target) {
  double best = 0.0, bestError = INFINITY;
  for (int k = -720; k < 720; ++k) {
    const double radians = k * pi / 720.0;
    const double error = std::abs(std::remainder(frontalAxis(rotateFrontal(turning, radians) + fixed) - target, 360.0));
    if (error < bestError) {
      bestError = error;
      best = radians;
    }
  }
  return best;
}

// Normal ventricular activation (the textbook vectorcardiogram, e.g. Chou's Electrocardiography in Clinical
// Practice): the septum first, left to right and forward (q in I, V5, V6; r in V1); the left ventricular free wall,
// leftward, inferior and a little backward (R in I, II, V4-V6; S in V1, V2); last the basal parts, backward and a
// little rightward and upward (small s in I and V6). The QRS lasts `d` seconds.
std::vector<Wave> normalQrs(std::mt19937_64& rng, double d, double amplitude) {
  return {spanning(0.0, 0.3 * d, uniform(rng, 0.15, 0.3) * jitter(rng, {-0.35, 0.2, -0.9}, 0.15)),
          spanning(0.12 * d, 0.78 * d, amplitude * jitter(rng, {0.8, 0.5, 0.45}, 0.1)),
          spanning(0.55 * d, d, uniform(rng, 0.2, 0.45) * jitter(rng, {-0.3, -0.3, 0.9}, 0.15))};
}

// Right bundle branch block (AHA/ACC/HRS 2009 recommendations, Surawicz et al.: QRS >= 120 ms; rsr' or rsR' in V1-V2;
// S wider than R or > 40 ms in I and V6): the septum and left ventricle activate as normal (normalQrs() within
// `lv` seconds), the right ventricle late and slowly through the muscle until `d`: a broad terminal force to the
// right and front (R' in V1, slurred S in I and V6). The loop swings round from the basal forces (backward) through
// rightward ones to get there, never through zero (the counterclockwise horizontal loop of RBBB).
std::vector<Wave> lateRightVentricle(std::mt19937_64& rng, double lv, double d) {
  const double start = 0.45 * lv, late = d - start;
  return {spanning(start, start + 0.6 * late, uniform(rng, 0.35, 0.5) * jitter(rng, {-0.9, -0.2, 0.0}, 0.1)),
          spanning(start + 0.3 * late, d, uniform(rng, 0.4, 0.65) * jitter(rng, {-0.45, 0.0, -0.9}, 0.1))};
}

// Left bundle branch block (AHA/ACC/HRS 2009: QRS >= 120 ms; broad notched or slurred R in I, aVL, V5, V6; no q in
// I, V5, V6; deep S or QS in V1): the septum activates right to left, so the first force already points left; the
// left ventricle follows slowly cell to cell, two large leftward and backward forces a notch apart.
std::vector<Wave> leftBlockQrs(std::mt19937_64& rng, double d, double amplitude) {
  return {spanning(0.0, 0.3 * d, uniform(rng, 0.2, 0.4) * jitter(rng, {0.6, 0.2, -0.5}, 0.1)),
          spanning(0.08 * d, 0.68 * d, amplitude * jitter(rng, {0.85, 0.15, 0.5}, 0.1)),
          spanning(0.4 * d, d, uniform(rng, 0.75, 0.95) * amplitude * jitter(rng, {0.7, -0.1, 0.7}, 0.1))};
}

// A ventricular ectopic beat (premature ventricular contraction) spreads from its focus through the muscle, not
// the conduction system: a wide QRS of large forces pointing away from the focus, a T wave opposite them
// (secondary ST-T change), and no P wave of its own. Foci anywhere around the ventricles, their forces mostly in
// the frontal plane so that they stand out in the limb leads as ectopic beats do.
std::vector<Wave> ectopicVentricle(std::mt19937_64& rng, double qtOfNarrowQrs, double rr) {
  const double d = uniform(rng, 0.13, 0.17);
  const Vec3 first = unit({gaussian(rng), gaussian(rng), 0.5 * gaussian(rng)});
  const Vec3 second = jitter(rng, first, 0.3);
  const double t = uniform(rng, 0.5, 0.9), width = uniform(rng, 0.17, 0.22) * std::sqrt(rr);
  const double qt = qtOfNarrowQrs + d - 0.09;
  const Vec3 tWave = t * unit(-1.0 * (first + second));
  return {spanning(0.0, 0.65 * d, uniform(rng, 1.6, 2.6) * first),
          spanning(0.3 * d, d, uniform(rng, 0.8, 1.5) * second),
          spanning(d + 0.01, qt - 0.35 * width, 0.5 * tWave), spanning(qt - width, qt, tWave)};
}

// Repolarisation after a QRS ending at `qrsEnd`: a slow ramp from the ST segment into the T wave (`rampShare` of
// the T) and the T wave, ending at `qt` (both from QRS onset), the T lasting `width`. The ramp before a narrower
// descent gives the T its asymmetric shape.
std::vector<Wave> repolarisation(double qrsEnd, double qt, double width, const Vec3& t, double rampShare) {
  return {spanning(qrsEnd + 0.02, qt - 0.35 * width, rampShare * t),
          spanning(std::max(qrsEnd + 0.04, qt - width), qt, t)};
}

// Sinus P wave (textbook atrial activation): the right atrium first, downward and forward, then the left atrium,
// leftward and backward: upright in I, II, aVF, biphasic (+/-) in V1. Lasts `d` seconds.
std::vector<Wave> sinusP(std::mt19937_64& rng, double d) {
  return {spanning(0.0, 0.65 * d, uniform(rng, 0.08, 0.15) * jitter(rng, {0.2, 0.9, -0.4}, 0.15)),
          spanning(0.3 * d, d, uniform(rng, 0.06, 0.12) * jitter(rng, {0.8, 0.45, 0.45}, 0.15))};
}

// A premature atrial contraction comes from an ectopic focus that activates the atria in another order: one P of
// another axis, here between low atrial (negative in II, III, aVF) and left-superior ones.
std::vector<Wave> ectopicP(std::mt19937_64& rng, double d) {
  const double angle = uniform(rng, -100.0, 10.0) * pi / 180.0;
  const Vec3 direction = unit({std::cos(angle), std::sin(angle), uniform(rng, -0.4, 0.4)});
  return {spanning(0.0, d, uniform(rng, 0.07, 0.14) * direction)};
}

// --- Rhythm ----------------------------------------------------------------------------------------------------------

// Rates: sinus rhythm 60-100 /min, bradycardia below, tachycardia above (the textbook limits the labels use); a
// drawn rate stays a few beats inside them so that respiratory variation does not cross them. Atrial fibrillation:
// a mean ventricular rate from controlled to fast.
double drawRate(std::mt19937_64& rng, const Classes& has, const std::optional<double>& requested) {
  struct Range {
    double lo, hi, drawLo, drawHi;
  };
  const Range range = has[kBrady]   ? Range{30.0, 59.99, 40.0, 57.0}
                      : has[kTachy] ? Range{100.01, 200.0, 103.0, 145.0}
                      : has[kSinus] ? Range{60.0, 100.0, 62.0, 98.0}
                                    : Range{40.0, 200.0, 65.0, 140.0};
  if (!requested) return uniform(rng, range.drawLo, range.drawHi);
  if (!(*requested >= range.lo && *requested <= range.hi))
    refuse("heart rate " + std::to_string(*requested) + " /min does not fit the rhythm code");
  return *requested;
}

struct Respiration {
  double hz, phase;
  double at(double seconds) const { return std::sin(2.0 * pi * hz * seconds + phase); }
};

// One cardiac cycle's events, seconds from the recording's start: the P onset of an atrial beat (sinus or
// ectopic) and the QRS onset of a ventricular one; a blocked P has no QRS, a ventricular ectopic beat no P.
struct Beat {
  enum Kind { Normal, AtrialEctopic, VentricularEctopic };
  std::optional<double> p, qrs;
  Kind kind = Normal;
};

void shiftFrom(std::vector<Beat>& beats, std::size_t first, double delta) {
  for (std::size_t j = first; j < beats.size(); ++j) {
    if (beats[j].p) *beats[j].p += delta;
    if (beats[j].qrs) *beats[j].qrs += delta;
  }
}

// Sinus beats from before the start (so the record opens mid-cycle) to two cycles past the end (so that later
// shifts leave no gap), the cycle modulated by respiratory sinus arrhythmia (shorter in inspiration) with a little
// beat-to-beat jitter.
std::vector<Beat> sinusBeats(std::mt19937_64& rng, double rr, double pr, double seconds, const Respiration& breath) {
  const double arrhythmia = uniform(rng, 0.01, 0.04);
  std::vector<Beat> beats;
  for (double p = -uniform(rng, 1.0, 2.0) * rr; p < seconds + 2.0 * rr;) {
    beats.push_back({p, p + pr});
    p += rr * (1.0 + arrhythmia * breath.at(p)) * (1.0 + 0.005 * gaussian(rng));
  }
  return beats;
}

// Atrial fibrillation conducts at random through the AV node: irregularly irregular cycles, here log-normal around
// `rr` (coefficient of variation ~0.2-0.35, as measured in AF) and no shorter than the node's refractory ~0.3 s.
// Returns the beats and the mean cycle drawn.
std::pair<std::vector<Beat>, double> fibrillationBeats(std::mt19937_64& rng, double rr, double seconds) {
  const double spread = uniform(rng, 0.2, 0.35);
  std::vector<Beat> beats;
  double sum = 0.0;
  for (double q = -uniform(rng, 1.0, 2.0) * rr; q < seconds + 2.0 * rr;) {
    beats.push_back({std::nullopt, q});
    const double cycle = std::max(0.3, rr * std::exp(spread * gaussian(rng) - spread * spread / 2.0));
    sum += cycle;
    q += cycle;
  }
  return {beats, sum / static_cast<double>(beats.size())};
}

// Picks beats for ectopy: up to `count` of them whose neighbours' QRS lie well inside the record (so that the
// prematurity and the pause after show), none next to another picked one, marked in `picked` with `kind`. Returns
// how many.
int pickEctopic(std::mt19937_64& rng, const std::vector<Beat>& beats, double seconds, int count, Beat::Kind kind,
                std::vector<Beat::Kind>& picked, std::vector<bool>& taken) {
  std::vector<std::size_t> candidates;
  for (std::size_t i = 1; i + 1 < beats.size(); ++i)
    if (beats[i - 1].qrs && beats[i + 1].qrs && *beats[i - 1].qrs > 0.5 && *beats[i + 1].qrs < seconds - 0.5)
      candidates.push_back(i);
  int n = 0;
  while (n < count && !candidates.empty()) {
    const auto at = static_cast<std::size_t>(uniform(rng, 0.0, static_cast<double>(candidates.size())));
    const std::size_t i = candidates[std::min(at, candidates.size() - 1)];
    candidates.erase(candidates.begin() + static_cast<std::ptrdiff_t>(std::min(at, candidates.size() - 1)));
    if (taken[i - 1] || taken[i] || taken[i + 1]) continue;
    taken[i] = true;
    picked[i] = kind;
    ++n;
  }
  return n;
}

// Turns the picked beats ectopic, in time order since each may move the later ones.
// Premature atrial contraction: a P 60-75 % of a cycle after the last, conducted; the sinus node is reset, so the
// next sinus beat follows a little more than one cycle later (a non-compensatory pause).
// Premature ventricular contraction in sinus rhythm: a wide beat 50-70 % of a cycle after the last QRS; the sinus
// P due next still comes (hidden in the ectopic beat) but finds the ventricles refractory, so the pause is fully
// compensatory. In atrial fibrillation the ectopic beat replaces a conducted one and concealed conduction into the
// AV node lengthens the next cycle.
void makeEctopic(std::mt19937_64& rng, std::vector<Beat>& beats, const std::vector<Beat::Kind>& picked, double rr,
                 double pr) {
  const std::size_t n = beats.size();
  for (std::size_t i = 1; i + 1 < n; ++i) {
    if (picked[i] == Beat::AtrialEctopic) {
      const double p = *beats[i - 1].p + uniform(rng, 0.6, 0.75) * rr;
      beats[i] = {p, p + pr + uniform(rng, 0.0, 0.02), Beat::AtrialEctopic};
      shiftFrom(beats, i + 1, p + uniform(rng, 1.05, 1.15) * rr - *beats[i + 1].p);
    } else if (picked[i] == Beat::VentricularEctopic) {
      const double q = *beats[i - 1].qrs + uniform(rng, 0.5, 0.7) * rr;
      if (beats[i].p) {
        beats[i].qrs.reset();
        beats.push_back({std::nullopt, q, Beat::VentricularEctopic});
      } else {
        beats[i] = {std::nullopt, q, Beat::VentricularEctopic};
        shiftFrom(beats, i + 1, q + uniform(rng, 1.1, 1.4) * rr - *beats[i + 1].qrs);
      }
    }
  }
}

// --- Rendering -----------------------------------------------------------------------------------------------------

// Adds the waves of one beat, starting `at` seconds and scaled by `gain`, where they stand above ~1e-6 of their peak.
void addWaves(std::vector<Vec3>& vcg, const std::vector<Wave>& waves, double at, double gain, double rateHz) {
  const auto n = static_cast<double>(vcg.size());
  for (const Wave& w : waves) {
    const double center = (at + w.center) * rateHz, sigma = w.sigma * rateHz;
    const double from = std::max(0.0, std::ceil(center - 5.3 * sigma));
    const double to = std::min(n - 1.0, std::floor(center + 5.3 * sigma));
    for (double i = from; i <= to; ++i) {
      const double u = (i - center) / sigma;
      auto& v = vcg[static_cast<std::size_t>(i)];
      v = v + (gain * std::exp(-u * u / 2.0)) * w.peak;
    }
  }
}

// Fibrillatory (f) waves: the atria's disorganised activity as a small vector pointing mostly to V1 and the
// inferior leads, where f waves are seen best, at a dominant frequency of 4-9 Hz that wanders slowly (the range
// AF frequency analyses report, e.g. Bollmann et al., Stridh & Sornmo), with a harmonic for their saw-tooth-like
// shape, and of slowly varying size.
void addFibrillation(std::mt19937_64& rng, std::vector<Vec3>& vcg, double rateHz) {
  const double f0 = uniform(rng, 4.8, 8.2), amplitude = uniform(rng, 0.04, 0.15);
  const Vec3 direction = jitter(rng, {-0.45, 0.45, -0.75}, 0.2);
  std::array<double, 4> phase{};
  for (double& p : phase) p = uniform(rng, 0.0, 2.0 * pi);
  double theta = 0.0;
  for (std::size_t i = 0; i < vcg.size(); ++i) {
    const double t = static_cast<double>(i) / rateHz;
    const double hz =
        f0 + 0.5 * std::sin(2.0 * pi * 0.07 * t + phase[0]) + 0.3 * std::sin(2.0 * pi * 0.13 * t + phase[1]);
    theta += 2.0 * pi * hz / rateHz;
    const double size = amplitude * (1.0 + 0.3 * std::sin(2.0 * pi * 0.2 * t + phase[2]));
    vcg[i] = vcg[i] + (size * (std::sin(theta) + 0.35 * std::sin(2.0 * theta + phase[3]))) * direction;
  }
}

// Electrode noise (µV): each of the nine electrodes (RA, LA, LL, V1-V6) picks up its own baseline wander below
// 0.5 Hz (respiration and electrode drift), mains hum at 50 or 60 Hz and broadband muscle noise, each at a level
// drawn per recording from nearly clean to poor. The leads take the electrodes' differences as an electrocardiograph
// does, so the noise keeps the limb leads' identities too.
std::vector<std::vector<double>> electrodeNoise(std::mt19937_64& rng, std::size_t n, double rateHz,
                                                const Respiration& breath) {
  const double wander = 300.0 * std::pow(uniform(rng, 0.0, 1.0), 2.0), drift = uniform(rng, 0.05, 0.5);
  const double mainsHz = chance(rng, 0.5) ? 50.0 : 60.0, mainsPhase = uniform(rng, 0.0, 2.0 * pi);
  const double mains = mainsHz < rateHz / 2.0 ? 40.0 * std::pow(uniform(rng, 0.0, 1.0), 2.0) : 0.0;
  const double muscle = uniform(rng, 2.0, 25.0);
  std::vector<std::vector<double>> electrodes(9, std::vector<double>(n));
  for (auto& e : electrodes) {
    const double a = wander * uniform(rng, 0.3, 1.0), b = wander * uniform(rng, 0.0, 0.7);
    const double driftPhase = uniform(rng, 0.0, 2.0 * pi), breathPhase = uniform(rng, -0.5, 0.5);
    const double hum = mains * uniform(rng, 0.5, 1.5), humPhase = mainsPhase + uniform(rng, -0.3, 0.3);
    const double emg = muscle * uniform(rng, 0.5, 1.5);
    for (std::size_t i = 0; i < n; ++i) {
      const double t = static_cast<double>(i) / rateHz;
      e[i] = a * breath.at(t + breathPhase) + b * std::sin(2.0 * pi * drift * t + driftPhase) +
             hum * std::sin(2.0 * pi * mainsHz * t + humPhase) + emg * gaussian(rng);
    }
  }
  return electrodes;
}

std::string rounded(double value, const char* unit) { return std::to_string(std::lround(value)) + " " + unit; }

}  // namespace

const std::vector<std::string>& synthesizableCodes() {
  static const std::vector<std::string> codes = [] {
    std::vector<std::string> firsts;
    std::array<bool, kClassCount> seen{};
    for (const auto& [code, cls] : kCodes)
      if (!std::exchange(seen[cls], true)) firsts.emplace_back(code);
    return firsts;
  }();
  return codes;
}

Record synthesizeEcg(std::mt19937_64& rng, const SyntheticSpec& spec) {
  if (!(spec.samplingRateHz > 0.0) || !(spec.seconds > 0.0)) refuse("needs a positive sampling rate and duration");
  const Classes has = parseCodes(spec.codes);
  const bool fibrillation = has[kFibrillation], wide = has[kRightBlock] || has[kLeftBlock];
  const double rateHz = spec.samplingRateHz, seconds = spec.seconds;

  double bpm = drawRate(rng, has, spec.heartRatePerMin);
  const double rr = 60.0 / bpm;
  // PR: 120-200 ms normal, > 200 ms first-degree AV block (textbook limits), drawn with margins; in tachycardia a
  // long PR would bury the P in the T wave, so it stays shorter there.
  const double pr = !has[kFirstDegreeBlock] ? uniform(rng, 0.13, 0.19)
                    : has[kTachy]           ? uniform(rng, 0.215, 0.25)
                                            : uniform(rng, 0.215, 0.30);
  // QRS: < 110 ms normal, >= 120 ms complete bundle branch block (AHA/ACC/HRS 2009); QRS amplitude as the spatial
  // peak of the main force.
  const double qrsDuration = wide ? uniform(rng, 0.14, 0.18) : uniform(rng, 0.08, 0.105);
  const double amplitude = has[kLeftBlock] ? uniform(rng, 1.4, 2.2) : uniform(rng, 1.2, 2.1);
  // QT with Bazett's rate dependence, QTc 380-430 ms (short of prolonged QT), lengthened by the extra QRS width in
  // bundle branch block; the T narrows with the cycle as well.
  const double qtOfNarrowQrs = uniform(rng, 0.38, 0.43) * std::sqrt(rr);
  const double qt = qtOfNarrowQrs + (wide ? qrsDuration - 0.09 : 0.0);
  const double tWidth = uniform(rng, 0.17, 0.22) * std::sqrt(rr);
  const double tSize = has[kLeftBlock] ? uniform(rng, 0.4, 0.7) : uniform(rng, 0.25, 0.5);
  // Frontal QRS axis: normal -30..+90 deg, left axis deviation < -30, right > +90 (AHA/ACC/HRS 2009), kept 10 deg
  // inside those limits so that a measurement off by a few degrees still agrees with the label.
  const double axisTarget = has[kLeftAxis]    ? uniform(rng, -80.0, -40.0)
                            : has[kRightAxis] ? uniform(rng, 100.0, 135.0)
                                              : uniform(rng, -20.0, 80.0);

  // The QRS forces that turn with the axis (left ventricular activation, which fascicular conduction steers) and,
  // in RBBB, the late right ventricular ones, which do not.
  const double lv = has[kRightBlock] ? uniform(rng, 0.085, 0.095) : qrsDuration;
  std::vector<Wave> qrs = has[kLeftBlock] ? leftBlockQrs(rng, qrsDuration, amplitude) : normalQrs(rng, lv, amplitude);
  std::vector<Wave> delayed = has[kRightBlock] ? lateRightVentricle(rng, lv, qrsDuration) : std::vector<Wave>{};
  // The T vector: with normal conduction leftward, downward and forward, near the QRS (upright in I, II, V2-V6);
  // in bundle branch block discordant, opposite the delayed forces (secondary ST-T change): in RBBB against the
  // terminal right-anterior force (T inverted in V1-V2), in LBBB against the whole QRS, with the ST segment
  // deviating the same way from the J point on.
  const Vec3 tDirection = has[kRightBlock]  ? jitter(rng, {0.6, 0.5, 0.55}, 0.15)
                          : has[kLeftBlock] ? jitter(rng, -1.0 * unit(qrs[1].peak + qrs[2].peak) + Vec3{0, 0.3, 0}, 0.1)
                                            : jitter(rng, {0.65, 0.55, -0.35}, 0.15);
  std::vector<Wave> ventricles = repolarisation(qrsDuration - (has[kLeftBlock] ? 0.02 : 0.0), qt, tWidth,
                                                tSize * tDirection, has[kLeftBlock] ? 0.8 : 0.3);
  // The late right ventricular forces stay smaller in the frontal plane than the left ventricle's (0.7 of them at
  // most), so that turning the left ventricle's reaches every axis drawn.
  const auto frontal = [](const Vec3& v) { return std::hypot(v[0], v[1]); };
  if (!delayed.empty()) {
    const double share = frontal(netArea(delayed)) / frontal(netArea(qrs));
    if (share > 0.7)
      for (Wave& w : delayed) w.peak = (0.7 / share) * w.peak;
  }
  // Turn the QRS to the drawn axis; in LBBB the repolarisation, secondary to the whole QRS, turns with it.
  const double turn = rotationFor(netArea(qrs), netArea(delayed), axisTarget);
  for (Wave& w : qrs) w.peak = rotateFrontal(w.peak, turn);
  if (has[kLeftBlock])
    for (Wave& w : ventricles) w.peak = rotateFrontal(w.peak, turn);
  qrs.insert(qrs.end(), delayed.begin(), delayed.end());
  // Forces that cancel in the frontal plane can leave every limb lead under 0.5 mV, the low QRS voltage class,
  // which is not asked for: such a QRS is scaled up to 0.6 mV in its largest limb lead.
  const double limbVoltage = limbLeadVoltage(qrs);
  if (limbVoltage < 0.6)
    for (Wave& w : qrs) w.peak = (0.6 / limbVoltage) * w.peak;
  const double axis = frontalAxis(netArea(qrs));
  ventricles.insert(ventricles.begin(), qrs.begin(), qrs.end());

  const double pDuration = uniform(rng, 0.08, 0.11);
  const std::vector<Wave> pWave = sinusP(rng, pDuration), pacWave = ectopicP(rng, pDuration);
  const std::vector<Wave> pvcWaves = ectopicVentricle(rng, qtOfNarrowQrs, rr);

  const Respiration breath{uniform(rng, 0.15, 0.35), uniform(rng, 0.0, 2.0 * pi)};
  std::vector<Beat> beats;
  if (fibrillation) {
    double meanCycle = 0.0;
    std::tie(beats, meanCycle) = fibrillationBeats(rng, rr, seconds);
    bpm = 60.0 / meanCycle;
  } else {
    beats = sinusBeats(rng, rr, pr, seconds, breath);
  }
  // About one to three ectopic beats per 10 s of each kind asked for: one of each first, so that both kinds fit.
  std::vector<Beat::Kind> picked(beats.size(), Beat::Normal);
  std::vector<bool> taken(beats.size(), false);
  const std::array<std::pair<Class, Beat::Kind>, 2> ectopy{{{kAtrialPremature, Beat::AtrialEctopic},
                                                             {kVentricularPremature, Beat::VentricularEctopic}}};
  for (const auto& [cls, kind] : ectopy)
    if (has[cls] && pickEctopic(rng, beats, seconds, 1, kind, picked, taken) == 0)
      refuse("the recording is too short to show a premature beat");
  for (const auto& [cls, kind] : ectopy) {
    const int more = static_cast<int>(std::lround(seconds / 10.0 * uniform(rng, 0.0, 2.0)));
    if (has[cls]) pickEctopic(rng, beats, seconds, more, kind, picked, taken);
  }
  makeEctopic(rng, beats, picked, rr, pr);

  const auto n = static_cast<std::size_t>(std::lround(seconds * rateHz));
  std::vector<Vec3> vcg(n, Vec3{});
  // Respiration also moves the heart against the electrodes: a few per cent of amplitude, beat to beat.
  const double breathing = uniform(rng, 0.02, 0.08);
  for (const Beat& beat : beats) {
    const double at = beat.qrs ? *beat.qrs : *beat.p, gain = 1.0 + breathing * breath.at(at);
    if (beat.p) addWaves(vcg, beat.kind == Beat::AtrialEctopic ? pacWave : pWave, *beat.p, gain, rateHz);
    if (beat.qrs) addWaves(vcg, beat.kind == Beat::VentricularEctopic ? pvcWaves : ventricles, *beat.qrs, gain, rateHz);
  }
  if (fibrillation) addFibrillation(rng, vcg, rateHz);

  const std::vector<std::vector<double>> e = electrodeNoise(rng, n, rateHz, breath);
  enum { RA, LA, LL, C1 };  // electrodes; C1-C6 the chest ones
  Record record;
  record.samplingRateHz = rateHz;
  record.leads = {"I", "II", "III", "aVR", "aVL", "aVF", "V1", "V2", "V3", "V4", "V5", "V6"};
  record.microvolts.assign(12, std::vector<float>(n));
  auto& m = record.microvolts;
  for (std::size_t i = 0; i < n; ++i) {
    const double wilson = (e[RA][i] + e[LA][i] + e[LL][i]) / 3.0;
    const auto lead = [&](int l) { return 1000.0 * dot(kDower[l], vcg[i]); };
    const auto leadI = static_cast<float>(lead(0) + e[LA][i] - e[RA][i]);
    const auto leadII = static_cast<float>(lead(1) + e[LL][i] - e[RA][i]);
    // Einthoven's and Goldberger's leads from I and II, in float so that the identities hold to the last bit.
    m[0][i] = leadI;
    m[1][i] = leadII;
    m[2][i] = leadII - leadI;
    m[3][i] = -(leadI + leadII) / 2.0f;
    m[4][i] = leadI - leadII / 2.0f;
    m[5][i] = leadII - leadI / 2.0f;
    for (int v = 0; v < 6; ++v) m[6 + v][i] = static_cast<float>(lead(2 + v) + e[C1 + v][i] - wilson);
  }
  record.info["source"] = "synthetic";
  record.diagnosisCodes = spec.codes;
  record.measurements["heart rate"] = rounded(bpm, "/min");
  if (!fibrillation) record.measurements["PR interval"] = rounded(pr * 1000.0, "ms");
  record.measurements["QRS duration"] = rounded(qrsDuration * 1000.0, "ms");
  record.measurements["QT interval"] = rounded(qt * 1000.0, "ms");
  record.measurements["QRS axis"] = rounded(axis, "deg");
  return record;
}

Record synthesizeEcg(std::mt19937_64& rng, const std::vector<std::string>& codes, double samplingRateHz,
                     double seconds) {
  return synthesizeEcg(rng, SyntheticSpec{codes, samplingRateHz, seconds, std::nullopt});
}

std::vector<std::string> randomDiagnosis(std::mt19937_64& rng) {
  const std::vector<std::string>& c = synthesizableCodes();  // kCodes' class order
  std::vector<std::string> codes;
  const double rhythm = uniform(rng, 0.0, 1.0);
  const Class r = rhythm < 0.35 ? kSinus : rhythm < 0.55 ? kBrady : rhythm < 0.75 ? kTachy : kFibrillation;
  codes.push_back(c[r]);
  if (r != kFibrillation && chance(rng, 0.3)) codes.push_back(c[kFirstDegreeBlock]);
  const double block = uniform(rng, 0.0, 1.0);
  if (block < 0.2) codes.push_back(c[kRightBlock]);
  if (block >= 0.2 && block < 0.4) codes.push_back(c[kLeftBlock]);
  // Right axis deviation with LBBB is rare; LAD with either block (bifascicular block) is common.
  const double axis = uniform(rng, 0.0, 1.0);
  if (axis < 0.2) codes.push_back(c[kLeftAxis]);
  if (axis >= 0.2 && axis < 0.35 && !(block >= 0.2 && block < 0.4)) codes.push_back(c[kRightAxis]);
  if (chance(rng, 0.15)) codes.push_back(c[kVentricularPremature]);
  if (r != kFibrillation && chance(rng, 0.15)) codes.push_back(c[kAtrialPremature]);
  return codes;
}

}  // namespace krait::ecg
