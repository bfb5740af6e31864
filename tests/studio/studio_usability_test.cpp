// What new users stumbled on in krait-studio, under the real window: the command line without a display or a
// click, the title's unsaved marker and "saved to", the window's numbers, the CT opening preset, the start
// screen, label names beside an atlas, a map on another grid, renaming, the keyboard and the Help menu.
#include <QAction>
#include <QComboBox>
#include <QDoubleSpinBox>
#include <QMenuBar>
#include <QMessageBox>
#include <QProcess>
#include <QSpinBox>
#include <QStatusBar>
#include <QTableWidget>
#include <QTimer>
#include <QWheelEvent>

#include <filesystem>

#include "krait/engine/build_info.h"
#include "krait/io/dicom.h"
#include "krait/io/volume_io.h"
#include "nifti_reference.h"
#include "segment_table.h"
#include "series_rows.h"
#include "slice_view.h"
#include "studio_window.h"
#include "window_level.h"

using namespace krait;
using namespace krait::studio;
namespace fs = std::filesystem;

namespace {

QString ch2() { return testFile("nifti-mricron/ch2.nii.gz"); }

struct Finished {
  int code = -1;
  QString out, err;
};

Finished runStudio(const QStringList& args, const QProcessEnvironment& env = QProcessEnvironment::systemEnvironment()) {
  QProcess process;
  process.setProcessEnvironment(env);
  process.start(KRAIT_STUDIO_PATH, args);
  EXPECT_TRUE(process.waitForFinished(120000)) << args.join(' ').toStdString();
  return {process.exitStatus() == QProcess::NormalExit ? process.exitCode() : -1, process.readAllStandardOutput(),
          process.readAllStandardError()};
}

QProcessEnvironment withoutDisplay() {
  QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
  for (const char* variable : {"DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM"}) env.remove(variable);
  return env;
}

void rightDrag(SliceView* view, QPointF by) {
  const QPointF centre(view->width() / 2.0, view->height() / 2.0);
  QTest::mousePress(view, Qt::RightButton, Qt::NoModifier, centre.toPoint());
  QMouseEvent move(QEvent::MouseMove, centre + by, view->mapToGlobal(centre + by), Qt::NoButton, Qt::RightButton,
                   Qt::NoModifier);
  QApplication::sendEvent(view, &move);
  QTest::mouseRelease(view, Qt::RightButton, Qt::NoModifier, (centre + by).toPoint());
}

// Closes the message box the next event loop turn shows, keeping its text.
void closeNextMessageBox(QString& text) {
  QTimer::singleShot(0, [&text] {
    auto* box = qobject_cast<QMessageBox*>(QApplication::activeModalWidget());
    ASSERT_NE(box, nullptr);
    text = box->text();
    box->accept();
  });
}

}  // namespace

// --screenshot never waits for a click: a folder of several series stops with the list, --series picks one; a
// label map on another grid stops with what differs.
TEST_F(StudioWindow, ScreenshotNeverWaitsForAnAnswer) {
  const fs::path folder = twoSeriesFolder();
  const test::TempDir out;
  const QString png = QString::fromStdString((out / "shot.png").string());
  const Finished several = runStudio({"--open", QString::fromStdString(folder.string()), "--screenshot", png});
  EXPECT_EQ(several.code, 1) << several.err.toStdString();
  EXPECT_TRUE(several.err.contains("2 series; choose one with --series UID")) << several.err.toStdString();
  EXPECT_FALSE(fs::exists(png.toStdString()));

  std::string ct;
  for (const SeriesRow& row : seriesRows(io::scanDicom(folder)))
    if (row.modality == "CT") ct = row.uid;
  ASSERT_FALSE(ct.empty());
  EXPECT_TRUE(several.err.contains(QString::fromStdString(ct))) << several.err.toStdString();
  const Finished chosen = runStudio({"--open", QString::fromStdString(folder.string()), "--series", QString::fromStdString(ct),
                             "--screenshot", png});
  EXPECT_EQ(chosen.code, 0) << chosen.err.toStdString();
  EXPECT_GT(QImage(png).width(), 800);
  const Finished unknown = runStudio({"--open", QString::fromStdString(folder.string()), "--series", "1.2.3.4", "--screenshot", png + ".2.png"});
  EXPECT_EQ(unknown.code, 1);
  EXPECT_TRUE(unknown.err.contains("1.2.3.4")) << unknown.err.toStdString();
  fs::remove_all(folder);
  const Finished grid = runStudio({"--open", ch2(), "--labels", testFile("nifti-mricron/JHU-WhiteMatter-labels-2mm.nii.gz"),
                                   "--screenshot", png + ".3.png"});
  EXPECT_EQ(grid.code, 1);
  EXPECT_TRUE(grid.err.contains("spacing 2 x 2 x 2 mm")) << grid.err.toStdString();
  EXPECT_FALSE(fs::exists(png.toStdString() + ".3.png"));
}

