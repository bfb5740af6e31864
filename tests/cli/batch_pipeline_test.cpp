// krait batch reads the next case and writes the previous one while a case is segmented (issue 24): the cases
// come out as `krait segment` writes them one by one, a case that cannot be read or written fails alone, and
// Ctrl-C leaves only whole cases, each reported as it was written. docs/cli.md (`krait batch`) documents it.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <csignal>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "krait/io/volume_io.h"
#include "segment_support.h"

namespace fs = std::filesystem;
using krait::test::fileBytes;
using krait::test::kModel;
using krait::test::runKrait;
using krait::test::smallImage;
using krait::test::TempDir;
using nlohmann::json;

namespace {

json readJson(const fs::path& path) {
  std::ifstream in(path);
  return json::parse(in);
}

// stdout's JSON lines: one per case, in the order printed, then the summary.
std::vector<json> jsonLines(const std::string& out) {
  std::vector<json> lines;
  std::istringstream in(out);
  for (std::string line; std::getline(in, line);)
    if (!line.empty()) lines.push_back(json::parse(line));
  return lines;
}

std::vector<std::string> batchArgs(const fs::path& in, const fs::path& out) {
  return {"batch", "-m", kModel.string(), "--input-dir", in.string(), "-o", out.string(), "--json", "--disable-tta", "--threads", "1"};
}

// The small real scan, and the same voxels reversed (every axis, or along x only): cases whose masks differ, so
// that a mask written under another case's name shows.
void writeCases(const fs::path& in, const std::vector<std::string>& ids) {
  fs::create_directories(in);
  const krait::Volume scan = krait::io::readVolume(smallImage());
  for (size_t n = 0; n < ids.size(); ++n) {
    krait::Volume v = scan;
    krait::dispatchPixelType(v.pixelType(), [&](auto t) {
      using T = decltype(t);
      T* p = v.as<T>();
      const auto count = static_cast<std::ptrdiff_t>(v.elementCount()), row = v.geometry().size[0];
      if (n % 3 == 1) std::reverse(p, p + count);
      if (n % 3 == 2)
        for (std::ptrdiff_t r = 0; r < count; r += row) std::reverse(p + r, p + r + row);
    });
    krait::io::writeVolume(v, in / (ids[n] + ".nii.gz"));
  }
}

// What identifies one write of a file: a rewrite gives a new inode (outputs are renamed into place).
std::pair<ino_t, int64_t> identity(const fs::path& path) {
  struct stat st {};
  EXPECT_EQ(stat(path.c_str(), &st), 0) << path;
  return {st.st_ino, static_cast<int64_t>(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec};
}

// A report without what is measured anew on every run, or says where this run wrote.
json withoutMeasurements(json report) {
  for (const char* key : {"seconds", "peak_rss_gib", "output", "probabilities", "status", "case"}) report.erase(key);
  return report;
}

}  // namespace

TEST(BatchPipeline, CasesCompleteWithTheMasksAndReportsOfCasesSegmentedOneByOne) {
  const TempDir d;
  const std::vector<std::string> ids{"a", "b", "c", "d", "e"};
  writeCases(d / "in", ids);
  fs::create_directories(d / "one");
  for (const std::string& id : ids) {
    const auto r = runKrait({"segment", "-m", kModel.string(), "-i", (d / "in" / (id + ".nii.gz")).string(), "-o",
                             (d / "one" / (id + ".nii.gz")).string(), "--probabilities",
                             (d / "one" / (id + "_probabilities.nii.gz")).string(), "--json", "--disable-tta", "--threads", "1"});
    ASSERT_EQ(r.exitCode, 0) << r.err;
    std::ofstream(d / "one" / (id + ".json")) << r.out;
  }
  EXPECT_NE(fileBytes(d / "one" / "a.nii.gz"), fileBytes(d / "one" / "b.nii.gz"));
  EXPECT_NE(fileBytes(d / "one" / "a.nii.gz"), fileBytes(d / "one" / "c.nii.gz"));

  // One worker, and two (as two GPUs with --device cuda:0,1), each with its reader and writer threads.
  for (const std::string devices : {"cpu", "cpu,cpu"}) {
    const fs::path out = d / ("out_" + devices);
    std::vector<std::string> args = batchArgs(d / "in", out);
    args.insert(args.end(), {"--probabilities", "--device", devices});
    const auto r = runKrait(args);
    ASSERT_EQ(r.exitCode, 0) << r.err;
    const std::vector<json> lines = jsonLines(r.out);
    ASSERT_EQ(lines.size(), ids.size() + 1) << r.out;
    EXPECT_EQ(lines.back().at("done"), ids.size());
    std::vector<std::string> order;
    for (size_t n = 0; n < ids.size(); ++n) order.push_back(lines[n].at("case"));
    if (devices == "cpu") EXPECT_EQ(order, ids) << "one worker reports its cases in the order it took them";
    for (const std::string& id : ids) {
      EXPECT_EQ(fileBytes(out / (id + ".nii.gz")), fileBytes(d / "one" / (id + ".nii.gz"))) << devices << ": " << id;
      EXPECT_EQ(fileBytes(out / (id + "_probabilities.nii.gz")), fileBytes(d / "one" / (id + "_probabilities.nii.gz")))
          << devices << ": " << id;
      const json report = readJson(out / (id + ".json")), one = readJson(d / "one" / (id + ".json"));
      EXPECT_EQ(report.at("status"), "ok");
      EXPECT_EQ(report.at("case"), id);
      EXPECT_EQ(withoutMeasurements(report), withoutMeasurements(one)) << devices << ": " << id;
      for (const char* stage : {"read", "preprocess", "network", "export", "write"})
        EXPECT_GE(report.at("seconds").at(stage).get<double>(), 0.0) << id << " " << stage;
    }
  }
}

TEST(BatchPipeline, AnUnreadableCaseBetweenGoodOnesFailsAlone) {
  const TempDir d;
  fs::create_directories(d / "in");
  for (const char* id : {"a", "c", "e"}) fs::copy_file(smallImage(), d / "in" / (std::string(id) + ".nii"));
  std::ofstream(d / "in" / "b.nii") << "not an image";
  const std::string scan = fileBytes(smallImage());
  std::ofstream(d / "in" / "d.nii", std::ios::binary) << scan.substr(0, scan.size() / 2);
  const auto one = runKrait({"segment", "-m", kModel.string(), "-i", smallImage().string(), "-o",
                             (d / "one.nii.gz").string(), "--disable-tta", "--threads", "1", "--quiet"});
  ASSERT_EQ(one.exitCode, 0) << one.err;

  const auto r = runKrait(batchArgs(d / "in", d / "out"));
  EXPECT_EQ(r.exitCode, 3) << r.err;
  std::map<std::string, std::string> status;
  for (const json& line : jsonLines(r.out))
    if (line.contains("case")) status[line.at("case")] = line.at("status");
  EXPECT_EQ(status, (std::map<std::string, std::string>{{"a", "ok"}, {"b", "failed"}, {"c", "ok"}, {"d", "failed"}, {"e", "ok"}}));
  for (const char* id : {"b", "d"}) {
    const json report = readJson(d / "out" / (std::string(id) + ".json"));
    EXPECT_EQ(report.at("status"), "failed");
    EXPECT_NE(report.at("error").get<std::string>().find((d / "in" / (std::string(id) + ".nii")).string()), std::string::npos)
        << report.at("error");
    EXPECT_FALSE(fs::exists(d / "out" / (std::string(id) + ".nii.gz")));
  }
  for (const char* id : {"a", "c", "e"})
    EXPECT_EQ(fileBytes(d / "out" / (std::string(id) + ".nii.gz")), fileBytes(d / "one.nii.gz")) << id;
}

TEST(BatchPipeline, ACaseWhoseMaskCannotBeWrittenFailsAloneAndWritesNothing) {
  const TempDir d;
  fs::create_directories(d / "in");
  for (const char* id : {"a", "b", "c"}) fs::copy_file(smallImage(), d / "in" / (std::string(id) + ".nii"));
  // A folder already sits where b's mask goes.
  fs::create_directories(d / "out" / "b.nii.gz");
  std::ofstream(d / "out" / "b.nii.gz" / "keep.txt") << "someone else's";
  std::vector<std::string> args = batchArgs(d / "in", d / "out");
  args.push_back("--probabilities");
  auto r = runKrait(args);
  EXPECT_EQ(r.exitCode, 3) << r.err;
  std::vector<json> lines = jsonLines(r.out);
  ASSERT_EQ(lines.size(), 4u) << r.out;
  EXPECT_EQ(lines[1].at("case"), "b");
  EXPECT_EQ(lines[1].at("status"), "failed");
  EXPECT_EQ(lines.back().at("done"), 2);
  EXPECT_EQ(lines.back().at("failed"), 1);
  const std::string reason = (d / "out" / "b.nii.gz").string() + ": is a folder";
  EXPECT_NE(r.err.find("case b failed: " + reason), std::string::npos) << r.err;
  EXPECT_EQ(readJson(d / "out" / "b.json").at("status"), "failed");
  EXPECT_EQ(readJson(d / "out" / "b.json").at("error"), reason);
  EXPECT_FALSE(fs::exists(d / "out" / "b_probabilities.nii.gz")) << "a failed case writes none of its outputs";
  EXPECT_EQ(fileBytes(d / "out" / "b.nii.gz" / "keep.txt"), "someone else's");
  for (const char* id : {"a", "c"}) {
    EXPECT_EQ(readJson(d / "out" / (std::string(id) + ".json")).at("status"), "ok") << id;
    EXPECT_NO_THROW(krait::io::readVolume(d / "out" / (std::string(id) + ".nii.gz"))) << id;
    EXPECT_NO_THROW(krait::io::readVolume(d / "out" / (std::string(id) + "_probabilities.nii.gz"))) << id;
  }

  // The folder gone, the rerun does b alone.
  fs::remove_all(d / "out" / "b.nii.gz");
  r = runKrait(args);
  EXPECT_EQ(r.exitCode, 0) << r.err;
  lines = jsonLines(r.out);
  EXPECT_EQ(lines.back().at("skipped"), 2);
  EXPECT_EQ(lines.back().at("done"), 1);
  EXPECT_EQ(readJson(d / "out" / "b.json").at("status"), "ok");
}

TEST(BatchPipeline, CtrlCMidBatchLeavesOnlyWholeCasesEachReportedAsWritten) {
  const TempDir d;
  fs::create_directories(d / "in");
  for (int i = 0; i < 40; ++i) fs::create_hard_link(smallImage(), d / "in" / ("case" + std::to_string(100 + i) + ".nii"));
  const fs::path out = d / "out";
  const auto reports = [&] {
    size_t n = 0;
    for (const auto& e : fs::directory_iterator(out)) n += e.path().extension() == ".json";
    return n;
  };
  // Ctrl-C once four cases are reported: one case is being segmented, the next read, the previous written.
  auto r = krait::test::runKraitUntil(batchArgs(d / "in", out), [&] { return fs::exists(out) && reports() >= 4; }, SIGINT);
  ASSERT_EQ(r.exitCode, 130) << r.err;
  EXPECT_NE(r.err.find("krait batch: cancelled at case "), std::string::npos) << r.err;

  // Every case said ok on stdout has its report and its whole mask, and there is nothing else.
  std::set<std::string> said;
  for (const json& line : jsonLines(r.out)) {
    EXPECT_EQ(line.at("status"), "ok") << line;
    said.insert(line.at("case"));
  }
  std::set<std::string> reported, masks;
  std::map<std::string, std::pair<ino_t, int64_t>> written;
  for (const auto& e : fs::directory_iterator(out)) {
    const std::string name = e.path().filename().string();
    if (e.path().extension() == ".json") {
      const json report = readJson(e.path());
      EXPECT_EQ(report.at("status"), "ok") << name;
      reported.insert(report.at("case"));
    } else if (name.size() > 7 && name.compare(name.size() - 7, 7, ".nii.gz") == 0) {
      EXPECT_NO_THROW(krait::io::readVolume(e.path())) << name;
      masks.insert(name.substr(0, name.size() - 7));
      written[name] = identity(e.path());
    } else {
      ADD_FAILURE() << "left behind: " << name;
    }
  }
  EXPECT_EQ(said, reported);
  EXPECT_EQ(masks, reported);
  EXPECT_LT(reported.size(), 40u);
  EXPECT_NE(r.err.find("cancelled (" + std::to_string(reported.size()) + " done, 0 skipped, 0 failed)"), std::string::npos)
      << r.err;

  // The rerun does each remaining case once and leaves the finished ones as they were.
  r = runKrait(batchArgs(d / "in", out));
  ASSERT_EQ(r.exitCode, 0) << r.err;
  const json summary = jsonLines(r.out).back();
  EXPECT_EQ(summary.at("skipped"), reported.size());
  EXPECT_EQ(summary.at("done"), 40 - reported.size());
  for (const auto& [name, before] : written) EXPECT_EQ(identity(out / name), before) << name << " was written again";
}
