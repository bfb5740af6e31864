// krait batch under faults (issue 23): a 1,000-case batch of small real scans with ten corrupt ones, killed with
// SIGKILL part-way and run again; a full disk; an output folder that cannot be written; the model changed while a
// batch runs. What each does is documented in docs/cli.md (`krait batch`) and docs/reliability.md.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <nlohmann/json.hpp>

#include <csignal>
#include <cstring>
#include <fstream>
#include <limits>
#include <map>
#include <set>
#include <sstream>

#include "krait/io/volume_io.h"
#include "tmpfs.h"
#include "segment_support.h"

namespace fs = std::filesystem;
using krait::test::kModel;
using krait::test::runKrait;
using krait::test::runKraitUntil;
using krait::test::TempDir;
using krait::test::Tmpfs;
using krait::test::testData;
using nlohmann::json;

namespace {

// Every file of `folder` whose name ends with `suffix`.
std::vector<fs::path> filesEndingWith(const fs::path& folder, const std::string& suffix) {
  std::vector<fs::path> out;
  for (const auto& e : fs::directory_iterator(folder)) {
    const std::string name = e.path().filename().string();
    if (name.size() >= suffix.size() && name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0) out.push_back(e.path());
  }
  return out;
}

json readJson(const fs::path& path) {
  std::ifstream in(path);
  return json::parse(in);
}

// What identifies one write of a file: a rewrite gives a new inode (atomic outputs are renamed into place).
std::pair<ino_t, int64_t> identity(const fs::path& path) {
  struct stat st {};
  EXPECT_EQ(stat(path.c_str(), &st), 0) << path;
  return {st.st_ino, static_cast<int64_t>(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec};
}

std::vector<fs::path> stagingFolders(const fs::path& folder) {
  std::vector<fs::path> out;
  for (const auto& e : fs::directory_iterator(folder))
    if (e.path().filename().string().rfind(".krait-partial", 0) == 0) out.push_back(e.path());
  return out;
}

void writeBytes(const fs::path& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary).write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

// Ten corrupt cases, each made from a real file in its own way; the batch must report each by its file.
std::vector<std::string> writeCorruptCases(const fs::path& in) {
  const std::string nii = krait::test::fileBytes(testData("nifti-nibabel/anatomical.nii"));
  const std::string gz = krait::test::fileBytes(testData("nifti-nibabel/standard.nii.gz"));
  std::map<std::string, std::string> cases;
  cases["bad_truncated.nii"] = nii.substr(0, 2000);
  cases["bad_empty.nii"] = "";
  cases["bad_text.nii"] = "this is not an image\n";
  cases["bad_gzip_cut.nii.gz"] = gz.substr(0, gz.size() / 2);
  cases["bad_gzip_garbage.nii.gz"] = std::string("\x1f\x8b", 2) + std::string(200, 'x');
  std::string zeroSpacing = nii;
  std::fill(zeroSpacing.begin() + 80, zeroSpacing.begin() + 92, '\0');    // pixdim[1..3]
  std::fill(zeroSpacing.begin() + 280, zeroSpacing.begin() + 328, '\0');  // srow
  cases["bad_zero_spacing.nii"] = zeroSpacing;
  std::string datatype = nii;
  datatype[70] = '\x7f';  // big-endian datatype 0x7f04: none NIfTI has
  cases["bad_datatype.nii"] = datatype;
  std::string dims = nii;
  dims[42] = '\x80';  // dim[1] negative (big-endian int16)
  cases["bad_dims.nii"] = dims;
  cases["bad_header_only.nii"] = nii.substr(0, 352);
  cases["bad_mha.mha"] = "NDims = 3\nDimSize = 4 4\nElementType = MET_UCHAR\nElementDataFile = LOCAL\n";
  std::vector<std::string> names;
  for (const auto& [name, bytes] : cases) {
    writeBytes(in / name, bytes);
    names.push_back(name.substr(0, name.find('.')));
  }
  return names;
}

std::vector<std::string> batchArgs(const fs::path& in, const fs::path& out, const fs::path& model = kModel) {
  return {"batch", "-m", model.string(), "--input-dir", in.string(), "-o", out.string(), "--json", "--disable-tta", "--threads", "1"};
}

// The counts of the summary line (the last line of --json output).
json summaryOf(const std::string& out) {
  std::istringstream lines(out);
  std::string line, last;
  while (std::getline(lines, line))
    if (!line.empty()) last = line;
  return json::parse(last);
}

// `count` cases linking to one small real scan.
void linkCases(const fs::path& in, int count, const std::string& scan) {
  fs::create_directories(in);
  const std::string ext = scan.substr(scan.find('.'));
  for (int i = 0; i < count; ++i) fs::create_hard_link(testData(scan), in / ("case" + std::to_string(100 + i) + ext));
}

// Every mask in `out` reads and every report parses; no staging folder is left.
void expectOnlyWholeFiles(const fs::path& out) {
  for (const auto& e : fs::directory_iterator(out)) {
    const fs::path p = e.path();
    if (p.extension() == ".json") EXPECT_NO_THROW(readJson(p)) << p;
    else if (p.extension() == ".nii" || p.extension() == ".gz") EXPECT_NO_THROW(krait::io::readVolume(p)) << p;
    else ADD_FAILURE() << "left behind: " << p;
  }
}

}  // namespace

TEST(BatchFaults, AThousandCasesKilledAndRerunDoEveryGoodCaseOnceAndReportTheCorruptOnes) {
  TempDir d;
  fs::create_directories(d / "in");
  // 990 small real scans (nibabel's standard.nii.gz, 4 x 5 x 7, and 40 of its anatomical.nii, 33 x 41 x 25) as
  // hard links, and ten corrupt cases.
  for (int i = 0; i < 990; ++i) {
    char name[32];
    std::snprintf(name, sizeof name, "case%04d", i);
    const bool large = i % 25 == 0;
    fs::create_hard_link(testData(large ? "nifti-nibabel/anatomical.nii" : "nifti-nibabel/standard.nii.gz"),
                         d / "in" / (std::string(name) + (large ? ".nii" : ".nii.gz")));
  }
  const std::vector<std::string> corrupt = writeCorruptCases(d / "in");
  const fs::path out = d / "out";

  // SIGKILL once 300 cases have their reports: no handler runs, as when a node dies or the OOM killer strikes.
  auto r = runKraitUntil(batchArgs(d / "in", out), [&] { return fs::exists(out) && filesEndingWith(out, ".json").size() >= 300; },
                         SIGKILL);
  ASSERT_EQ(r.exitCode, 128 + SIGKILL) << r.err;
  // Whatever carries a final name is whole: every mask reads, every report parses.
  std::map<std::string, std::pair<ino_t, int64_t>> doneBefore;
  for (const fs::path& report : filesEndingWith(out, ".json")) {
    const json j = readJson(report);
    const std::string id = j.at("case");
    if (j.at("status") != "ok") continue;
    const fs::path mask = out / (id + ".nii.gz");
    ASSERT_TRUE(fs::exists(mask)) << id;
    EXPECT_NO_THROW(krait::io::readVolume(mask)) << id;
    doneBefore[id] = identity(mask);
  }
  for (const fs::path& mask : filesEndingWith(out, ".nii.gz"))
    EXPECT_NO_THROW(krait::io::readVolume(mask)) << mask;
  ASSERT_GE(doneBefore.size(), 250u);
  EXPECT_LE(stagingFolders(out).size(), 1u) << "only the case in progress may leave a staging folder";

  r = runKrait(batchArgs(d / "in", out));
  EXPECT_EQ(r.exitCode, 3) << r.err;
  const json summary = summaryOf(r.out);
  EXPECT_EQ(summary.at("cases"), 1000);
  EXPECT_EQ(summary.at("skipped"), doneBefore.size()) << "cases finished before the kill are not done again";
  EXPECT_EQ(summary.at("done").get<size_t>() + doneBefore.size(), 990u);
  EXPECT_EQ(summary.at("failed"), 10);
  for (const auto& [id, before] : doneBefore) EXPECT_EQ(identity(out / (id + ".nii.gz")), before) << id << " was written again";
  EXPECT_EQ(filesEndingWith(out, ".nii.gz").size(), 990u);
  EXPECT_EQ(filesEndingWith(out, ".json").size(), 1000u);
  EXPECT_TRUE(stagingFolders(out).empty()) << "the rerun removes what the killed run left";
  for (const std::string& id : corrupt) {
    const json report = readJson(out / (id + ".json"));
    EXPECT_EQ(report.at("status"), "failed") << id;
    EXPECT_NE(report.at("error").get<std::string>().find(id), std::string::npos) << report.at("error");
    EXPECT_FALSE(fs::exists(out / (id + ".nii.gz"))) << id;
  }
}

TEST(BatchFaults, AFullDiskStopsTheBatchWithAClearErrorAndTheRerunResumes) {
  TempDir d;
  linkCases(d / "in", 5, "nifti-nibabel/anatomical.nii");
  Tmpfs disk(d / "disk", "80k");  // room for two uncompressed masks (34 KB each) and their reports
  ASSERT_TRUE(disk.mounted());
  std::vector<std::string> args = batchArgs(d / "in", d / "disk" / "out");
  args.insert(args.end(), {"--format", "nii"});
  auto r = runKrait(args);
  EXPECT_EQ(r.exitCode, 4) << r.err;
  EXPECT_NE(r.err.find("case102.nii: was written incompletely (no space left on the device)"), std::string::npos) << r.err;
  expectOnlyWholeFiles(d / "disk" / "out");
  EXPECT_EQ(filesEndingWith(d / "disk" / "out", ".nii").size(), 2u);
  EXPECT_FALSE(fs::exists(d / "disk" / "out" / "case102.json")) << "the batch stops; the case is not reported as failed";

  disk.remount(false, "1m");
  r = runKrait(args);
  EXPECT_EQ(r.exitCode, 0) << r.err;
  EXPECT_EQ(summaryOf(r.out).at("skipped"), 2);
  EXPECT_EQ(summaryOf(r.out).at("done"), 3);
  expectOnlyWholeFiles(d / "disk" / "out");
}

TEST(BatchFaults, AnOutputFolderThatCannotBeWrittenStopsTheBatchAndNothingIsHalfWritten) {
  TempDir d;
  linkCases(d / "in", 40, "nifti-nibabel/standard.nii.gz");
  Tmpfs disk(d / "disk", "4m");
  ASSERT_TRUE(disk.mounted());
  const fs::path out = d / "disk" / "out";
  // Read-only before the run: refused before the model loads.
  fs::create_directories(out);
  disk.remount(true);
  auto r = runKrait(batchArgs(d / "in", out));
  EXPECT_EQ(r.exitCode, 4) << r.err;
  EXPECT_NE(r.err.find(out.string()), std::string::npos) << r.err;
  // Turned read-only while the batch runs (a storage fault, a full quota): the batch stops at the next write.
  disk.remount(false);
  bool turned = false;
  r = runKraitUntil(batchArgs(d / "in", out), [&] {
    // The batch writes the next case while it segments another: a remount refused because a file is open for
    // writing is tried again at the next poll.
    if (!turned && filesEndingWith(out, ".json").size() >= 5) turned = disk.tryRemount(true);
    return false;
  }, SIGKILL);
  EXPECT_TRUE(turned);
  EXPECT_EQ(r.exitCode, 4) << r.err;
  EXPECT_NE(r.err.find("Read-only file system"), std::string::npos) << r.err;
  const size_t written = filesEndingWith(out, ".json").size();
  EXPECT_LT(written, 40u);
  EXPECT_EQ(filesEndingWith(out, ".nii.gz").size(), written);
  // Writable again: the rerun does the rest and cleans up after the stopped run.
  disk.remount(false);
  r = runKrait(batchArgs(d / "in", out));
  EXPECT_EQ(r.exitCode, 0) << r.err;
  EXPECT_EQ(summaryOf(r.out).at("skipped"), written);
  expectOnlyWholeFiles(out);
}

TEST(BatchFaults, AModelChangedDuringABatchIsNotMixedIntoItAndAChangedStoredModelIsRefused) {
  TempDir d;
  linkCases(d / "in", 40, "nifti-nibabel/standard.nii.gz");
  const fs::path model = krait::test::copyModel(d);
  bool changed = false;
  // plans.json gains a trailing newline after five cases: the same model, another checksum.
  auto r = runKraitUntil(batchArgs(d / "in", d / "out", model), [&] {
    if (!changed && fs::exists(d / "out") && filesEndingWith(d / "out", ".json").size() >= 5) {
      std::ofstream(model / "plans.json", std::ios::app) << "\n";
      changed = true;
    }
    return false;
  }, SIGKILL);
  EXPECT_TRUE(changed);
  ASSERT_EQ(r.exitCode, 0) << r.err;
  // The running batch keeps the model it loaded: every report names that one.
  std::set<std::string> checksums;
  for (const fs::path& report : filesEndingWith(d / "out", ".json")) checksums.insert(readJson(report).at("model").at("checksum"));
  EXPECT_EQ(checksums.size(), 1u);
  // The next run loads the changed model, whose checksum differs: every case is done again, none skipped.
  r = runKrait(batchArgs(d / "in", d / "out", model));
  ASSERT_EQ(r.exitCode, 0) << r.err;
  EXPECT_EQ(summaryOf(r.out).at("skipped"), 0);
  EXPECT_EQ(summaryOf(r.out).at("done"), 40);
  EXPECT_NE(readJson(d / "out" / "case100.json").at("model").at("checksum"), *checksums.begin());

  // A stored model is what was imported: once a file of it changes, it is refused until verified or re-imported.
  const std::string store = (d / "store").string();
  r = runKrait({"models", "import", model.string(), "--name", "t1", "--models-dir", store});
  ASSERT_EQ(r.exitCode, 0) << r.err;
  std::ofstream(d / "store" / "t1" / "plans.json", std::ios::app) << " ";
  std::vector<std::string> args = batchArgs(d / "in", d / "out2", "t1");
  args.insert(args.end(), {"--models-dir", store});
  r = runKrait(args);
  EXPECT_EQ(r.exitCode, 3) << r.err;
  EXPECT_NE(r.err.find("plans.json: does not match the model's manifest.json"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("krait models verify t1"), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(d / "out2" / "case100.json"));
}