// --help and --version answer anywhere; without a display the app says how to run it instead of aborting.
TEST_F(StudioWindow, HelpAndVersionNeedNoDisplayAndNoDisplayIsExplained) {
  const Finished help = runStudio({"--help"}, withoutDisplay());
  EXPECT_EQ(help.code, 0);
  EXPECT_TRUE(help.out.startsWith("usage: krait-studio")) << help.out.toStdString();
  EXPECT_TRUE(help.out.contains("--series UID"));
  const Finished version = runStudio({"--version"}, withoutDisplay());
  EXPECT_EQ(version.code, 0);
  EXPECT_TRUE(version.out.startsWith(QString::fromStdString("krait-studio " + buildInfo().fullVersion() + "\n")))
      << version.out.toStdString();
  EXPECT_TRUE(version.out.contains(QString::fromStdString("\ngit: " + buildInfo().git + "\n"))) << version.out.toStdString();

  const Finished none = runStudio({}, withoutDisplay());
  EXPECT_EQ(none.code, 1);
  EXPECT_TRUE(none.err.contains("xvfb-run")) << none.err.toStdString();
  EXPECT_TRUE(none.err.contains("QT_QPA_PLATFORM=offscreen")) << none.err.toStdString();
  // A display that no server answers: Qt gives up, and the hint follows its message.
  QProcessEnvironment dead = withoutDisplay();
  dead.insert("DISPLAY", ":4711");
  const Finished unanswered = runStudio({}, dead);
  EXPECT_NE(unanswered.code, 0);
  EXPECT_TRUE(unanswered.err.contains("xvfb-run")) << unanswered.err.toStdString();
}

// Unsaved edits mark the title; saving clears the mark and says where the file went.
TEST_F(StudioWindow, TheTitleMarksUnsavedEditsAndSavingSaysWhere) {
  ASSERT_EQ(window_->openPath(ch2(), true), QString());
  EXPECT_FALSE(window_->isWindowModified());
  EXPECT_TRUE(window_->windowTitle().startsWith("ch2.nii.gz[*]"));  // Qt shows [*] as * while modified
  action(window_.get(), "brush")->trigger();
  SliceView* axial = window_->view(ViewPlane::Axial);
  QTest::mouseClick(axial, Qt::LeftButton, Qt::NoModifier, axial->widgetPoint(90, 100).toPoint());
  EXPECT_TRUE(window_->isWindowModified());
  const test::TempDir out;
  const QString saved = QString::fromStdString((out / "edits.nii.gz").string());
  ASSERT_EQ(window_->saveLabels(saved, true), QString());
  EXPECT_FALSE(window_->isWindowModified());
  EXPECT_EQ(window_->statusBar()->currentMessage(), "Saved to " + saved);
  EXPECT_EQ(test::readNiftiReference(saved.toStdString()).description, fileNote("studio"));  // drawn by hand
}

// The W and L boxes show the window while it is dragged, and typing a value sets it; Ctrl+L goes back.
TEST_F(StudioWindow, TheWindowsNumbersFollowTheDragAndAreEditable) {
  ASSERT_EQ(window_->openPath(ch2(), true), QString());
  auto* width = window_->findChild<QDoubleSpinBox*>("windowWidth");
  auto* level = window_->findChild<QDoubleSpinBox*>("windowLevel");
  ASSERT_TRUE(width && level);
  const WindowLevel opened = window_->state().window();
  EXPECT_NEAR(width->value(), opened.width, 0.05);
  EXPECT_NEAR(level->value(), opened.center, 0.05);
  rightDrag(window_->view(ViewPlane::Coronal), QPointF(80, -40));
  EXPECT_GT(window_->state().window().width, opened.width);
  EXPECT_NEAR(width->value(), window_->state().window().width, 0.05);
  EXPECT_NEAR(level->value(), window_->state().window().center, 0.05);
  width->setValue(40.0);
  level->setValue(55.0);
  EXPECT_DOUBLE_EQ(window_->state().window().width, 40.0);
  EXPECT_DOUBLE_EQ(window_->state().window().center, 55.0);
  action(window_.get(), "resetWindow")->trigger();
  EXPECT_DOUBLE_EQ(window_->state().window().width, opened.width);
  EXPECT_NEAR(width->value(), opened.width, 0.05);
}

