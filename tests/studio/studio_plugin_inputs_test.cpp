// The studio against hostile ECG and slide files (issue 23): every committed finding of the ECG and slide fuzz
// targets (tests/fuzz/regressions), put back into the files its target wrote, is opened in the real window with the
// real plugins (ecg.so, wsi.so of this build): the plugin's panel takes it and shows an error naming the file (or,
// for a slide whose fault lies in an associated image, opens it without reading that), and the window stays up and
// takes a real file next. KRAIT_FUZZ_CORPUS, when set, adds a fuzz build's corpus folders
// (build-fuzz/corpus, by hand); a corpus file may be a good one, so for those only the window's survival counts.
#include <QDockWidget>
#include <QLabel>

#include <cstdlib>
#include <fstream>

#include "krait/engine/plugins.h"
#include "plugin_docks.h"
#include "studio_window.h"

namespace fs = std::filesystem;

namespace {

const fs::path kFuzz = fs::path(KRAIT_TEST_SOURCE) / "fuzz";

void write(const fs::path& p, const std::string& bytes) { std::ofstream(p, std::ios::binary) << bytes; }

// One input as the file the target reads (as tests/fuzz/fuzz_<target>.cpp writes it), in a folder of its own.
fs::path asFile(const std::string& target, const std::string& bytes, const fs::path& folder) {
  fs::create_directories(folder);
  if (target == "fuzz_wfdb") {
    const std::string separator = "\nKRAIT-DATA-FILE\n";
    const std::size_t at = bytes.find(separator);
    if (at != std::string::npos) {
      write(folder / "record.dat", bytes.substr(at + separator.size()));
      write(folder / "record.mat", bytes.substr(at + separator.size()));
    }
    write(folder / "record.hea", bytes.substr(0, at));
    return folder / "record.hea";
  }
  const std::string name = target == "fuzz_edf" ? "record.edf" : target == "fuzz_slide" ? "slide.tif" : "record.dcm";
  write(folder / name, bytes);
  return folder / name;
}

// Each input of `target` under `from`, as files under `to`.
std::vector<fs::path> inputs(const std::string& target, const fs::path& from, const fs::path& to) {
  std::vector<fs::path> files;
  if (!fs::is_directory(from)) return files;
  for (const auto& e : fs::directory_iterator(from))
    files.push_back(asFile(target, krait::test::fileBytes(e.path()), to / target / e.path().filename()));
  return files;
}

}  // namespace

TEST_F(StudioWindow, EveryEcgAndSlideFuzzFindingShowsAnErrorInItsPanelAndTheWindowStays) {
  for (const char* plugin : {"ecg", "wsi"})
    for (const krait::PluginRecord& r : krait::loadPlugins({fs::path(KRAIT_PLUGIN_DIR) / plugin}))
      ASSERT_TRUE(r.loaded) << r.file << ": " << r.error;
  krait::studio::MainWindow window;  // made after the plugins loaded, as krait-studio makes its window
  window.resize(1400, 900);
  window.show();
  ASSERT_TRUE(QTest::qWaitForWindowExposed(&window));
  const krait::test::TempDir dir;
  const std::map<std::string, std::pair<std::string, std::string>> panels{
      {"fuzz_wfdb", {"ecg-viewer", "ecgError"}}, {"fuzz_edf", {"ecg-viewer", "ecgError"}},
      {"fuzz_dicom_ecg", {"ecg-viewer", "ecgError"}}, {"fuzz_slide", {"slide-viewer", "wsiError"}}};
  int findings = 0;
  for (const auto& [target, panel] : panels) {
    QDockWidget* dock = window.pluginDocks()->dock(panel.first);
    ASSERT_NE(dock, nullptr) << panel.first;
    const auto* error = dock->findChild<QLabel*>(QString::fromStdString(panel.second));
    ASSERT_NE(error, nullptr) << panel.second;
    for (const fs::path& file : inputs(target, kFuzz / "regressions" / target, dir.path() / "regressions")) {
      SCOPED_TRACE(file.string());
      EXPECT_EQ(window.openPath(QString::fromStdString(file.string()), true), QString());  // the panel took it
      const bool named = error->text().contains(QString::fromStdString(file.filename().string()));
      // A slide whose finding lies in what the panel reads only when asked (an associated image) opens: its size shows.
      const auto* info = dock->findChild<QLabel*>("wsiInfo");
      const bool opened = target == "fuzz_slide" && error->text().isEmpty() && info && !info->text().isEmpty();
      EXPECT_TRUE(named || opened) << error->text().toStdString();
      ++findings;
    }
    if (const char* corpus = std::getenv("KRAIT_FUZZ_CORPUS"))
      for (const fs::path& file : inputs(target, fs::path(corpus) / target, dir.path() / "corpus"))
        window.openPath(QString::fromStdString(file.string()), true);
    EXPECT_TRUE(window.isVisible());
  }
  EXPECT_GE(findings, 9);  // the WFDB and slide findings committed with issue 23
  // The window still opens a real scan in its slice views.
  EXPECT_EQ(window.openPath(testFile("nifti-nibabel/anatomical.nii"), true), QString());
  EXPECT_TRUE(window.state().hasImage());
}
