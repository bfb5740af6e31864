// wsi_viewer_bench SLIDE [RESULTS_DIR] [--frames N] [--screenshot PNG]: the studio's slide viewer's pan and zoom frame times on this
// machine's display (Xvfb in our runs): a 1280 x 1024 view cycling 8 drag steps, 4 wheel steps in and 4 out
// (SlideView::measureFrameTimes), each frame a synchronous paint with tiles from the asynchronous loader; first the
// slide alone, then with the layers of a `krait wsi` results folder (tissue, patches, heatmap), then with a dense
// heatmap of about 50,000 patches over the whole slide. --screenshot saves the panel with the results' layers first.
// Run: `xvfb-run -a -s "-screen 0 1280x1024x24" build/tests/bench/wsi_viewer_bench slide.tif out/slide`.
#include <QApplication>
#include <QThread>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <memory>
#include <string>

#include "slide_view.h"
#include "wsi_panel.h"

using namespace krait::wsi;

namespace {

void report(const char* what, const SlideView::FrameTimes& t) {
  std::printf("%-44s mean %6.2f ms  max %6.2f ms  over %d frames\n", what, t.meanMs, t.maxMs, t.frames);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: wsi_viewer_bench SLIDE [RESULTS_DIR] [--frames N] [--screenshot PNG]\n");
    return 2;
  }
  int frames = 400;
  std::string results, screenshot;
  for (int i = 2; i < argc; ++i) {
    if (std::strcmp(argv[i], "--frames") == 0 && i + 1 < argc) frames = std::stoi(argv[++i]);
    else if (std::strcmp(argv[i], "--screenshot") == 0 && i + 1 < argc) screenshot = argv[++i];
    else results = argv[i];
  }
  QApplication app(argc, argv);
  WsiPanel panel;
  panel.resize(1600, 1100);
  if (!panel.openSlide(argv[1])) {
    std::fprintf(stderr, "%s\n", panel.errorText().toStdString().c_str());
    return 3;
  }
  panel.show();
  SlideView& view = *panel.view();
  const QSize size(1280, 1024);
  report("slide alone", view.measureFrameTimes(size, frames));
  if (!results.empty()) {
    if (!panel.loadResults(results)) {
      std::fprintf(stderr, "%s\n", panel.errorText().toStdString().c_str());
      return 3;
    }
    if (!screenshot.empty()) {
      view.fit();
      for (int i = 0; i < 400 && !view.tilesComplete(); ++i) {
        QApplication::processEvents();
        QThread::msleep(10);
      }
      QApplication::processEvents();
      if (!panel.grab().save(QString::fromStdString(screenshot))) std::fprintf(stderr, "cannot write %s\n", screenshot.c_str());
    }
    report("tissue + patches + heatmap", view.measureFrameTimes(size, frames));
  }
  // About 50,000 patches over the whole slide (16 px on the tests' slide, CLAM-sized ones on a gigapixel slide).
  const auto& slide = *view.slide();
  const double area = static_cast<double>(slide.width()) * static_cast<double>(slide.height());
  const int64_t side = std::max<int64_t>(16, 16 * static_cast<int64_t>(std::ceil(std::sqrt(area / 50000.0) / 16)));
  PatchLayer dense{{}, side, {}};
  for (int64_t y = 0; y < slide.height(); y += side)
    for (int64_t x = 0; x < slide.width(); x += side) {
      dense.coords.push_back({x, y});
      dense.scores.push_back(static_cast<float>((x + y) % 1000) / 1000.0f);
    }
  view.setHeatmap(dense);
  view.setPatches(dense);
  const std::string what = std::to_string(dense.coords.size()) + "-patch grid (" + std::to_string(side) + " px) + heatmap";
  report(what.c_str(), view.measureFrameTimes(size, frames));
  return 0;
}
