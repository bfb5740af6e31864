#include "pacs_case.h"

#include <cstdlib>
#include <unistd.h>

#include "krait/base/error.h"

namespace fs = std::filesystem;

namespace krait::cli {

void checkPacsOptions(const ArgParser& args) {
  if (args.has("--pacs")) {
    if (args.has("-i")) throw Error(ErrorKind::Usage, "--pacs takes its input from the PACS (--study, --series): no -i");
    for (const char* required : {"--study", "--series"})
      if (!args.has(required)) throw Error(ErrorKind::Usage, std::string("--pacs needs ") + required + " (krait pacs find lists them)");
    return;
  }
  for (const char* option : {"--study", "--node", "--pacs-config"})
    if (args.has(option)) throw Error(ErrorKind::Usage, std::string(option) + " does not apply without --pacs");
}

PacsCase::PacsCase(const ArgParser& args)
    : settings_(io::PacsSettings::load(io::pacsSettingsFile(args.value("--pacs-config")))),
      node_(&settings_.node(args.value("--node"))),
      study_(args.value("--study")),
      series_(args.value("--series")) {
  std::string pattern = (fs::temp_directory_path() / "krait-pacs-XXXXXX").string();
  if (!mkdtemp(pattern.data())) throw outputError(fs::temp_directory_path().string(), "cannot hold the retrieved series");
  folder_ = pattern;
}

PacsCase::~PacsCase() {
  std::error_code ec;
  fs::remove_all(folder_, ec);
}

const fs::path& PacsCase::retrieve() {
  seriesFolder_ = folder_ / "series";
  instances_ = static_cast<int>(io::pacsRetrieveSeries(settings_, *node_, study_, series_, seriesFolder_).files.size());
  return seriesFolder_;
}

nlohmann::json PacsCase::send(const fs::path& seg) const {
  io::pacsSend(settings_, *node_, {seg});
  return {{"node", node_->name}, {"study", study_}, {"series", series_}, {"instances", instances_}, {"seg_sent", true}};
}

}  // namespace krait::cli
