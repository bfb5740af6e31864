#include "run_cli.h"

namespace krait::test {

CliResult runKrait(const std::vector<std::string>& args, double interruptAfterSeconds) {
  return runProgram(KRAIT_CLI_PATH, args, interruptAfterSeconds);
}

CliResult runKraitUntil(const std::vector<std::string>& args, const std::function<bool()>& when, int signal) {
  return runProgramUntil(KRAIT_CLI_PATH, args, when, signal);
}

}  // namespace krait::test
