#pragma once
// `krait segment --pacs`: the series pulled from a PACS node into a temporary folder, then, once the case is
// segmented, its SEG sent back. The folder goes when the case ends, whatever happens.
#include <filesystem>
#include <string>

#include <nlohmann/json.hpp>

#include "arg_parser.h"
#include "krait/io/pacs.h"

namespace krait::cli {

class PacsCase {
 public:
  // Reads the settings and picks the node (--pacs-config, --node): usage and settings errors before any work.
  explicit PacsCase(const ArgParser& args);
  ~PacsCase();
  PacsCase(const PacsCase&) = delete;
  PacsCase& operator=(const PacsCase&) = delete;

  // Retrieves --series of --study; returns the folder that holds it.
  const std::filesystem::path& retrieve();
  // Where the SEG goes when --seg does not say (inside the temporary folder).
  std::filesystem::path defaultSegFile() const { return folder_ / "seg.dcm"; }
  // Sends the SEG (C-STORE); the report's "pacs" entry.
  nlohmann::json send(const std::filesystem::path& seg) const;

 private:
  io::PacsSettings settings_;
  const io::PacsNode* node_ = nullptr;
  std::string study_, series_;
  std::filesystem::path folder_, seriesFolder_;
  int instances_ = 0;
};

// --pacs's options given without --pacs, or -i with it: usage errors, never ignored.
void checkPacsOptions(const ArgParser& args);

}  // namespace krait::cli
