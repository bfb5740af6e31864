#pragma once
// Runs the real `krait` executable built with the tests and captures what it prints (runProgram for another
// executable, an installed `krait` say).
#include <string>
#include <vector>

#include "run_program.h"

namespace krait::test {

// interruptAfterSeconds >= 0: sends SIGINT (Ctrl-C) after that long.
CliResult runKrait(const std::vector<std::string>& args, double interruptAfterSeconds = -1.0);

}  // namespace krait::test
