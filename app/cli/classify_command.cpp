#include <cstdint>
#include <cstdio>
#include <iostream>

#include <nlohmann/json.hpp>

#include "arg_parser.h"
#include "commands.h"
#include "interrupt.h"
#include "krait/base/error.h"
#include "krait/engine/plugins.h"
#include "krait/io/volume_io.h"

using nlohmann::json;
namespace fs = std::filesystem;

namespace krait::cli {
namespace {

// A volume through krait::io (plugins' volume readers included); other kinds through a plugin's reader; a
// slide by its path (its classifier reads it).
Data readInput(const fs::path& path, DataKind kind) {
  if (kind == DataKind::Volume) return {DataKind::Volume, path.string(), io::readVolume(path), {}};
  if (const std::string reader = pluginReaderFor(path, kind); !reader.empty()) return readWithPlugin(reader, path);
  if (kind == DataKind::Slide) return {DataKind::Slide, path.string(), {}, {}};
  throw inputError(path.string(), std::string("no plugin reader takes this file as ") + dataKindName(kind) + " data");
}

}  // namespace

int runClassify(const std::vector<std::string>& argv) {
  ArgParser args("krait classify -c CLASSIFIER --model MODEL [options] INPUT...",
                 "Classifies each INPUT with a plugin's classifier (krait plugins list shows them): a volume\n"
                 "(any image Krait reads), a waveform or a slide, read by the plugin reader of its kind. Prints\n"
                 "every label's score and whether it reaches the label's threshold; one bad INPUT is reported and\n"
                 "the others still classified (exit code 3).",
                 {{"-c", "CLASSIFIER", "the classifier's id"},
                  {"--model", "MODEL", "the model file or folder the classifier opens"},
                  {"--device", "DEVICE", "cpu (default), cuda or cuda:N"},
                  {"--json", "", "one JSON object per INPUT, one per line"}},
                 SIZE_MAX);
  if (args.parseOrShowHelp(argv)) return 0;
  if (!args.has("-c") || !args.has("--model")) throw Error(ErrorKind::Usage, "missing -c or --model (see --help)");
  if (args.positionals().empty()) throw Error(ErrorKind::Usage, "krait classify needs at least one INPUT (see --help)");
  Classifier classifier(args.value("-c"), args.value("--model"), args.value("--device", "cpu"));
  const std::atomic<bool>* interrupted = installInterruptFlag();
  int status = 0;
  for (const std::string& input : args.positionals()) {
    try {
      const std::vector<float> scores =
          classifier.classify(readInput(input, classifier.kind()), [&](const Progress&) { return !*interrupted; });
      json labels = json::array();
      for (size_t i = 0; i < scores.size(); ++i) {
        const ClassLabel& l = classifier.labels()[i];
        labels.push_back({{"id", l.id}, {"name", l.name}, {"code", l.code}, {"score", scores[i]},
                          {"present", scores[i] >= l.threshold}});
      }
      if (args.has("--json")) {
        std::cout << json{{"input", input}, {"model", classifier.modelName()}, {"labels", labels}}.dump() << "\n";
        continue;
      }
      std::cout << input << "  (" << classifier.modelName() << ")\n";
      for (const json& l : labels) {
        char line[512];
        std::snprintf(line, sizeof line, "  %-12s %-40s %8.4f%s\n", l["id"].get<std::string>().c_str(),
                      l["name"].get<std::string>().c_str(), l["score"].get<double>(), l["present"].get<bool>() ? "  *" : "");
        std::cout << line;
      }
    } catch (const Error& e) {
      if (e.kind() == ErrorKind::Cancelled) throw;
      std::cerr << "krait classify: " << e.what() << "\n";
      if (args.has("--json")) std::cout << json{{"input", input}, {"error", e.what()}}.dump() << "\n";
      if (status == 0) status = exitCodeFor(e.kind());
    }
  }
  return status;
}

}  // namespace krait::cli
