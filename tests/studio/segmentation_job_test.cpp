// The studio's segmentation job off the calling thread: progress, cancel, and errors that reach the window
// as text instead of crashing it.
#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "krait/base/error.h"
#include "krait/base/label_palette.h"
#include "krait/io/volume_io.h"
#include "run_cli.h"
#include "segmentation_job.h"
#include "testdata.h"

using namespace krait;
using namespace krait::studio;

namespace {

const std::filesystem::path kModel = std::filesystem::path(KRAIT_FIXTURES) / "pipeline" / "t1_2d_on_3d" / "model";

SegmentationStatus waitForEnd(SegmentationJob& job) {
  job.wait();
  return job.status();
}

}  // namespace

TEST(SegmentationJob, CancelStopsTheRunBetweenTiles) {
  SegmentationJob job;
  job.start({kModel.string(), {}, io::readVolume(test::testData("nifti-itk/KmeansTest_T1UCharRaw.nii.gz"))});
  // Cancel once the network runs, so the flag is seen by the tile loop, not before the model loads.
  for (int i = 0; i < 600 && job.status().stage != "network"; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  EXPECT_EQ(job.status().stage, "network");
  EXPECT_TRUE(job.status().running);
  job.cancel();
  const SegmentationStatus s = waitForEnd(job);
  EXPECT_FALSE(s.running);
  EXPECT_NE(s.error.find("cancel"), std::string::npos) << s.error;
  EXPECT_LT(s.done, s.total);
  EXPECT_FALSE(job.take().has_value());
}

TEST(SegmentationJob, ErrorsComeBackAsText) {
  SegmentationJob job;
  Geometry g;
  g.size = {8, 8, 8};
  job.start({kModel.string(), {}, Volume(g, PixelType::Int16, 2)});
  SegmentationStatus s = waitForEnd(job);
  EXPECT_NE(s.error.find("takes 1 channel(s); the image has 2"), std::string::npos) << s.error;
  job.start({(kModel.parent_path() / "no_such_model").string(), {}, Volume(g, PixelType::Int16)});
  s = waitForEnd(job);
  EXPECT_NE(s.error.find("no_such_model"), std::string::npos) << s.error;
  EXPECT_FALSE(job.take().has_value());
}

TEST(SegmentationJob, GivesTheMaskKraitSegmentWritesWithTheDatasetsLabelsAndDefaultColours) {
  // The studio's job and the CLI call the same engine: the same model, options and image give the same mask.
  const test::TempDir d;
  const std::filesystem::path image = test::testData("nifti-nibabel/anatomical.nii");
  const auto cli = test::runKrait({"segment", "-m", kModel.string(), "-i", image.string(), "-o",
                                   (d / "mask.nii.gz").string(), "--quiet"});
  ASSERT_EQ(cli.exitCode, 0) << cli.err;
  SegmentationJob job;
  job.start({kModel.string(), {}, io::readVolume(image)});
  const SegmentationStatus s = waitForEnd(job);
  ASSERT_TRUE(s.error.empty()) << s.error;
  const std::optional<SegmentationOutcome> outcome = job.take();
  ASSERT_TRUE(outcome.has_value());
  const Volume written = io::readVolume(d / "mask.nii.gz");
  EXPECT_TRUE(outcome->labels.geometry().sameAs(written.geometry(), 1e-5));
  EXPECT_TRUE(outcome->labels.sameVoxels(written));
  EXPECT_GT(outcome->labels.valueRange().max, 0.0);

  ASSERT_EQ(outcome->entries.size(), 2u);
  EXPECT_EQ(outcome->entries[0].value, 1);
  EXPECT_EQ(outcome->entries[0].name, "grey_matter");
  EXPECT_EQ(outcome->entries[0].colour, defaultLabelColour(1));
  EXPECT_EQ(outcome->modelName, "model");
  EXPECT_EQ(outcome->modelVersion.size(), 16u);  // the model's checksum, as its SEGs name it
}
