#pragma once
// Errors carry a kind so that every front end maps them to the same documented exit code.
#include <stdexcept>
#include <string>

namespace krait {

enum class ErrorKind {
  Usage,     // the command line or an option is wrong
  Input,     // an input file or folder is missing, unreadable or invalid
  Output,    // an output cannot be written
  Cancelled, // the user asked to stop
  Resources, // the machine ran out of memory (GPU or host) even after the fallbacks
  Network,   // a remote node (a PACS) cannot be reached, refuses, or fails a request
  Internal,  // a bug or an unexpected library failure
};

class Error : public std::runtime_error {
 public:
  Error(ErrorKind kind, const std::string& message) : std::runtime_error(message), kind_(kind) {}
  ErrorKind kind() const { return kind_; }

 private:
  ErrorKind kind_;
};

// "<path>: <reason>" — every message about a file names it first, so batch logs can be grepped by case.
inline Error inputError(const std::string& path, const std::string& reason) {
  return Error(ErrorKind::Input, path + ": " + reason);
}
inline Error outputError(const std::string& path, const std::string& reason) {
  return Error(ErrorKind::Output, path + ": " + reason);
}

// The process exit code for each kind; docs/cli.md documents the same table.
int exitCodeFor(ErrorKind kind);

}  // namespace krait
