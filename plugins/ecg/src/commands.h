// `krait ecg ...`, the plugin's command: info, classify, evaluate and convert (docs/ecg.md).
#pragma once

#include <string>
#include <vector>

namespace krait::ecg {

// args[0] is "ecg". Returns the exit code of docs/cli.md's table.
int ecgCommand(const std::vector<std::string>& args);

}  // namespace krait::ecg
