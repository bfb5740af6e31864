#include "run_cli.h"

namespace krait::test {

CliResult runKrait(const std::vector<std::string>& args, double interruptAfterSeconds) {
  return runProgram(KRAIT_CLI_PATH, args, interruptAfterSeconds);
}

}  // namespace krait::test
