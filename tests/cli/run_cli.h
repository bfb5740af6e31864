#pragma once
// Runs the real `krait` executable built with the tests and captures what it prints.
#include <string>
#include <vector>

namespace krait::test {

struct CliResult {
  int exitCode = -1;
  std::string out;
  std::string err;
};

// interruptAfterSeconds >= 0: sends SIGINT (Ctrl-C) after that long.
CliResult runKrait(const std::vector<std::string>& args, double interruptAfterSeconds = -1.0);
// The same for another executable (an installed `krait`).
CliResult runProgram(const std::string& executable, const std::vector<std::string>& args, double interruptAfterSeconds = -1.0);

}  // namespace krait::test
