// The label space of the ECG plugin: the 26 classes scored by the PhysioNet/CinC Challenge 2021 (30 SNOMED CT
// codes, some scored as one class), their weights for the challenge metric, and the mapping from a record's
// diagnosis codes to a label vector. Order and equivalences are those of the official weights.csv.
#pragma once

#include <array>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace krait::ecg {

inline constexpr std::size_t kNumClasses = 26;

// Per-class vectors in scoredClasses() order.
using ClassLabels = std::array<bool, kNumClasses>;
using ClassScores = std::array<double, kNumClasses>;
using WeightMatrix = std::array<ClassScores, kNumClasses>;  // [label class][output class]

// How the viewer groups the classes (spec §1.4); not part of the challenge.
enum class DisplayGroup { Rhythm, Conduction, Axis, Ectopy, Morphology };

struct ScoredClass {
  // SNOMED CT codes scored as this class; more than one where weights.csv writes `a|b`.
  std::vector<std::string> codes;
  std::string abbreviation;  // as weights_abbreviations.csv, e.g. "CLBBB|LBBB"
  std::string name;
  DisplayGroup group;
};

// The 26 classes in weights.csv column order (the order of every ClassLabels / ClassScores).
const std::array<ScoredClass, kNumClasses>& scoredClasses();

// weights.csv: the credit for answering the column class when the row class is true (1 on the diagonal).
const WeightMatrix& challengeWeights();

// Sinus rhythm (426783006): the "normal" class, and the only output of the metric's inactive baseline.
inline constexpr std::size_t kNormalClass = 14;

// The class a SNOMED CT code is scored as, or nothing for codes the challenge does not score.
std::optional<std::size_t> classOfCode(std::string_view code);

// The classes present among a record's diagnosis codes; unscored codes are ignored.
ClassLabels labelsFromCodes(const std::vector<std::string>& codes);

// "a|b": the codes of a class as weights.csv and the challenge's output files spell them.
std::string joinedCodes(const ScoredClass& scoredClass);

std::string_view displayGroupName(DisplayGroup group);

}  // namespace krait::ecg
