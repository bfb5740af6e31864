// The PhysioNet/CinC Challenge 2021 evaluation, reproducing evaluate_model.py of
// physionetchallenges/evaluation-2021 (e2a75fc): challenge metric, macro AUROC / AUPRC, accuracy, macro F-measure;
// and the files it reads: labels from WFDB headers' #Dx lines and the challenge's per-recording output CSV.
//
// Undefined per-class values are NaN, as in the official code: AUROC and AUPRC of a class without positives
// (AUROC also without negatives), F-measure of a class with neither positives nor positive outputs. Macro values
// average the classes that are not NaN, and are NaN when none is left.
#pragma once

#include <filesystem>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "classes.h"

namespace krait::ecg {

// One recording's classifier output as the challenge's output files hold it.
struct ChallengeOutput {
  std::string recordId;
  ClassLabels binary{};
  ClassScores probabilities{};
};

// Reads an output file: `#record_id`, class codes, binary outputs, probabilities (comma-separated, one line each).
// Columns may come in any order and name codes as `a|b`; the columns of one class combine as the official code
// combines them (binary: any; probability: mean); classes without a column are 0. Well-formed SNOMED CT codes that
// are not scored are skipped, as the official code skips them (its example classifier writes every class it saw).
// Binary entries are 0 or 1 (any numeric spelling) or True/true/T/t/False/false/F/f; non-finite probabilities count
// as 0 as in the official code. Throws FileError naming the file for anything else, and for a file that names
// none of the scored classes (which the official code would score as all 0).
ChallengeOutput readChallengeOutput(const std::filesystem::path& file);

// Writes the 26 classes in scoredClasses() order, equivalent codes joined as `a|b`; probabilities round-trip.
void writeChallengeOutput(const std::filesystem::path& file, const ChallengeOutput& output);

// The codes of a header line `#Dx: a,b,...` (also `# Dx:`, which the official code misses), nothing for other lines.
std::optional<std::vector<std::string>> dxCodesOfLine(std::string_view line);

// Every #Dx code of a WFDB header file, in file order; throws FileError when it cannot be read.
std::vector<std::string> readDxCodes(const std::filesystem::path& headerFile);

// labelsFromCodes(readDxCodes(headerFile)).
ClassLabels readLabels(const std::filesystem::path& headerFile);

// The metrics take one row per recording; every argument must have the same, non-zero number of rows, and
// probabilities must be finite (std::invalid_argument otherwise).

struct AreasUnderCurves {
  ClassScores auroc;  // trapezoids over the distinct output values
  ClassScores auprc;  // recall steps times precision: average precision
};
AreasUnderCurves areasUnderCurves(std::span<const ClassLabels> labels, std::span<const ClassScores> probabilities);

// Per class 2TP / (2TP + FP + FN).
ClassScores fMeasures(std::span<const ClassLabels> labels, std::span<const ClassLabels> binary);

// The fraction of recordings whose 26 binary outputs all equal their labels.
double accuracy(std::span<const ClassLabels> labels, std::span<const ClassLabels> binary);

// (score − inactive) / (correct − inactive), where score sums challengeWeights() ∘ A over the modified confusion
// matrix A (A[label class][output class] += 1 / |labels ∪ outputs| per recording), "correct" outputs the labels and
// "inactive" outputs sinus rhythm only; 0 when correct and inactive score the same.
double challengeMetric(std::span<const ClassLabels> labels, std::span<const ClassLabels> binary);

// Mean over the classes that are not NaN; NaN when all are.
double macroAverage(const ClassScores& perClass);

struct Evaluation {
  double auroc, auprc, accuracy, fMeasure, challengeMetric;
  ClassScores aurocPerClass, auprcPerClass, fMeasurePerClass;
};
Evaluation evaluate(std::span<const ClassLabels> labels, std::span<const ClassLabels> binary,
                    std::span<const ClassScores> probabilities);

}  // namespace krait::ecg
