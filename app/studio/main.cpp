// krait-studio [--open] [IMAGE | DICOM_FOLDER] [--labels LABEL_MAP] [--screenshot FILE.png]: the desktop app.
// With --screenshot it renders the window with what was opened to FILE.png and exits (for tests, reviews and
// documentation); a file that cannot be opened then exits with status 1.
#include <QApplication>
#include <QSurfaceFormat>
#include <QTimer>

#include <iostream>

#include "front_end.h"
#include "main_window.h"
#include "vtk/vtk_widget.h"

int main(int argc, char** argv) {
  QSurfaceFormat::setDefaultFormat(krait::studio::VtkWidget::surfaceFormat());
  QApplication app(argc, argv);
  QApplication::setOrganizationName("Krait");
  QApplication::setApplicationName("Krait Studio");
  QString open, labels, screenshot;
  const QStringList args = QApplication::arguments();
  for (int i = 1; i < args.size(); ++i) {
    const QString& a = args[i];
    const bool takesValue = a == "--open" || a == "--labels" || a == "--screenshot";
    if (takesValue && i + 1 >= args.size()) {
      std::cerr << "krait-studio: option " << a.toStdString() << " needs a value (see --help)\n";
      return 2;
    }
    QString* target = a == "--labels" ? &labels : a == "--screenshot" ? &screenshot : &open;
    if (a == "--help" || a == "-h") {
      std::cout << "usage: krait-studio [--open] [IMAGE | DICOM_FOLDER] [--labels LABEL_MAP] [--screenshot FILE.png]\n";
      return 0;
    }
    if (!takesValue && a.startsWith("-")) {
      std::cerr << "krait-studio: unknown option " << a.toStdString() << " (see --help)\n";
      return 2;
    }
    const QString value = takesValue ? args[++i] : a;
    // Each is taken once: a second image or label map would otherwise replace the first unnoticed.
    if (!target->isEmpty()) {
      std::cerr << "krait-studio: " << (takesValue ? a.toStdString() : std::string("an image")) << " given twice ("
                << target->toStdString() << ", " << value.toStdString() << ")\n";
      return 2;
    }
    *target = value;
  }
  // Every core, the CPU memory cache and the plugins: the engine set-up the CLI does too.
  krait::app::startEngine();
  for (const std::string& line : krait::app::skippedPlugins()) std::cerr << "krait-studio: plugin skipped: " << line << "\n";
  krait::studio::MainWindow window;
  window.show();
  const bool quiet = !screenshot.isEmpty();
  QString error;
  if (!open.isEmpty()) error = window.openPath(open, quiet);
  if (error.isEmpty() && !labels.isEmpty()) error = window.openLabels(labels, quiet);
  if (screenshot.isEmpty()) return QApplication::exec();
  if (!error.isEmpty()) {
    std::cerr << "krait-studio: " << error.toStdString() << "\n";
    return 1;
  }
  // Let the views lay out and the 3D surfaces (built after a short delay) render before grabbing.
  QTimer::singleShot(600, &window, [&] {
    error = window.saveScreenshot(screenshot, true);
    QApplication::exit(error.isEmpty() ? 0 : 1);
  });
  const int status = QApplication::exec();
  if (!error.isEmpty()) std::cerr << "krait-studio: " << error.toStdString() << "\n";
  return status;
}
