// A plugin's panel in the real window (tests/plugins/test_panel.cpp): a dock of its own, and files of its data
// kind (waveforms the test-kinds plugin reads) go to it instead of the slice views.
#include <QDockWidget>
#include <QLabel>

#include <fstream>

#include "krait/engine/plugins.h"
#include "plugin_docks.h"
#include "studio_window.h"

namespace fs = std::filesystem;

TEST_F(StudioWindow, APluginPanelDocksAndShowsTheFilesOfItsKind) {
  for (const krait::PluginRecord& r : krait::loadPlugins({fs::path(KRAIT_TEST_PLUGINS) / "good"}))
    ASSERT_TRUE(r.loaded) << r.file << ": " << r.error;
  krait::studio::MainWindow window;  // made after the plugins loaded, as krait-studio makes its window
  window.resize(1200, 800);
  window.show();
  ASSERT_TRUE(QTest::qWaitForWindowExposed(&window));
  QDockWidget* dock = window.pluginDocks()->dock("waveform-notes");
  ASSERT_NE(dock, nullptr);
  EXPECT_EQ(dock->windowTitle(), "Waveform notes");
  auto* notes = dock->findChild<QLabel*>("waveformNotes");
  ASSERT_NE(notes, nullptr);
  EXPECT_EQ(notes->text(), "no waveform");

  const krait::test::TempDir d;
  const fs::path ecg = d / "ecg.csv";
  std::ofstream(ecg) << "sampling_rate_hz,500\nI,II\n100,-50\n1500,200\n";
  EXPECT_EQ(window.openPath(QString::fromStdString(ecg.string()), true), QString());
  EXPECT_EQ(notes->text().toStdString(), "opened " + ecg.string());
  EXPECT_FALSE(window.state().hasImage());  // the slice views did not take it
  if (const char* shot = std::getenv("KRAIT_SCREENSHOTS")) window.saveScreenshot(QString(shot) + "/plugin_panel.png", true);

  // A file no plugin reader takes goes to the views, which say why they cannot open it.
  std::ofstream(d / "notes.csv") << "just,some,text\n";
  EXPECT_NE(window.openPath(QString::fromStdString((d / "notes.csv").string()), true), QString());
  EXPECT_EQ(notes->text().toStdString(), "opened " + ecg.string());
}
