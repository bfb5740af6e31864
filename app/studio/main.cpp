// krait-studio [IMAGE | DICOM_FOLDER]: the desktop app.
#include <QApplication>

#include "main_window.h"

int main(int argc, char** argv) {
  QApplication app(argc, argv);
  QApplication::setApplicationName("Krait Studio");
  krait::studio::MainWindow window;
  window.show();
  if (argc > 1) window.openPath(QString::fromLocal8Bit(argv[1]));
  return QApplication::exec();
}
