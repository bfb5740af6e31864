// The studio against hostile input (issue 23): every committed fuzz finding, opened as an image and as a label map,
// is refused with a message naming it and the open image is kept; KRAIT_FUZZ_CORPUS, when set, adds a fuzz build's
// corpus folders (build-fuzz/corpus, by hand). A segmentation cancelled before it preprocessed anything, or after its
// run ended but before the window took the result, shows no preview and leaves the label map as it was (the engine's
// stop at every stage: tests/engine/segmenter_cancel_test.cpp; in the middle of the tiles: studio_workflow_test.cpp).
#include <QPushButton>
#include <QThread>

#include <cstdlib>
#include <fstream>
#include <iterator>

#include "segmentation_panel.h"
#include "studio_window.h"

using namespace krait;
using namespace krait::studio;
namespace fs = std::filesystem;

namespace {

const fs::path kFuzz = fs::path(KRAIT_TEST_SOURCE) / "fuzz";

std::string bytesOf(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// The inputs of one target as the files the studio opens: volume files with the target's extension, and for DICOM
// a folder of the slices an input stands for (split as tests/fuzz/fuzz_dicom.cpp splits it).
std::vector<fs::path> asFiles(const std::string& target, const fs::path& from, const fs::path& to) {
  static const std::map<std::string, std::string> extension{{"fuzz_nifti", ".nii"}, {"fuzz_nrrd", ".nrrd"}, {"fuzz_metaimage", ".mha"}};
  std::vector<fs::path> files;
  if (!fs::is_directory(from)) return files;
  int n = 0;
  for (const auto& e : fs::directory_iterator(from)) {
    const fs::path out = to / (target + "_" + std::to_string(n++));
    const std::string bytes = bytesOf(e.path());
    if (target == "fuzz_dicom") {
      fs::create_directories(out);
      std::size_t start = 0, slice = 0;
      for (std::size_t at; slice < 7 && (at = bytes.find("KRAIT-NEXT-SLICE", start)) != std::string::npos; start = at + 16)
        std::ofstream(out / (std::to_string(slice++) + ".dcm"), std::ios::binary) << bytes.substr(start, at - start);
      std::ofstream(out / (std::to_string(slice) + ".dcm"), std::ios::binary) << bytes.substr(start);
      files.push_back(out);
    } else {
      std::ofstream(fs::path(out).concat(extension.at(target)), std::ios::binary) << bytes;
      files.push_back(fs::path(out).concat(extension.at(target)));
    }
  }
  return files;
}

}  // namespace

TEST_F(StudioWindow, EveryFuzzFindingIsRefusedInWordsAndTheImageKept) {
  ASSERT_EQ(window_->openPath(testFile("nifti-nibabel/anatomical.nii"), true), QString());
  const auto crosshair = window_->state().crosshair();
  const test::TempDir dir;
  std::vector<fs::path> files;
  for (const std::string target : {"fuzz_nifti", "fuzz_nrrd", "fuzz_metaimage", "fuzz_dicom"}) {
    for (const fs::path& f : asFiles(target, kFuzz / "regressions" / target, dir.path())) files.push_back(f);
    if (const char* corpus = std::getenv("KRAIT_FUZZ_CORPUS"))
      for (const fs::path& f : asFiles(target, fs::path(corpus) / target, dir.path())) files.push_back(f);
  }
  ASSERT_GE(files.size(), 4u);
  int refused = 0;
  for (const fs::path& f : files) {
    const QString path = QString::fromStdString(f.string());
    const QString image = window_->openPath(path, true);
    if (image.isEmpty()) {  // a corpus file may be a valid image: then it is open; go back to the scan
      ASSERT_EQ(window_->openPath(testFile("nifti-nibabel/anatomical.nii"), true), QString());
      continue;
    }
    ++refused;
    EXPECT_TRUE(image.contains(QString::fromStdString(f.filename().string()))) << image.toStdString();
    EXPECT_TRUE(window_->state().hasImage());
    EXPECT_EQ(window_->state().crosshair(), crosshair);
    const QString labels = window_->openLabels(path, true);
    EXPECT_FALSE(labels.isEmpty()) << f;
    EXPECT_FALSE(window_->state().labels().modified());
  }
  EXPECT_GE(refused, 4);  // every committed finding
  EXPECT_TRUE(window_->isVisible());
}

TEST_F(StudioWindow, ACancelThatComesAfterTheRunEndedShowsNoPreview) {
  ASSERT_EQ(window_->openPath(testFile("nifti-nibabel/anatomical.nii"), true), QString());
  SegmentationPanel* panel = window_->segmentationPanel();
  panel->addModelFolder(QString::fromStdString((fs::path(KRAIT_FIXTURES) / "pipeline" / "t1_2d_on_3d" / "model").string()));
  panel->run();
  // The run ends on its thread while the window does not look (no events are processed here)...
  for (int i = 0; i < 2400 && panel->job()->status().running; ++i) QThread::msleep(50);
  ASSERT_FALSE(panel->job()->status().running);
  // ...and the user's Cancel arrives before the window took the result.
  panel->findChild<QPushButton*>("cancel")->click();
  ASSERT_TRUE(QTest::qWaitFor([&] { return panel->message() == "Cancelled."; }, 10000)) << panel->message().toStdString();
  EXPECT_FALSE(window_->state().hasPreview());
  EXPECT_FALSE(window_->state().labels().modified());
}

TEST_F(StudioWindow, ACancelWhileTheModelLoadsStopsTheRunBeforeItPreprocesses) {
  ASSERT_EQ(window_->openPath(testFile("nifti-nibabel/anatomical.nii"), true), QString());
  SegmentationPanel* panel = window_->segmentationPanel();
  panel->addModelFolder(QString::fromStdString((fs::path(KRAIT_FIXTURES) / "pipeline" / "t1_2d_on_3d" / "model").string()));
  panel->run();
  // The click comes before the window processes an event: the job is starting or loading the model.
  panel->findChild<QPushButton*>("cancel")->click();
  ASSERT_TRUE(QTest::qWaitFor([&] { return !panel->running() && panel->message() == "Cancelled."; }, 60000))
      << panel->message().toStdString();
  const SegmentationStatus s = panel->job()->status();
  EXPECT_NE(s.error.find("cancel"), std::string::npos) << s.error;
  EXPECT_EQ(s.stage, "preprocess");  // the stage's first report is where the engine stopped
  EXPECT_EQ(s.done, 0);
  EXPECT_FALSE(window_->state().hasPreview());
  EXPECT_FALSE(window_->state().labels().modified());
}
