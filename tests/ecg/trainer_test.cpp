// `krait ecg train`'s training loop on a tiny network: it runs Krait's selective scan forward and backward (as the
// host gives it to the plugin), writes a model folder that the classifier opens, and refuses to overwrite one.
#include "trainer.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cmath>
#include <random>

#include "classifier.h"
#include "krait_scan.h"
#include "synthetic_ecg.h"
#include "testdata.h"

namespace krait::ecg {
namespace {

nlohmann::json tinyArchitecture() {
  return {{"in_channels", 12}, {"input_length", 1024},
          {"stem", {{{"channels", 16}, {"kernel", 14}, {"stride", 3}, {"padding", 2}},
                    {{"channels", 32}, {"kernel", 15}, {"stride", 4}, {"padding", 100}}}},
          {"stem_conv_bias", true}, {"stem_bn_eps", 1e-5}, {"embed_dim", 32}, {"depth", 1}, {"d_state", 8},
          {"d_conv", 4}, {"expand", 2}, {"dt_rank", 2}, {"norm_eps", 1e-5}, {"bimamba_type", "v2"},
          {"divide_out", true}, {"cls_token_index", 66}, {"pos_embed_length", 133},
          {"num_classes", static_cast<int64_t>(trainableCodes().size())}};
}

}  // namespace

TEST(EcgTrainer, WritesAModelFolderTheClassifierOpens) {
  const test::TempDir dir;
  TrainOptions o;
  o.output = dir / "model";
  o.architecture = tinyArchitecture();
  o.epochs = 2;
  o.recordsPerEpoch = 16;
  o.validationRecords = 8;
  o.batchSize = 8;
  o.command = "krait ecg train (test)";
  std::vector<EpochReport> seen;
  const TrainResult r = trainEcgModel(o, kraitScan, [&](const EpochReport& e) { seen.push_back(e); });
  ASSERT_EQ(seen.size(), 2u);
  for (const EpochReport& e : r.epochs) {
    EXPECT_TRUE(std::isfinite(e.trainLoss) && e.trainLoss > 0) << e.trainLoss;
    EXPECT_TRUE(std::isfinite(e.validationLoss)) << e.validationLoss;
  }
  ASSERT_EQ(r.thresholds.size(), trainableCodes().size());

  const ModelSpec spec = readModelSpec(o.output);  // checks the weights' sha256 too
  EXPECT_EQ(spec.classes.size(), trainableCodes().size());
  EXPECT_NE(spec.intendedUse.find("not for clinical use"), std::string::npos);
  EXPECT_EQ(spec.provenance.at("epochs"), 2);
  EXPECT_EQ(spec.provenance.at("history").size(), 2u);
  for (size_t k = 0; k < spec.classes.size(); ++k) EXPECT_EQ(spec.classes[k].threshold, r.thresholds[k]);

  const EcgClassifier classifier(o.output, "cpu", kraitScan);
  std::mt19937_64 rng(99);
  const Classification c = classifier.classify(synthesizeEcg(rng, {"426783006"}));
  ASSERT_EQ(c.probabilities.size(), trainableCodes().size());
  for (double p : c.probabilities) EXPECT_TRUE(p >= 0 && p <= 1) << p;

  EXPECT_THROW(trainEcgModel(o, kraitScan, nullptr), FileError);  // the folder holds a model now
}

TEST(EcgTrainer, RefusesAnArchitectureThatDoesNotFitTheClasses) {
  const test::TempDir dir;
  TrainOptions o;
  o.output = dir / "model";
  o.architecture = tinyArchitecture();
  o.architecture["num_classes"] = 26;
  EXPECT_THROW(trainEcgModel(o, kraitScan, nullptr), std::invalid_argument);
  EXPECT_FALSE(std::filesystem::exists(o.output));
}

}  // namespace krait::ecg
