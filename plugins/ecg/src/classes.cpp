#include "classes.h"

namespace krait::ecg {

const std::array<ScoredClass, kNumClasses>& scoredClasses() {
  using enum DisplayGroup;
  // Codes and order: weights.csv of physionetchallenges/evaluation-2021 at e2a75fc; abbreviations from its
  // weights_abbreviations.csv; names and groups from spec §1.4.
  static const std::array<ScoredClass, kNumClasses> classes{{
      {{"164889003"}, "AF", "atrial fibrillation", Rhythm},
      {{"164890007"}, "AFL", "atrial flutter", Rhythm},
      {{"6374002"}, "BBB", "bundle branch block", Conduction},
      {{"426627000"}, "Brady", "bradycardia", Rhythm},
      {{"733534002", "164909002"}, "CLBBB|LBBB", "complete left bundle branch block | left bundle branch block",
       Conduction},
      {{"713427006", "59118001"}, "CRBBB|RBBB", "complete right bundle branch block | right bundle branch block",
       Conduction},
      {{"270492004"}, "IAVB", "1st degree AV block", Conduction},
      {{"713426002"}, "IRBBB", "incomplete right bundle branch block", Conduction},
      {{"39732003"}, "LAD", "left axis deviation", Axis},
      {{"445118002"}, "LAnFB", "left anterior fascicular block", Conduction},
      {{"164947007"}, "LPR", "prolonged PR interval", Conduction},
      {{"251146004"}, "LQRSV", "low QRS voltages", Morphology},
      {{"111975006"}, "LQT", "prolonged QT interval", Morphology},
      {{"698252002"}, "NSIVCB", "nonspecific intraventricular conduction disorder", Conduction},
      {{"426783006"}, "NSR", "sinus rhythm", Rhythm},
      {{"284470004", "63593006"}, "PAC|SVPB", "premature atrial contraction | supraventricular premature beats",
       Ectopy},
      {{"10370003"}, "PR", "pacing rhythm", Rhythm},
      {{"365413008"}, "PRWP", "poor R wave progression", Morphology},
      {{"427172004", "17338001"}, "PVC|VPB", "premature ventricular contractions | ventricular premature beats",
       Ectopy},
      {{"164917005"}, "QAb", "Q wave abnormal", Morphology},
      {{"47665007"}, "RAD", "right axis deviation", Axis},
      {{"427393009"}, "SA", "sinus arrhythmia", Rhythm},
      {{"426177001"}, "SB", "sinus bradycardia", Rhythm},
      {{"427084000"}, "STach", "sinus tachycardia", Rhythm},
      {{"164934002"}, "TAb", "T wave abnormal", Morphology},
      {{"59931005"}, "TInv", "T wave inversion", Morphology},
  }};
  return classes;
}

const WeightMatrix& challengeWeights() {
  // weights.csv of physionetchallenges/evaluation-2021 at e2a75fc, rows and columns in scoredClasses() order.
  static const WeightMatrix weights{{
    {1.0, 0.5, 0.475, 0.3, 0.475, 0.4, 0.3, 0.3, 0.35, 0.35, 0.3, 0.425, 0.45,  // AF
     0.35, 0.25, 0.3375, 0.375, 0.425, 0.375, 0.4, 0.35, 0.3, 0.3, 0.375, 0.5, 0.5},
    {0.5, 1.0, 0.475, 0.3, 0.475, 0.4, 0.3, 0.3, 0.35, 0.35, 0.3, 0.425, 0.45,  // AFL
     0.35, 0.25, 0.3375, 0.375, 0.425, 0.375, 0.4, 0.35, 0.3, 0.3, 0.375, 0.5, 0.5},
    {0.475, 0.475, 1.0, 0.325, 0.475, 0.425, 0.325, 0.325, 0.375, 0.375, 0.325, 0.45, 0.475,  // BBB
     0.375, 0.275, 0.3625, 0.4, 0.45, 0.4, 0.375, 0.375, 0.325, 0.325, 0.4, 0.475, 0.475},
    {0.3, 0.3, 0.325, 1.0, 0.325, 0.4, 0.5, 0.5, 0.45, 0.45, 0.5, 0.375, 0.35,  // Brady
     0.45, 0.45, 0.4625, 0.425, 0.375, 0.425, 0.2, 0.45, 0.5, 0.5, 0.425, 0.3, 0.3},
    {0.475, 0.475, 0.475, 0.325, 1.0, 0.425, 0.325, 0.325, 0.375, 0.375, 0.325, 0.45, 0.475,  // CLBBB|LBBB
     0.375, 0.275, 0.3625, 0.4, 0.45, 0.4, 0.375, 0.375, 0.325, 0.325, 0.4, 0.475, 0.475},
    {0.4, 0.4, 0.425, 0.4, 0.425, 1.0, 0.4, 0.4, 0.45, 0.45, 0.4, 0.475, 0.45,  // CRBBB|RBBB
     0.45, 0.35, 0.4375, 0.475, 0.475, 0.475, 0.3, 0.45, 0.4, 0.4, 0.475, 0.4, 0.4},
    {0.3, 0.3, 0.325, 0.5, 0.325, 0.4, 1.0, 0.5, 0.45, 0.45, 0.5, 0.375, 0.35,  // IAVB
     0.45, 0.45, 0.4625, 0.425, 0.375, 0.425, 0.2, 0.45, 0.5, 0.5, 0.425, 0.3, 0.3},
    {0.3, 0.3, 0.325, 0.5, 0.325, 0.4, 0.5, 1.0, 0.45, 0.45, 0.5, 0.375, 0.35,  // IRBBB
     0.45, 0.45, 0.4625, 0.425, 0.375, 0.425, 0.2, 0.45, 0.5, 0.5, 0.425, 0.3, 0.3},
    {0.35, 0.35, 0.375, 0.45, 0.375, 0.45, 0.45, 0.45, 1.0, 0.5, 0.45, 0.425, 0.4,  // LAD
     0.5, 0.4, 0.4875, 0.475, 0.425, 0.475, 0.25, 0.5, 0.45, 0.45, 0.475, 0.35, 0.35},
    {0.35, 0.35, 0.375, 0.45, 0.375, 0.45, 0.45, 0.45, 0.5, 1.0, 0.45, 0.425, 0.4,  // LAnFB
     0.5, 0.4, 0.4875, 0.475, 0.425, 0.475, 0.25, 0.5, 0.45, 0.45, 0.475, 0.35, 0.35},
    {0.3, 0.3, 0.325, 0.5, 0.325, 0.4, 0.5, 0.5, 0.45, 0.45, 1.0, 0.375, 0.35,  // LPR
     0.45, 0.45, 0.4625, 0.425, 0.375, 0.425, 0.2, 0.45, 0.5, 0.5, 0.425, 0.3, 0.3},
    {0.425, 0.425, 0.45, 0.375, 0.45, 0.475, 0.375, 0.375, 0.425, 0.425, 0.375, 1.0, 0.475,  // LQRSV
     0.425, 0.325, 0.4125, 0.45, 0.475, 0.45, 0.325, 0.425, 0.375, 0.375, 0.45, 0.425, 0.425},
    {0.45, 0.45, 0.475, 0.35, 0.475, 0.45, 0.35, 0.35, 0.4, 0.4, 0.35, 0.475, 1.0,  // LQT
     0.4, 0.3, 0.3875, 0.425, 0.475, 0.425, 0.35, 0.4, 0.35, 0.35, 0.425, 0.45, 0.45},
    {0.35, 0.35, 0.375, 0.45, 0.375, 0.45, 0.45, 0.45, 0.5, 0.5, 0.45, 0.425, 0.4,  // NSIVCB
     1.0, 0.4, 0.4875, 0.475, 0.425, 0.475, 0.25, 0.5, 0.45, 0.45, 0.475, 0.35, 0.35},
    {0.25, 0.25, 0.275, 0.45, 0.275, 0.35, 0.45, 0.45, 0.4, 0.4, 0.45, 0.325, 0.3,  // NSR
     0.4, 1.0, 0.4125, 0.375, 0.325, 0.375, 0.15, 0.4, 0.45, 0.45, 0.375, 0.25, 0.25},
    {0.3375, 0.3375, 0.3625, 0.4625, 0.3625, 0.4375, 0.4625, 0.4625, 0.4875, 0.4875, 0.4625, 0.4125, 0.3875,
     0.4875, 0.4125, 1.0, 0.4625, 0.4125, 0.4625, 0.2375, 0.4875, 0.4625, 0.4625, 0.4625, 0.3375, 0.3375},  // PAC|SVPB
    {0.375, 0.375, 0.4, 0.425, 0.4, 0.475, 0.425, 0.425, 0.475, 0.475, 0.425, 0.45, 0.425,  // PR
     0.475, 0.375, 0.4625, 1.0, 0.45, 0.5, 0.275, 0.475, 0.425, 0.425, 0.5, 0.375, 0.375},
    {0.425, 0.425, 0.45, 0.375, 0.45, 0.475, 0.375, 0.375, 0.425, 0.425, 0.375, 0.475, 0.475,  // PRWP
     0.425, 0.325, 0.4125, 0.45, 1.0, 0.45, 0.325, 0.425, 0.375, 0.375, 0.45, 0.425, 0.425},
    {0.375, 0.375, 0.4, 0.425, 0.4, 0.475, 0.425, 0.425, 0.475, 0.475, 0.425, 0.45, 0.425,  // PVC|VPB
     0.475, 0.375, 0.4625, 0.5, 0.45, 1.0, 0.275, 0.475, 0.425, 0.425, 0.5, 0.375, 0.375},
    {0.4, 0.4, 0.375, 0.2, 0.375, 0.3, 0.2, 0.2, 0.25, 0.25, 0.2, 0.325, 0.35,  // QAb
     0.25, 0.15, 0.2375, 0.275, 0.325, 0.275, 1.0, 0.25, 0.2, 0.2, 0.275, 0.4, 0.4},
    {0.35, 0.35, 0.375, 0.45, 0.375, 0.45, 0.45, 0.45, 0.5, 0.5, 0.45, 0.425, 0.4,  // RAD
     0.5, 0.4, 0.4875, 0.475, 0.425, 0.475, 0.25, 1.0, 0.45, 0.45, 0.475, 0.35, 0.35},
    {0.3, 0.3, 0.325, 0.5, 0.325, 0.4, 0.5, 0.5, 0.45, 0.45, 0.5, 0.375, 0.35,  // SA
     0.45, 0.45, 0.4625, 0.425, 0.375, 0.425, 0.2, 0.45, 1.0, 0.5, 0.425, 0.3, 0.3},
    {0.3, 0.3, 0.325, 0.5, 0.325, 0.4, 0.5, 0.5, 0.45, 0.45, 0.5, 0.375, 0.35,  // SB
     0.45, 0.45, 0.4625, 0.425, 0.375, 0.425, 0.2, 0.45, 0.5, 1.0, 0.425, 0.3, 0.3},
    {0.375, 0.375, 0.4, 0.425, 0.4, 0.475, 0.425, 0.425, 0.475, 0.475, 0.425, 0.45, 0.425,  // STach
     0.475, 0.375, 0.4625, 0.5, 0.45, 0.5, 0.275, 0.475, 0.425, 0.425, 1.0, 0.375, 0.375},
    {0.5, 0.5, 0.475, 0.3, 0.475, 0.4, 0.3, 0.3, 0.35, 0.35, 0.3, 0.425, 0.45,  // TAb
     0.35, 0.25, 0.3375, 0.375, 0.425, 0.375, 0.4, 0.35, 0.3, 0.3, 0.375, 1.0, 0.5},
    {0.5, 0.5, 0.475, 0.3, 0.475, 0.4, 0.3, 0.3, 0.35, 0.35, 0.3, 0.425, 0.45,  // TInv
     0.35, 0.25, 0.3375, 0.375, 0.425, 0.375, 0.4, 0.35, 0.3, 0.3, 0.375, 0.5, 1.0},
  }};
  return weights;
}

std::optional<std::size_t> classOfCode(std::string_view code) {
  const auto& classes = scoredClasses();
  for (std::size_t k = 0; k < kNumClasses; ++k)
    for (const std::string& c : classes[k].codes)
      if (c == code) return k;
  return std::nullopt;
}

ClassLabels labelsFromCodes(const std::vector<std::string>& codes) {
  ClassLabels labels{};
  for (const std::string& code : codes)
    if (const auto k = classOfCode(code)) labels[*k] = true;
  return labels;
}

std::string joinedCodes(const ScoredClass& scoredClass) {
  std::string joined;
  for (const std::string& code : scoredClass.codes) joined += (joined.empty() ? "" : "|") + code;
  return joined;
}

std::string_view displayGroupName(DisplayGroup group) {
  switch (group) {
    case DisplayGroup::Rhythm: return "rhythm";
    case DisplayGroup::Conduction: return "conduction";
    case DisplayGroup::Axis: return "axis";
    case DisplayGroup::Ectopy: return "ectopy";
    case DisplayGroup::Morphology: return "morphology";
  }
  return "";
}

}  // namespace krait::ecg
