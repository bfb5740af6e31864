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

CliResult runKrait(const std::vector<std::string>& args);

}  // namespace krait::test
