// A segmentation cancelled at any stage (issue 23): a progress callback that says stop when a stage starts, in the
// middle of the network's tiles or when a stage ends makes Segmenter::segment throw Error(Cancelled) at once,
// with no report of a later stage and no result, so that no front end can take a half-made label map (ITK's real
// three-slice proton density image through the pipeline fixtures' 2D model: a few tiles a slice).
#include <gtest/gtest.h>

#include <filesystem>
#include <set>
#include <vector>

#include "krait/base/error.h"
#include "krait/engine/segmenter.h"
#include "krait/io/volume_io.h"
#include "testdata.h"

using namespace krait;

namespace {

const std::filesystem::path kModel = std::filesystem::path(KRAIT_FIXTURES) / "pipeline" / "t1_2d_on_3d" / "model";

// The reports a segmentation made, cancelled at the first report for which `stop` holds (never, if it never does).
std::vector<Progress> reportsUntil(Segmenter& segmenter, const Volume& image, const std::function<bool(const Progress&)>& stop,
                                   bool& cancelled) {
  std::vector<Progress> reports;
  SegmentOptions options;
  options.progress = [&](const Progress& p) {
    reports.push_back(p);
    return !stop(p);
  };
  cancelled = false;
  try {
    const Segmentation s = segmenter.segment({image}, options);
    EXPECT_FALSE(s.labels.empty());
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::Cancelled) << e.what();
    cancelled = true;
  }
  return reports;
}

}  // namespace

TEST(SegmenterCancel, EveryStageStopsAtTheReportThatAsksIt) {
  SegmenterOptions fast;  // a tile step of 1 and no mirroring: 18 tiles, each a network call
  fast.step = 1.0;
  fast.mirroring = false;
  Segmenter segmenter(kModel.string(), fast);
  const Volume image = io::readVolume(test::testData("nifti-itk/BrainProtonDensity3Slices.mha"));
  bool cancelled = false;
  const std::vector<Progress> all = reportsUntil(segmenter, image, [](const Progress&) { return false; }, cancelled);
  ASSERT_FALSE(cancelled);
  ASSERT_GE(all.size(), 6u);  // preprocess 0 and 1, at least two tiles, export 0 and 1
  ASSERT_EQ(all.front().stage, "preprocess");
  ASSERT_EQ(all.back().stage, "export");
  // Stop at each stage's first and last report, and in the middle of the tiles; the very last report included (the
  // labels are made then, and still not handed out).
  std::set<std::size_t> stops{all.size() / 2};
  for (std::size_t k = 0; k < all.size(); ++k)
    if (k == 0 || k + 1 == all.size() || all[k - 1].stage != all[k].stage || all[k + 1].stage != all[k].stage) stops.insert(k);
  for (const std::size_t k : stops) {
    SCOPED_TRACE(all[k].stage + " " + std::to_string(all[k].done) + "/" + std::to_string(all[k].total));
    std::size_t seen = 0;
    const std::vector<Progress> reports = reportsUntil(segmenter, image, [&](const Progress&) { return seen++ == k; }, cancelled);
    EXPECT_TRUE(cancelled);
    ASSERT_EQ(reports.size(), k + 1);  // nothing reported after the stop
    EXPECT_EQ(reports.back().stage, all[k].stage);
    EXPECT_EQ(reports.back().done, all[k].done);
  }
}
