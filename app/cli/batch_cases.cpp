#include "batch_cases.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <map>
#include <regex>
#include <sstream>

#include "krait/base/error.h"
#include "krait/engine/engine.h"

namespace fs = std::filesystem;

namespace krait::cli {
namespace {

const std::regex kImageName(R"((.+?)(_(\d{4}))?\.(nii\.gz|nii|nrrd|nhdr|mha|mhd|dcm)$)");

void checkUnique(const std::vector<BatchCase>& cases, const std::string& source) {
  std::map<std::string, int> seen;
  for (const auto& c : cases)
    if (++seen[c.id] > 1) throw inputError(source, "case '" + c.id + "' appears twice");
}

std::vector<std::string> splitCsv(const std::string& line) {
  std::vector<std::string> out;
  std::string cell;
  bool quoted = false;
  for (char ch : line) {
    if (ch == '"') quoted = !quoted;
    else if (ch == ',' && !quoted) {
      out.push_back(cell);
      cell.clear();
    } else if (ch != '\r') {
      cell += ch;
    }
  }
  out.push_back(cell);
  return out;
}

int envInt(const char* name, int fallback) {
  const char* v = std::getenv(name);
  if (!v || !*v) return fallback;
  try {
    return std::stoi(v);
  } catch (const std::exception&) {
    throw Error(ErrorKind::Usage, std::string(name) + " is not a number: '" + v + "'");
  }
}

}  // namespace

std::vector<BatchCase> casesFromFolder(const fs::path& folder, const std::vector<fs::path>& exclude) {
  if (!fs::is_directory(folder)) throw inputError(folder.string(), "not a folder");
  std::vector<fs::path> excluded;
  for (const fs::path& e : exclude) {
    excluded.push_back(fs::weakly_canonical(e));
    // Masks written beside the cases would be cases on the next run.
    if (excluded.back() == fs::weakly_canonical(folder))
      throw Error(ErrorKind::Usage, e.string() + ": the output folder is the input folder; write into another one (a "
                                                 "subfolder such as " + (folder / "predictions").string() + " will do)");
  }
  std::map<std::string, std::map<int, std::string>> channels;
  std::vector<BatchCase> cases;
  for (const auto& entry : fs::directory_iterator(folder)) {
    const std::string name = entry.path().filename().string();
    if (name.empty() || name[0] == '.') continue;
    if (std::find(excluded.begin(), excluded.end(), fs::weakly_canonical(entry.path())) != excluded.end()) continue;
    if (entry.is_directory()) {
      cases.push_back({name, {entry.path().string()}});
      continue;
    }
    std::smatch m;
    if (!std::regex_match(name, m, kImageName)) continue;
    const int channel = m[3].matched ? std::stoi(m[3]) : 0;
    if (!channels[m[1]].emplace(channel, entry.path().string()).second)
      throw inputError(entry.path().string(), "case '" + std::string(m[1]) + "' has two files for channel " + std::to_string(channel));
  }
  for (const auto& [id, files] : channels) {
    BatchCase c{id, {}};
    int expected = 0;
    for (const auto& [channel, path] : files) {
      if (channel != expected)
        throw inputError((folder / id).string(), "channel files skip _" + std::to_string(expected) + " (found _" +
                                                     std::to_string(channel) + ")");
      c.inputs.push_back(path);
      ++expected;
    }
    cases.push_back(c);
  }
  if (cases.empty())
    throw inputError(folder.string(), "holds no cases: no channel files (<case>_0000.nii.gz ...), image files or DICOM "
                                      "folders");
  checkUnique(cases, folder.string());
  return cases;
}

std::vector<BatchCase> casesFromManifest(const fs::path& manifest) {
  std::ifstream in(manifest);
  if (!in) throw inputError(manifest.string(), "cannot open");
  const fs::path base = manifest.parent_path();
  auto resolve = [&](const std::string& p) { return fs::path(p).is_absolute() ? p : (base / p).string(); };
  std::vector<BatchCase> cases;
  std::string line;
  int lineNo = 0;
  const bool jsonl = manifest.extension() == ".jsonl" || manifest.extension() == ".ndjson";
  while (std::getline(in, line)) {
    ++lineNo;
    const std::string where = manifest.string() + ":" + std::to_string(lineNo);
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    BatchCase c;
    if (jsonl) {
      nlohmann::json j;
      try {
        j = nlohmann::json::parse(line);
        c.id = j.at("case").get<std::string>();
        if (j.contains("images")) {
          for (const auto& p : j.at("images")) c.inputs.push_back(resolve(p.get<std::string>()));
        } else {
          c.inputs.push_back(resolve(j.at("image").get<std::string>()));
        }
      } catch (const nlohmann::json::exception& e) {
        throw inputError(where, std::string("expected {\"case\": ..., \"image\" or \"images\": ...}: ") + e.what());
      }
    } else {
      const auto cells = splitCsv(line);
      if (lineNo == 1) {
        if (cells.size() < 2 || cells[0] != "case")
          throw inputError(where, "the CSV header must be case,image[,image...]");
        continue;
      }
      if (cells.size() < 2 || cells[0].empty()) throw inputError(where, "expected case,image[,image...]");
      c.id = cells[0];
      for (size_t i = 1; i < cells.size(); ++i)
        if (!cells[i].empty()) c.inputs.push_back(resolve(cells[i]));
    }
    if (c.inputs.empty()) throw inputError(where, "case '" + c.id + "' names no image");
    if (c.id.find('/') != std::string::npos || c.id == "." || c.id == "..")
      throw inputError(where, "case id '" + c.id + "' cannot be a file name");
    cases.push_back(c);
  }
  checkUnique(cases, manifest.string());
  return cases;
}

Shard parseShard(const std::string& text, int shards) {
  Shard s;
  if (!text.empty()) {
    std::smatch m;
    if (!std::regex_match(text, m, std::regex(R"((\d+)/(\d+))")))
      throw Error(ErrorKind::Usage, "--shard must be i/N, e.g. 0/4, not '" + text + "'");
    s = {std::stoi(m[1]), std::stoi(m[2])};
  } else if (std::getenv("SLURM_ARRAY_TASK_ID") && std::getenv("SLURM_ARRAY_TASK_COUNT")) {
    s = {envInt("SLURM_ARRAY_TASK_ID", 0) - envInt("SLURM_ARRAY_TASK_MIN", 0), envInt("SLURM_ARRAY_TASK_COUNT", 1)};
  } else if (std::getenv("JOB_COMPLETION_INDEX")) {
    if (shards <= 0) throw Error(ErrorKind::Usage, "JOB_COMPLETION_INDEX is set: give the number of shards with --shards N");
    s = {envInt("JOB_COMPLETION_INDEX", 0), shards};
    shards = 0;  // used
  }
  // Outside an Indexed Job, --shards would be ignored and every pod of the Job would do every case.
  if (shards > 0)
    throw Error(ErrorKind::Usage, "--shards is only for a Kubernetes Indexed Job (JOB_COMPLETION_INDEX is not set" +
                                      std::string(text.empty() ? "" : ", and --shard gives the count") + ")");
  if (s.count < 1 || s.index < 0 || s.index >= s.count)
    throw Error(ErrorKind::Usage, "shard " + std::to_string(s.index) + "/" + std::to_string(s.count) + " is out of range");
  return s;
}

std::vector<std::string> deviceList(const std::string& text) {
  std::vector<std::string> devices;
  std::string kind;
  std::stringstream items(text);
  for (std::string item; std::getline(items, item, ',');) {
    if (item.empty()) throw Error(ErrorKind::Usage, "--device '" + text + "' has an empty entry");
    const bool index = item.find_first_not_of("0123456789") == std::string::npos;
    devices.push_back(index && !kind.empty() ? kind + ":" + item : item);
    checkDevice(devices.back());
    kind = devices.back().rfind("cuda", 0) == 0 ? "cuda" : "";
  }
  if (devices.empty()) throw Error(ErrorKind::Usage, "--device is empty");
  return devices;
}

std::vector<BatchCase> selectShard(std::vector<BatchCase> cases, const Shard& shard) {
  std::sort(cases.begin(), cases.end(), [](const auto& a, const auto& b) { return a.id < b.id; });
  std::vector<BatchCase> out;
  for (size_t i = 0; i < cases.size(); ++i)
    if (static_cast<int>(i % static_cast<size_t>(shard.count)) == shard.index) out.push_back(cases[i]);
  return out;
}

}  // namespace krait::cli
