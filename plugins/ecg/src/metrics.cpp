#include "metrics.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <fstream>
#include <limits>
#include <numeric>
#include <stdexcept>

#include "record.h"

namespace krait::ecg {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

std::string_view trim(std::string_view s) {
  constexpr std::string_view kSpace = " \t\r\n";
  const auto first = s.find_first_not_of(kSpace);
  if (first == std::string_view::npos) return {};
  return s.substr(first, s.find_last_not_of(kSpace) - first + 1);
}

std::vector<std::string_view> splitTrimmed(std::string_view s, char separator) {
  std::vector<std::string_view> parts;
  for (std::size_t begin = 0;;) {
    const auto end = s.find(separator, begin);
    parts.push_back(trim(s.substr(begin, end == std::string_view::npos ? std::string_view::npos : end - begin)));
    if (end == std::string_view::npos) return parts;
    begin = end + 1;
  }
}

// What Python's float() accepts of the output files (a leading '+', inf, nan), without locale dependence.
std::optional<double> parseNumber(std::string_view s) {
  if (s.starts_with('+')) s.remove_prefix(1);
  double value = 0.0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
  if (s.empty() || ec != std::errc() || end != s.data() + s.size()) return std::nullopt;
  return value;
}

std::optional<bool> parseBinary(std::string_view s) {
  if (s == "True" || s == "true" || s == "T" || s == "t") return true;
  if (s == "False" || s == "false" || s == "F" || s == "f") return false;
  if (const auto value = parseNumber(s); value && (*value == 0.0 || *value == 1.0)) return *value == 1.0;
  return std::nullopt;
}

// The scored classes an output column names (several codes of one class count once).
std::vector<std::size_t> classesOfColumn(std::string_view column, const std::filesystem::path& file,
                                         std::size_t index) {
  std::vector<std::size_t> classes;
  for (const std::string_view code : splitTrimmed(column, '|')) {
    if (code.empty() || !std::all_of(code.begin(), code.end(), [](char c) { return c >= '0' && c <= '9'; }))
      throw FileError(file.string(), "line 2, column " + std::to_string(index + 1) + ": '" + std::string(code) +
                                         "' is not a SNOMED CT code");
    if (const auto k = classOfCode(code); k && std::find(classes.begin(), classes.end(), *k) == classes.end())
      classes.push_back(*k);
  }
  return classes;
}

std::size_t checkedRows(std::size_t rows, std::size_t otherRows) {
  if (rows == 0) throw std::invalid_argument("ECG metrics: no recordings");
  if (otherRows != rows)
    throw std::invalid_argument("ECG metrics: " + std::to_string(rows) + " rows of labels but " +
                                std::to_string(otherRows) + " rows of outputs");
  return rows;
}

// sum(W ∘ A) for the modified confusion matrix A of the challenge metric.
double weightedScore(std::span<const ClassLabels> labels, std::span<const ClassLabels> outputs) {
  WeightMatrix a{};
  for (std::size_t i = 0; i < labels.size(); ++i) {
    std::size_t positives = 0;
    for (std::size_t k = 0; k < kNumClasses; ++k) positives += labels[i][k] || outputs[i][k];
    const double share = 1.0 / static_cast<double>(std::max<std::size_t>(positives, 1));
    for (std::size_t j = 0; j < kNumClasses; ++j)
      for (std::size_t k = 0; labels[i][j] && k < kNumClasses; ++k)
        if (outputs[i][k]) a[j][k] += share;
  }
  double score = 0.0;
  for (std::size_t j = 0; j < kNumClasses; ++j)
    for (std::size_t k = 0; k < kNumClasses; ++k) score += challengeWeights()[j][k] * a[j][k];
  return score;
}

}  // namespace