// A CT (Hounsfield units) opens with the soft-tissue preset, named in the preset box; an MR with percentiles.
TEST_F(StudioWindow, ACtOpensWithACtPresetAndAnMrWithPercentiles) {
  auto* presets = window_->findChild<QComboBox*>("presets");
  ASSERT_EQ(window_->openPath(testFile("dicom-misc/CT-MONO2-16-ankle.dcm"), true), QString());
  EXPECT_EQ(presets->currentText(), "CT abdomen");
  const WindowLevel abdomen = ctPresets()[static_cast<size_t>(presets->currentIndex() - 1)].window;
  EXPECT_EQ(window_->state().window().width, abdomen.width);
  EXPECT_EQ(window_->state().window().center, abdomen.center);
  ASSERT_EQ(window_->openPath(ch2(), true), QString());
  EXPECT_EQ(presets->currentIndex(), 0);
  EXPECT_TRUE(presets->currentText().contains("percentiles"));
}

// Before a scan is open the views say how to open one and list the recent files.
TEST_F(StudioWindow, TheStartScreenSaysHowToOpenAScan) {
  const QString text = window_->view(ViewPlane::Axial)->emptyText();
  EXPECT_TRUE(text.contains("Open a scan")) << text.toStdString();
  EXPECT_TRUE(text.contains("Ctrl+O")) << text.toStdString();
  EXPECT_FALSE(window_->findChild<QDoubleSpinBox*>("windowWidth")->isEnabled());  // nothing to window yet
  ASSERT_EQ(window_->openPath(ch2(), true), QString());
  MainWindow fresh;
  fresh.resize(1000, 700);
  fresh.show();
  ASSERT_TRUE(QTest::qWaitForWindowExposed(&fresh));
  EXPECT_TRUE(fresh.view(ViewPlane::Axial)->emptyText().contains(QFileInfo(ch2()).absoluteFilePath()));
  EXPECT_TRUE(window_->findChild<QDoubleSpinBox*>("windowWidth")->isEnabled());
  // The words are drawn: the empty view is not all black.
  const QImage shot = fresh.view(ViewPlane::Axial)->grab().toImage();
  int lit = 0;
  for (int y = 0; y < shot.height(); ++y)
    for (int x = 0; x < shot.width(); ++x) lit += qGray(shot.pixel(x, y)) > 100;
  EXPECT_GT(lit, 200);
  if (const char* dir = std::getenv("KRAIT_SCREENSHOT_DIR")) {
    EXPECT_TRUE(fresh.grab().save(QString(dir) + "/krait_studio_start.png"));
  }
}

// AAL beside its .nii.txt and .nii.lut: the table names every region; a name can be changed in the table.
TEST_F(StudioWindow, AnAtlasOpensWithTheNamesBesideItAndNamesCanBeChanged) {
  ASSERT_EQ(window_->openPath(ch2(), true), QString());
  ASSERT_EQ(window_->openLabels(testFile("nifti-mricron/aal.nii.gz"), true), QString());
  EXPECT_TRUE(window_->statusBar()->currentMessage().contains("aal.nii.txt")) << window_->statusBar()->currentMessage().toStdString();
  QTableWidget* table = window_->segmentTable()->table();
  ASSERT_GT(table->rowCount(), 100);
  EXPECT_EQ(table->item(0, 1)->text(), "1");
  EXPECT_EQ(table->item(0, 2)->text(), "Precentral L");  // the atlas's Precentral_L, underscores read as spaces
  EXPECT_FALSE(window_->isWindowModified());  // names are not label edits
  if (const char* dir = std::getenv("KRAIT_SCREENSHOT_DIR")) {
    EXPECT_TRUE(window_->grab().save(QString(dir) + "/krait_studio_aal.png"));
  }

  table->item(0, 2)->setText("Motor cortex, left");
  EXPECT_EQ(window_->state().segments().name(1), "Motor cortex, left");
  table->item(0, 2)->setText("  ");
  QApplication::processEvents();
  EXPECT_EQ(window_->state().segments().name(1), "Label 1");
  EXPECT_EQ(table->item(0, 2)->text(), "Label 1");
}

