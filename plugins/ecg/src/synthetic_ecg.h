// Synthetic 12-lead ECGs for training and demonstrating the classifier on the few classes a dipole model can
// produce honestly: sinus rhythm, sinus bradycardia and tachycardia, atrial fibrillation, first-degree AV block,
// right and left bundle branch block, left and right axis deviation, premature ventricular and atrial contractions.
// Each beat is a heart vector (vectorcardiogram) made of Gaussian waves in x, y, z (McSharry et al. 2003 ECGSYN,
// extended to three dimensions by Sameni et al. 2007) projected on the 12 leads with Dower's fixed lead vectors, so
// the leads agree with each other as real ones do. Nothing else of the 26 challenge classes is modelled: a model
// trained on these recordings knows nothing of the others.
#pragma once

#include <optional>
#include <random>
#include <string>
#include <vector>

#include "record.h"

namespace krait::ecg {

struct SyntheticSpec {
  // SNOMED CT codes of the classes to produce: exactly one rhythm (sinus rhythm, sinus bradycardia, sinus
  // tachycardia or atrial fibrillation) and any compatible others; see synthesizableCodes().
  std::vector<std::string> codes;
  double samplingRateHz = 500.0;
  double seconds = 10.0;
  // The sinus rate, or the mean ventricular rate in atrial fibrillation (whose random cycles then report a rate
  // near it); drawn from the rhythm's range when empty. It must agree with the rhythm code (60-100 for sinus
  // rhythm, < 60 for bradycardia, > 100 for tachycardia).
  std::optional<double> heartRatePerMin;
};

// The codes synthesizeEcg() produces, one per class (it also takes the challenge's equivalent codes of those
// classes: 713427006 complete RBBB, 733534002 complete LBBB, 17338001 ventricular and 63593006 supraventricular
// premature beats).
const std::vector<std::string>& synthesizableCodes();

// One recording of the classes in spec.codes, with parameters drawn from `rng` (the same generator state gives the
// same recording): leads I, II, III, aVR, aVL, aVF, V1-V6 in microvolts, diagnosisCodes = spec.codes,
// info["source"] = "synthetic", and the truth of the drawn parameters as measurements ("heart rate" "72 /min",
// "PR interval" "164 ms" (not in atrial fibrillation), "QRS duration" "96 ms", "QT interval" "380 ms",
// "QRS axis" "45 deg"). Throws std::invalid_argument for codes it cannot produce, contradictory ones (two rhythms,
// atrial fibrillation with AV block or atrial premature beats, both bundle branch blocks, both axis deviations),
// a heart rate outside the rhythm's range, and a non-positive rate or duration.
Record synthesizeEcg(std::mt19937_64& rng, const SyntheticSpec& spec);
Record synthesizeEcg(std::mt19937_64& rng, const std::vector<std::string>& codes, double samplingRateHz = 500.0,
                     double seconds = 10.0);

// A label set for training, drawn so that every class of synthesizableCodes() is well represented (about 10-35 % of
// draws each) in plausible combinations; synthesizeEcg() accepts every draw.
std::vector<std::string> randomDiagnosis(std::mt19937_64& rng);

}  // namespace krait::ecg