ChallengeOutput readChallengeOutput(const std::filesystem::path& file) {
  std::ifstream in(file);
  if (!in) throw FileError(file.string(), "cannot open the challenge output file");
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  while (!lines.empty() && trim(lines.back()).empty()) lines.pop_back();
  if (lines.size() != 4)
    throw FileError(file.string(), "a challenge output file has 4 lines (#record_id, classes, binary outputs, "
                                   "probabilities), this one has " + std::to_string(lines.size()));
  if (!lines[0].starts_with('#')) throw FileError(file.string(), "line 1 is not '#record_id'");

  const auto columns = splitTrimmed(lines[1], ',');
  const auto binaries = splitTrimmed(lines[2], ',');
  const auto probabilities = splitTrimmed(lines[3], ',');
  if (binaries.size() != columns.size() || probabilities.size() != columns.size())
    throw FileError(file.string(), std::to_string(columns.size()) + " classes but " +
                                       std::to_string(binaries.size()) + " binary outputs and " +
                                       std::to_string(probabilities.size()) + " probabilities");

  ChallengeOutput output;
  output.recordId = std::string(trim(std::string_view(lines[0]).substr(1)));
  std::array<std::size_t, kNumClasses> columnsOfClass{};
  for (std::size_t c = 0; c < columns.size(); ++c) {
    const auto binary = parseBinary(binaries[c]);
    const auto probability = parseNumber(probabilities[c]);
    if (!binary)
      throw FileError(file.string(), "line 3, column " + std::to_string(c + 1) + ": '" + std::string(binaries[c]) +
                                         "' is not a binary output (0 or 1)");
    if (!probability)
      throw FileError(file.string(), "line 4, column " + std::to_string(c + 1) + ": '" +
                                         std::string(probabilities[c]) + "' is not a number");
    for (const std::size_t k : classesOfColumn(columns[c], file, c)) {
      output.binary[k] = output.binary[k] || *binary;
      output.probabilities[k] += std::isfinite(*probability) ? *probability : 0.0;
      ++columnsOfClass[k];
    }
  }
  if (std::all_of(columnsOfClass.begin(), columnsOfClass.end(), [](std::size_t n) { return n == 0; }))
    throw FileError(file.string(), "line 2 names none of the scored classes");
  for (std::size_t k = 0; k < kNumClasses; ++k)
    if (columnsOfClass[k] > 1) output.probabilities[k] /= static_cast<double>(columnsOfClass[k]);
  return output;
}

void writeChallengeOutput(const std::filesystem::path& file, const ChallengeOutput& output) {
  std::ofstream out(file);
  if (!out) throw FileError(file.string(), "cannot create the challenge output file");
  std::string codes, binary, probabilities;
  for (std::size_t k = 0; k < kNumClasses; ++k) {
    if (k) {
      codes += ',';
      binary += ',';
      probabilities += ',';
    }
    codes += joinedCodes(scoredClasses()[k]);
    binary += output.binary[k] ? '1' : '0';
    char number[32];
    const auto end = std::to_chars(number, number + sizeof number, output.probabilities[k]).ptr;
    probabilities.append(number, end);
  }
  out << '#' << output.recordId << '\n' << codes << '\n' << binary << '\n' << probabilities << '\n';
  if (!out.flush()) throw FileError(file.string(), "cannot write the challenge output file");
}

std::optional<std::vector<std::string>> dxCodesOfLine(std::string_view line) {
  line = trim(line);
  if (!line.starts_with('#')) return std::nullopt;
  line = trim(line.substr(1));
  if (!line.starts_with("Dx")) return std::nullopt;
  line = trim(line.substr(2));
  if (!line.starts_with(':')) return std::nullopt;
  std::vector<std::string> codes;
  for (const std::string_view code : splitTrimmed(line.substr(1), ','))
    if (!code.empty()) codes.emplace_back(code);
  return codes;
}

std::vector<std::string> readDxCodes(const std::filesystem::path& headerFile) {
  std::ifstream in(headerFile);
  if (!in) throw FileError(headerFile.string(), "cannot open the header file");
  std::vector<std::string> codes;
  for (std::string line; std::getline(in, line);)
    if (auto lineCodes = dxCodesOfLine(line)) codes.insert(codes.end(), lineCodes->begin(), lineCodes->end());
  if (in.bad()) throw FileError(headerFile.string(), "cannot read the header file");
  return codes;
}

ClassLabels readLabels(const std::filesystem::path& headerFile) { return labelsFromCodes(readDxCodes(headerFile)); }

