// The studio's segmentation job off the calling thread: progress, cancel, and errors that reach the window
// as text instead of crashing it.
#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "krait/core/error.h"
#include "krait/io/volume_io.h"
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
  job.start({kModel, torch::kCPU, models::Precision::Float32,
             io::readVolume(test::testData("nifti-itk/KmeansTest_T1UCharRaw.nii.gz"))});
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
  job.start({kModel, torch::kCPU, models::Precision::Float32, Volume(g, PixelType::Int16, 2)});
  SegmentationStatus s = waitForEnd(job);
  EXPECT_NE(s.error.find("takes 1 channel(s); the image has 2"), std::string::npos) << s.error;
  job.start({kModel.parent_path() / "no_such_model", torch::kCPU, models::Precision::Float32, Volume(g, PixelType::Int16)});
  s = waitForEnd(job);
  EXPECT_NE(s.error.find("no_such_model"), std::string::npos) << s.error;
  EXPECT_FALSE(job.take().has_value());
}

TEST(SegmentationJob, LabelsComeFromTheDatasetWithDefaultColours) {
  const auto entries = modelLabels(kModel);
  ASSERT_FALSE(entries.empty());
  EXPECT_EQ(entries[0].value, 1);
  EXPECT_EQ(entries[0].colour, models::defaultLabelColour(1));
}