// JHU's 2 mm atlas over a 1 mm scan: the prompt says what differs, and the map is resampled onto the scan.
TEST_F(StudioWindow, AMapOnAnotherGridIsResampledWhenTheUserAgrees) {
  ASSERT_EQ(window_->openPath(ch2(), true), QString());
  QString asked;
  window_->setResamplePrompt([&](const QString& differences) {
    asked = differences;
    return true;
  });
  ASSERT_EQ(window_->openLabels(testFile("nifti-mricron/JHU-WhiteMatter-labels-2mm.nii.gz"), true), QString());
  EXPECT_TRUE(asked.contains("spacing 2 x 2 x 2 mm")) << asked.toStdString();
  const Volume& labels = window_->state().labels().labels();
  EXPECT_TRUE(labels.geometry().sameAs(window_->state().image().geometry(), 1e-6));
  QTableWidget* table = window_->segmentTable()->table();
  EXPECT_GT(table->rowCount(), 40);
  EXPECT_EQ(table->item(0, 2)->text(), "Middle cerebellar peduncle");
}

// Arrows and Page Up/Down step through slices, Home/End go to the ends; Ctrl+0 resets zoom; F1 lists it all.
TEST_F(StudioWindow, TheKeyboardStepsSlicesAndTheHelpMenuListsTheShortcuts) {
  ASSERT_EQ(window_->openPath(ch2(), true), QString());
  // Shortcuts go to the active window (Xvfb has no window manager to make it so).
  window_->activateWindow();
  ASSERT_TRUE(QTest::qWaitForWindowActive(window_.get()));
  SliceView* axial = window_->view(ViewPlane::Axial);
  axial->setFocus();
  const int64_t start = window_->state().slice(ViewPlane::Axial);
  QTest::keyClick(axial, Qt::Key_Up);
  EXPECT_EQ(window_->state().slice(ViewPlane::Axial), start + 1);
  QTest::keyClick(axial, Qt::Key_PageDown);
  EXPECT_EQ(window_->state().slice(ViewPlane::Axial), start - 9);
  QTest::keyClick(axial, Qt::Key_Home);
  EXPECT_EQ(window_->state().slice(ViewPlane::Axial), 0);
  QTest::keyClick(axial, Qt::Key_End);
  EXPECT_EQ(window_->state().slice(ViewPlane::Axial),
            sliceCount(window_->state().image().geometry(), window_->state().axes(ViewPlane::Axial)) - 1);

  const QPointF at(axial->width() / 2.0, axial->height() / 2.0);
  QWheelEvent wheel(at, axial->mapToGlobal(at), QPoint(), QPoint(0, 240), Qt::NoButton, Qt::ControlModifier, Qt::NoScrollPhase, false);
  QApplication::sendEvent(axial, &wheel);
  ASSERT_GT(axial->viewport().zoom, 1.0);
  QTest::keyClick(axial, Qt::Key_0, Qt::ControlModifier);
  EXPECT_EQ(axial->viewport().zoom, 1.0);

  QAction* shortcuts = action(window_.get(), "shortcuts");
  EXPECT_EQ(shortcuts->shortcut(), QKeySequence(QKeySequence::HelpContents));
  QStringList menus;
  for (QAction* menu : window_->menuBar()->actions()) menus << menu->text();
  EXPECT_TRUE(menus.contains("&Help")) << menus.join(',').toStdString();
  QString listed;
  closeNextMessageBox(listed);
  shortcuts->trigger();
  for (const char* key : {"Page Up/Down", "Ctrl+0", "Ctrl+L", "Ctrl+Z", "Right drag"})
    EXPECT_TRUE(listed.contains(key)) << key << " not in " << listed.toStdString();
}