AreasUnderCurves areasUnderCurves(std::span<const ClassLabels> labels, std::span<const ClassScores> probabilities) {
  const std::size_t n = checkedRows(labels.size(), probabilities.size());
  for (const ClassScores& row : probabilities)
    if (!std::all_of(row.begin(), row.end(), [](double p) { return std::isfinite(p); }))
      throw std::invalid_argument("ECG metrics: non-finite probability");

  AreasUnderCurves areas{};
  std::vector<std::size_t> order(n);
  for (std::size_t k = 0; k < kNumClasses; ++k) {
    std::iota(order.begin(), order.end(), 0);
    std::sort(order.begin(), order.end(),
              [&](std::size_t a, std::size_t b) { return probabilities[a][k] > probabilities[b][k]; });
    // Sweep the threshold down through the distinct output values, from "no recording positive". The rates are
    // computed as the official code does: NaN where a denominator is 0, and the NaN propagates into the area.
    double tp = 0, fp = 0, fn = 0, tn = 0;
    for (const ClassLabels& row : labels) (row[k] ? fn : tn) += 1;
    const auto tpr = [&] { return tp + fn > 0 ? tp / (tp + fn) : kNaN; };
    const auto tnr = [&] { return fp + tn > 0 ? tn / (fp + tn) : kNaN; };
    double previousTpr = tpr(), previousTnr = tnr();
    double auroc = 0.0, auprc = 0.0;
    for (std::size_t i = 0; i < n;) {
      const double threshold = probabilities[order[i]][k];
      for (; i < n && probabilities[order[i]][k] >= threshold; ++i) {
        const bool positive = labels[order[i]][k];
        tp += positive;
        fn -= positive;
        fp += !positive;
        tn -= !positive;
      }
      const double ppv = tp / (tp + fp);  // not 0/0: the recordings at the threshold are called positive
      auroc += 0.5 * (tpr() - previousTpr) * (tnr() + previousTnr);
      auprc += (tpr() - previousTpr) * ppv;
      previousTpr = tpr();
      previousTnr = tnr();
    }
    areas.auroc[k] = auroc;
    areas.auprc[k] = auprc;
  }
  return areas;
}

ClassScores fMeasures(std::span<const ClassLabels> labels, std::span<const ClassLabels> binary) {
  checkedRows(labels.size(), binary.size());
  ClassScores f{};
  for (std::size_t k = 0; k < kNumClasses; ++k) {
    double tp = 0, fp = 0, fn = 0;
    for (std::size_t i = 0; i < labels.size(); ++i) {
      tp += labels[i][k] && binary[i][k];
      fp += !labels[i][k] && binary[i][k];
      fn += labels[i][k] && !binary[i][k];
    }
    f[k] = 2 * tp + fp + fn > 0 ? 2 * tp / (2 * tp + fp + fn) : kNaN;
  }
  return f;
}

double accuracy(std::span<const ClassLabels> labels, std::span<const ClassLabels> binary) {
  const std::size_t n = checkedRows(labels.size(), binary.size());
  std::size_t correct = 0;
  for (std::size_t i = 0; i < n; ++i) correct += labels[i] == binary[i];
  return static_cast<double>(correct) / static_cast<double>(n);
}

double challengeMetric(std::span<const ClassLabels> labels, std::span<const ClassLabels> binary) {
  checkedRows(labels.size(), binary.size());
  ClassLabels normalOnly{};
  normalOnly[kNormalClass] = true;
  const std::vector<ClassLabels> inactive(labels.size(), normalOnly);
  const double observed = weightedScore(labels, binary);
  const double correct = weightedScore(labels, labels);
  const double inactiveScore = weightedScore(labels, inactive);
  return correct != inactiveScore ? (observed - inactiveScore) / (correct - inactiveScore) : 0.0;
}

double macroAverage(const ClassScores& perClass) {
  double sum = 0.0;
  std::size_t count = 0;
  for (const double value : perClass)
    if (!std::isnan(value)) {
      sum += value;
      ++count;
    }
  return count ? sum / static_cast<double>(count) : kNaN;
}

Evaluation evaluate(std::span<const ClassLabels> labels, std::span<const ClassLabels> binary,
                    std::span<const ClassScores> probabilities) {
  const AreasUnderCurves areas = areasUnderCurves(labels, probabilities);
  const ClassScores f = fMeasures(labels, binary);
  return {macroAverage(areas.auroc), macroAverage(areas.auprc), accuracy(labels, binary), macroAverage(f),
          challengeMetric(labels, binary), areas.auroc, areas.auprc, f};
}

}  // namespace krait::ecg
