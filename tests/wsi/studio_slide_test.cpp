// The recipe slide in krait-studio's real window with the real plugin (wsi.so of this build): File > Open sends
// it to the slide viewer's dock (the plugin's "slide" reader and "slide-viewer" panel), not to the slice views,
// and the panel shows the results `krait wsi run -o <the slide's folder>` wrote beside it: the prediction and the
// layers. The panel lives in wsi.so, so the test reads it through its widgets' object names.
#include <QCheckBox>
#include <QDockWidget>
#include <QLabel>

#include "krait/engine/plugins.h"
#include "plugin_docks.h"
#include "run_cli.h"
#include "studio_window.h"
#include "test_slide.h"

namespace fs = std::filesystem;

TEST_F(StudioWindow, TheRecipeSlideOpensInTheSlideViewerWithItsResults) {
  for (const krait::PluginRecord& r : krait::loadPlugins({fs::path(KRAIT_WSI_PLUGIN_DIR) / "wsi"}))
    ASSERT_TRUE(r.loaded) << r.file << ": " << r.error;
  const std::string slide = krait::wsi::test::recipeSlide();
  const fs::path folder = fs::path(slide).parent_path();
  setenv("KRAIT_PLUGIN_PATH", KRAIT_WSI_PLUGIN_DIR, 1);
  const auto run = krait::test::runKrait({"wsi", "run", "-o", folder.string(), "--model", KRAIT_WSI_DEMO_MODEL, "--encoder",
                                          krait::test::testData("models/nsfwjs-mobilenet_v2-tfjs/model.json").string(),
                                          "--a-t", "0.1", "--a-h", "0.016", slide});
  unsetenv("KRAIT_PLUGIN_PATH");
  ASSERT_EQ(run.exitCode, 0) << run.err;

  krait::studio::MainWindow window;  // made after the plugins loaded, as krait-studio makes its window
  window.resize(1400, 900);
  window.show();
  ASSERT_TRUE(QTest::qWaitForWindowExposed(&window));
  QDockWidget* dock = window.pluginDocks()->dock("slide-viewer");
  ASSERT_NE(dock, nullptr);
  EXPECT_EQ(window.openPath(QString::fromStdString(slide), true), QString());
  EXPECT_FALSE(window.state().hasImage());  // the slice views did not take it
  const auto* info = dock->findChild<QLabel*>("wsiInfo");
  const auto* error = dock->findChild<QLabel*>("wsiError");
  const auto* prediction = dock->findChild<QLabel*>("wsiPrediction");
  const auto* heatmap = dock->findChild<QCheckBox*>("wsiHeatmapVisible");
  ASSERT_TRUE(info && error && prediction && heatmap);
  EXPECT_TRUE(error->text().isEmpty()) << error->text().toStdString();
  EXPECT_TRUE(info->text().contains("2048 x 1536")) << info->text().toStdString();
  EXPECT_TRUE(info->text().contains("0.500")) << info->text().toStdString();
  EXPECT_TRUE(prediction->text().contains("tissue")) << prediction->text().toStdString();
  EXPECT_TRUE(heatmap->text().contains("16 patches")) << heatmap->text().toStdString();
  QTest::qWait(500);  // the tiles arrive from the panel's reader threads
  if (const char* shot = std::getenv("KRAIT_SCREENSHOTS")) window.saveScreenshot(QString(shot) + "/studio_slide.png", true);
}
