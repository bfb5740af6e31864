// `krait segment` against masks the official nnU-Net predictor wrote for the same model folders and real
// catalogue volumes (tests/fixtures/pipeline/*, made by make_pipeline_fixtures.py): the same geometry and at
// least 99.9 % of voxels equal. nnU-Net accumulates logits in float16 where Krait uses float32, so voxels
// whose two best classes nearly tie may differ; case.json counts them.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <fstream>

#include "cranium_ct.h"
#include "krait/io/volume_io.h"
#include "mask_parity.h"
#include "run_cli.h"
#include "testdata.h"

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

const fs::path kFixtures = fs::path(KRAIT_FIXTURES) / "pipeline";

json caseJson(const std::string& name) {
  std::ifstream in(kFixtures / name / "case.json");
  return json::parse(in);
}

void expectParity(const std::string& name, const fs::path& input, std::vector<std::string> extra = {}) {
  const krait::test::TempDir tmp;
  const json c = caseJson(name);
  std::vector<std::string> args{"segment", "-m", (kFixtures / name / "model").string(), "-i", input.string(),
                                "-o", (tmp / "mask.nii.gz").string(), "--json"};
  if (!c.at("predictor").at("use_mirroring").get<bool>()) args.push_back("--disable-tta");
  args.insert(args.end(), extra.begin(), extra.end());
  const auto r = krait::test::runKrait(args);
  ASSERT_EQ(r.exitCode, 0) << r.err;
  const json report = json::parse(r.out);
  EXPECT_EQ(report.at("grid").at("network"), c.at("preprocessed_shape"));
  EXPECT_EQ(report.at("grid").at("cropped"), c.at("shape_after_cropping_and_before_resampling"));

  krait::test::expectMaskParity(krait::io::readVolume(tmp / "mask.nii.gz"),
                                krait::io::readVolume(kFixtures / name / "expected.nii.gz"), c.at("label_voxel_counts"), name);
}

TEST(PipelineParity, TwoDimensionalConfigurationOnAVolume) {
  expectParity("t1_2d_on_3d", krait::test::testData(caseJson("t1_2d_on_3d").at("input")));
}

TEST(PipelineParity, CtNormalisationAndCubicResampling) {
  const krait::test::TempDir tmp;
  expectParity("ct_3d", krait::test::craniumCtNifti(tmp.path()));
}

TEST(PipelineParity, SeparateZResamplingAndTransposedAxes) {
  expectParity("t1_separate_z", krait::test::testData(caseJson("t1_separate_z").at("input")));
}

TEST(PipelineParity, MaskedZScoreMirroringAndTwoFolds) {
  expectParity("t1_masked_zscore_tta_2folds",
               krait::test::testData(caseJson("t1_masked_zscore_tta_2folds").at("input")));
}

}  // namespace
