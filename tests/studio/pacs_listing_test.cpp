// The PACS browser's logic without a display: nodes in words, the study query from typed filters, the study
// and series tables, the cache folder of a retrieved series (never outside the cache), and the worker, whose
// failures are the PACS library's messages. tests/studio/pacs_browser_test.cpp runs it against a real Orthanc.
#include <gtest/gtest.h>

#include <cstdlib>

#include "error_of.h"
#include "krait/base/error.h"
#include "pacs_worker.h"
#include "silent_node.h"
#include "testdata.h"

using namespace krait;
using namespace krait::studio;

TEST(PacsListing, NodesInWords) {
  io::PacsNode node;
  node.aeTitle = "PACS01";
  node.host = "pacs.example.org";
  node.port = 11112;
  EXPECT_EQ(nodeSummary(node), "AE title PACS01 · pacs.example.org:11112 · C-GET");
  node.retrieve = "move";
  node.tls = true;
  EXPECT_EQ(nodeSummary(node), "AE title PACS01 · pacs.example.org:11112 · C-MOVE · TLS");
}

TEST(PacsListing, StudyKeysFromTheFilters) {
  EXPECT_TRUE(studyKeys({}).empty());
  EXPECT_EQ(studyKeys({"12345", "doe", "20240101-"}),
            (io::QueryMatch{{"PatientID", "12345"}, {"PatientName", "doe*"}, {"StudyDate", "20240101-"}}));
  EXPECT_EQ(studyKeys({"", "DOE^J?HN", ""}).at("PatientName"), "DOE^J?HN");  // wildcards given: as typed
  for (const std::string date : {"20240101", "-20240131", "20240101-20240131"}) EXPECT_EQ(studyKeys({"", "", date}).at("StudyDate"), date);
  for (const std::string date : {"2024-01-01", "yesterday", "2024"})
    EXPECT_NE(test::errorOf<Error>([&] { studyKeys({"", "", date}); }).find("is not YYYYMMDD"), std::string::npos) << date;
}

TEST(PacsListing, StudiesNewestFirstAndSeriesByNumber) {
  const auto studies = pacsStudyRows({{{"StudyInstanceUID", "1.1"}, {"PatientName", "DOE^JOHN"}, {"StudyDate", "20230105"}},
                                      {{"StudyInstanceUID", "1.2"}, {"PatientName", "ROE^JANE^^DR"}, {"PatientID", "7"},
                                       {"StudyDate", "20240131"}, {"StudyDescription", "Brain"}, {"ModalitiesInStudy", "MR\\SEG"},
                                       {"NumberOfStudyRelatedSeries", "2"}}});
  ASSERT_EQ(studies.size(), 2u);
  EXPECT_EQ(studies[0].uid, "1.2");
  EXPECT_EQ(studies[0].cells, (std::vector<std::string>{"ROE JANE DR", "7", "2024-01-31", "Brain", "MR\\SEG", "2"}));
  EXPECT_EQ(studies[0].cells.size(), pacsStudyColumns().size());
  EXPECT_EQ(studies[1].cells[0], "DOE JOHN");
  const auto series = pacsSeriesRows({{{"SeriesInstanceUID", "2.10"}, {"SeriesNumber", "10"}, {"Modality", "SEG"}},
                                      {{"SeriesInstanceUID", "2.2"}, {"SeriesNumber", "2"}, {"Modality", "MR"},
                                       {"SeriesDescription", "T1"}, {"NumberOfSeriesRelatedInstances", "20"}}});
  ASSERT_EQ(series.size(), 2u);
  EXPECT_EQ(series[0].uid, "2.2");  // 2 before 10: by number, not by text
  EXPECT_EQ(series[0].cells, (std::vector<std::string>{"2", "MR", "T1", "", "20"}));
  EXPECT_EQ(series[0].cells.size(), pacsSeriesColumns().size());
}

TEST(PacsListing, RetrievedSeriesGoUnderTheCacheAndNowhereElse) {
  const test::TempDir cache;
  const char* before = std::getenv("XDG_CACHE_HOME");
  const std::string saved = before ? before : "";
  setenv("XDG_CACHE_HOME", cache.path().c_str(), 1);
  EXPECT_EQ(retrievedSeriesFolder("1.2.840.113619.2.1"), cache / "krait" / "pacs" / "1.2.840.113619.2.1");
  for (const std::string uid : {"..", "1.2/../..", "", "1..2", ".1", "/etc"})
    EXPECT_NE(test::errorOf<Error>([&] { retrievedSeriesFolder(uid); }).find("is not one"), std::string::npos) << uid;
  if (before) setenv("XDG_CACHE_HOME", saved.c_str(), 1);
  else unsetenv("XDG_CACHE_HOME");
}

// The worker hands back the library's message instead of throwing, and takes one task at a time.
TEST(PacsWorker, OneTaskAtATimeAndFailuresAreTheLibrarysMessages) {
  const SilentNode silent;
  ASSERT_NE(silent.port(), 0);
  io::PacsSettings settings;
  const auto add = [&](const std::string& name, int port) {
    io::PacsNode node;
    node.name = name;
    node.aeTitle = "NOBODY";
    node.host = "127.0.0.1";
    node.port = port;
    node.timeoutSeconds = 1;
    settings.nodes[name] = node;
  };
  add("silent", silent.port());
  add("offline", 1);  // privileged and unused: the connection is refused at once
  PacsWorker worker(settings);
  worker.echo("silent");
  EXPECT_TRUE(worker.busy());
  EXPECT_NE(test::errorOf<Error>([&] { worker.echo("offline"); }).find("busy"), std::string::npos);
  EXPECT_FALSE(worker.take().has_value());
  worker.wait();
  EXPECT_FALSE(worker.busy());
  std::optional<PacsResult> result = worker.take();
  ASSERT_TRUE(result.has_value());
  EXPECT_EQ(result->task, PacsTask::Echo);
  EXPECT_EQ(result->node, "silent");
  EXPECT_NE(result->error.find("no answer within 1 s"), std::string::npos) << result->error;
  EXPECT_FALSE(worker.take().has_value());  // once

  worker.echo("offline");
  worker.wait();
  result = worker.take();
  EXPECT_NE(result->error.find("no connection to 127.0.0.1:1"), std::string::npos) << result->error;

  worker.findStudies("elsewhere", {});  // a node the settings do not name
  worker.wait();
  result = worker.take();
  EXPECT_NE(result->error.find("no PACS node \"elsewhere\""), std::string::npos) << result->error;
}
