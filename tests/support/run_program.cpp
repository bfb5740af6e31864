#include "run_program.h"

#include <sys/wait.h>

#include <csignal>
#include <unistd.h>

#include "testdata.h"

namespace krait::test {

namespace {

// Starts the program with stdout and stderr going to `out` and `err`.
pid_t start(const std::string& executable, const std::vector<std::string>& args, const std::filesystem::path& out,
            const std::filesystem::path& err) {
  const char* exe = executable.c_str();
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
  return pid;
}

CliResult result(int status, const std::filesystem::path& out, const std::filesystem::path& err) {
  CliResult r;
  r.exitCode = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  r.out = fileBytes(out);
  r.err = fileBytes(err);
  return r;
}

}  // namespace

CliResult runProgram(const std::string& executable, const std::vector<std::string>& args, double interruptAfterSeconds) {
  TempDir dir;
  const auto out = dir / "stdout", err = dir / "stderr";
  const pid_t pid = start(executable, args, out, err);
  int status = 0;
  if (interruptAfterSeconds >= 0.0) {
    usleep(static_cast<useconds_t>(interruptAfterSeconds * 1e6));
    kill(pid, SIGINT);
  }
  waitpid(pid, &status, 0);
  return result(status, out, err);
}

CliResult runProgramUntil(const std::string& executable, const std::vector<std::string>& args,
                          const std::function<bool()>& when, int signal) {
  TempDir dir;
  const auto out = dir / "stdout", err = dir / "stderr";
  const pid_t pid = start(executable, args, out, err);
  int status = 0;
  bool sent = false;
  while (waitpid(pid, &status, WNOHANG) == 0) {
    if (!sent && when()) {
      kill(pid, signal);
      sent = true;
    }
    usleep(10000);
  }
  return result(status, out, err);
}

}  // namespace krait::test
