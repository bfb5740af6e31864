#pragma once
// Runs the real `krait` executable built with the tests and captures what it prints (runProgram for another
// executable, an installed `krait` say).
#include <string>
#include <vector>

#include "run_program.h"

namespace krait::test {

// interruptAfterSeconds >= 0: sends SIGINT (Ctrl-C) after that long.
CliResult runKrait(const std::vector<std::string>& args, double interruptAfterSeconds = -1.0);

// Sends `signal` once `when()` holds (runProgramUntil).
CliResult runKraitUntil(const std::vector<std::string>& args, const std::function<bool()>& when, int signal);

}  // namespace krait::test
