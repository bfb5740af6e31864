// studio_bench VOLUME [--frames N]: krait-studio's figures on this machine's display (Xvfb + Mesa in our runs):
//  - open and show: File > Open through the real window (read, percentile window, empty label map, segment
//    table, the three views painted), then the read alone;
//  - slice scrolling in the axial view with a label overlay (a threshold of the image, as a segmentation
//    would cover it), each frame a synchronous repaint, in frames per second;
//  - the Qt-free part of one frame (renderSlice) alone.
// Run under a display: `xvfb-run -a -s "-screen 0 1280x1024x24" build/tests/bench/studio_bench /tmp/ct.nii.gz`.
#include <QApplication>
#include <QSurfaceFormat>
#include <QWindow>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <string>

#include "krait/base/stopwatch.h"
#include "krait/io/volume_io.h"
#include "main_window.h"
#include "slice_view.h"
#include "vtk/vtk_widget.h"

using namespace krait;
using namespace krait::studio;

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: studio_bench VOLUME [--frames N]\n");
    return 2;
  }
  int frames = 200;
  for (int i = 2; i + 1 < argc; ++i)
    if (std::strcmp(argv[i], "--frames") == 0) frames = std::stoi(argv[i + 1]);
  QSurfaceFormat::setDefaultFormat(VtkWidget::surfaceFormat());
  QApplication app(argc, argv);
  MainWindow window;
  window.resize(1280, 860);
  window.show();
  // Painting waits for the window to be on screen (repaint() does nothing before).
  while (!window.windowHandle() || !window.windowHandle()->isExposed())
    QApplication::processEvents(QEventLoop::WaitForMoreEvents);
  QApplication::processEvents();

  // The first open in the process is what a user waits for; the read alone comes second.
  auto start = std::chrono::steady_clock::now();
  const QString error = window.openPath(argv[1], true);
  if (!error.isEmpty()) {
    std::fprintf(stderr, "%s\n", error.toStdString().c_str());
    return 1;
  }
  QApplication::processEvents();  // the three views paint, the window flushes
  const double openSeconds = secondsSince(start);
  const auto& g = window.state().image().geometry();
  std::printf("volume %lld x %lld x %lld: open and show %.3f s\n", static_cast<long long>(g.size[0]),
              static_cast<long long>(g.size[1]), static_cast<long long>(g.size[2]), openSeconds);
  start = std::chrono::steady_clock::now();
  (void)io::readVolume(argv[1]);
  std::printf("reading it again (krait::io alone): %.3f s\n", secondsSince(start));

  // The overlay: voxels above the window's level, labelled 1 (a third to a half of a CT).
  const Volume& image = window.state().image();
  Volume labels(g, PixelType::UInt8);
  const double level = window.state().window().center;
  uint8_t* out = labels.as<uint8_t>();
  for (int64_t k = 0, n = 0; k < g.size[2]; ++k)
    for (int64_t j = 0; j < g.size[1]; ++j)
      for (int64_t i = 0; i < g.size[0]; ++i, ++n) out[n] = image.valueAt(i, j, k) > level ? 1 : 0;
  window.state().setPreview(std::move(labels), {});
  QApplication::processEvents();

  SliceView* axial = window.view(ViewPlane::Axial);
  start = std::chrono::steady_clock::now();
  for (int f = 0; f < frames; ++f) {
    window.state().scroll(ViewPlane::Axial, f % 100 < 50 ? 1 : -1);
    axial->update();
    QApplication::processEvents();  // paints, then flushes the window to the screen
  }
  const double scrollSeconds = secondsSince(start);
  std::printf("axial scrolling with overlay, view %d x %d px, painted and flushed: %.1f frames/s (%d frames)\n",
              axial->width(), axial->height(), frames / scrollSeconds, frames);
  start = std::chrono::steady_clock::now();
  for (int f = 0; f < frames; ++f) {
    window.state().scroll(ViewPlane::Axial, f % 100 < 50 ? 1 : -1);
    (void)axial->grab();
  }
  std::printf("the view's paint alone (grab): %.2f ms\n", 1000.0 * secondsSince(start) / frames);

  start = std::chrono::steady_clock::now();
  for (int f = 0; f < frames; ++f) (void)window.state().picture(ViewPlane::Axial);
  std::printf("renderSlice alone (axial %lld x %lld with overlay): %.2f ms\n", static_cast<long long>(g.size[0]),
              static_cast<long long>(g.size[1]), 1000.0 * secondsSince(start) / frames);
  return 0;
}
