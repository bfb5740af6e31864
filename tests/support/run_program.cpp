#include "run_program.h"

#include <sys/wait.h>

#include <csignal>
#include <unistd.h>

#include "testdata.h"

namespace krait::test {

CliResult runProgram(const std::string& executable, const std::vector<std::string>& args, double interruptAfterSeconds) {
  const char* exe = executable.c_str();
  TempDir dir;
  const auto out = dir / "stdout", err = dir / "stderr";
  const pid_t pid = fork();
  if (pid == 0) {
    // The child writes straight into files: no shell, so arguments need no quoting.
    if (!freopen(out.c_str(), "w", stdout) || !freopen(err.c_str(), "w", stderr)) _exit(127);
    std::vector<char*> argv{const_cast<char*>(exe)};
    for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    execv(exe, argv.data());
    _exit(127);
  }
  int status = 0;
  if (interruptAfterSeconds >= 0.0) {
    usleep(static_cast<useconds_t>(interruptAfterSeconds * 1e6));
    kill(pid, SIGINT);
  }
  waitpid(pid, &status, 0);
  CliResult r;
  r.exitCode = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  r.out = fileBytes(out);
  r.err = fileBytes(err);
  return r;
}

}  // namespace krait::test
