// krait-studio [--open] [IMAGE | DICOM_FOLDER] [--series UID] [--labels LABEL_MAP] [--screenshot FILE.png]: the
// desktop app. With --screenshot it renders the window with what was opened to FILE.png and exits (for tests,
// reviews and documentation), never waiting for a click: a file that cannot be opened, a DICOM folder of
// several series without --series, or a label map on another grid than the image exits with status 1 and the
// reason.
#include <QApplication>
#include <QSurfaceFormat>
#include <QTimer>

#include <cstdlib>
#include <iostream>
#include <string>
#include <vector>

#include "front_end.h"
#include "krait/base/error.h"
#include "krait/engine/build_info.h"
#include "main_window.h"
#include "vtk/vtk_widget.h"

namespace {

constexpr const char* kUsage =
    "usage: krait-studio [--open] [IMAGE | DICOM_FOLDER] [--series UID] [--labels LABEL_MAP] [--screenshot FILE.png]\n"
    "       krait-studio --help | --version\n";

constexpr const char* kNoDisplay =
    "krait-studio needs a display: run it in a desktop session, or under a virtual one (xvfb-run -a krait-studio ...); "
    "--screenshot also runs with QT_QPA_PLATFORM=offscreen (without the 3D view)";

struct Arguments {
  std::string open, series, labels, screenshot;
};

// Parsed before Qt starts, so that --help and --version answer without a display. Returns an exit code to stop
// with, or -1 to go on.
int parse(int argc, char** argv, Arguments& out) {
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--help" || a == "-h") {
      std::cout << kUsage;
      return 0;
    }
    if (a == "--version") {
      std::cout << "krait-studio " << krait::buildInfo().fullVersion() << "\n" << krait::buildInfoText(krait::buildInfo());
      return 0;
    }
    std::string* target = a == "--open" ? &out.open : a == "--series" ? &out.series : a == "--labels" ? &out.labels
                        : a == "--screenshot" ? &out.screenshot : nullptr;
    if (!target && a.rfind('-', 0) == 0) {
      std::cerr << "krait-studio: unknown option " << a << " (see --help)\n";
      return 2;
    }
    if (target && i + 1 >= argc) {
      std::cerr << "krait-studio: option " << a << " needs a value (see --help)\n";
      return 2;
    }
    const std::string value = target ? argv[++i] : a;
    if (!target) target = &out.open;
    // Each is taken once: a second image or label map would otherwise replace the first unnoticed.
    if (!target->empty()) {
      std::cerr << "krait-studio: " << (target == &out.open && a.rfind('-', 0) != 0 ? std::string("an image") : a)
                << " given twice (" << *target << ", " << value << ")\n";
      return 2;
    }
    *target = value;
  }
  if (!out.series.empty() && out.open.empty()) {
    std::cerr << "krait-studio: --series names a series of the DICOM folder to open: give the folder too\n";
    return 2;
  }
  return -1;
}

bool displayAvailable() {
  for (const char* variable : {"DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM"})
    if (const char* v = std::getenv(variable); v && *v) return true;
  return false;
}

// Qt ends the process when its platform plugin cannot start (a DISPLAY that no server answers): say how to run.
void onQtMessage(QtMsgType type, const QMessageLogContext&, const QString& message) {
  std::cerr << message.toStdString() << "\n";
  if (type == QtFatalMsg && message.contains("platform plugin")) std::cerr << kNoDisplay << "\n";
}

}  // namespace

int main(int argc, char** argv) {
  Arguments args;
  if (const int code = parse(argc, argv, args); code >= 0) return code;
  if (!displayAvailable()) {
    std::cerr << kNoDisplay << "\n";
    return 1;
  }
  qInstallMessageHandler(onQtMessage);
  QSurfaceFormat::setDefaultFormat(krait::studio::VtkWidget::surfaceFormat());
  QApplication app(argc, argv);
  QApplication::setOrganizationName("Krait");
  QApplication::setApplicationName("Krait Studio");
  QApplication::setApplicationVersion(QString::fromStdString(krait::buildInfo().fullVersion()));
  // Every core, the CPU memory cache and the plugins: the engine set-up the CLI does too.
  krait::app::startEngine();
  for (const std::string& line : krait::app::skippedPlugins()) std::cerr << "krait-studio: plugin skipped: " << line << "\n";
  krait::studio::MainWindow window;
  const bool screenshot = !args.screenshot.empty();
  if (screenshot) {
    // Nobody is there to answer: a label map on another grid fails with what differs.
    window.setResamplePrompt([](const QString&) { return false; });
    window.setSeriesChooser([](const std::vector<krait::studio::SeriesRow>& rows) -> std::optional<std::string> {
      std::string list;
      for (const auto& r : rows) list += "\n  " + r.uid + "  " + r.modality + "  \"" + r.description + "\"";
      throw krait::Error(krait::ErrorKind::Usage,
                         std::to_string(rows.size()) + " series; choose one with --series UID:" + list);
    });
  }
  window.show();
  QString error;
  if (!args.open.empty()) error = window.openPath(QString::fromStdString(args.open), screenshot, args.series);
  if (error.isEmpty() && !args.labels.empty()) error = window.openLabels(QString::fromStdString(args.labels), screenshot);
  if (!screenshot) return QApplication::exec();
  if (!error.isEmpty()) {
    std::cerr << "krait-studio: " << error.toStdString() << "\n";
    return 1;
  }
  // Let the views lay out and the 3D surfaces (built after a short delay) render before grabbing.
  QTimer::singleShot(600, &window, [&] {
    error = window.saveScreenshot(QString::fromStdString(args.screenshot), true);
    QApplication::exit(error.isEmpty() ? 0 : 1);
  });
  const int status = QApplication::exec();
  if (!error.isEmpty()) std::cerr << "krait-studio: " << error.toStdString() << "\n";
  return status;
}
