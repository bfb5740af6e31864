// krait: the command-line front end. Exit codes (docs/cli.md): 0 success, 1 internal error, 2 usage error,
// 3 invalid or unreadable input, 4 output cannot be written, 130 cancelled.
#include <exception>
#include <iostream>

#include "commands.h"
#include "krait/base/error.h"
#include "krait/engine/version.h"

namespace {

void printUsage(std::ostream& out) {
  out << "usage: krait COMMAND [options]\n\nKrait: native Mamba segmentation for CT and MR.\n\ncommands:\n";
  for (const auto& c : krait::cli::commands()) {
    std::string name = std::string("  ") + c.name;
    name.resize(12, ' ');
    out << name << c.summary << "\n";
  }
  out << "\n'krait COMMAND --help' describes a command. Exit codes: 0 ok, 1 internal error, 2 usage,\n"
         "3 bad input, 4 cannot write output, 130 cancelled.\n";
}

}  // namespace

int main(int argc, char** argv) {
  const std::vector<std::string> all(argv + 1, argv + argc);
  if (all.empty() || all[0] == "--help" || all[0] == "-h" || all[0] == "help") {
    printUsage(all.empty() ? std::cerr : std::cout);
    return all.empty() ? 2 : 0;
  }
  if (all[0] == "--version") {
    std::cout << "krait " << KRAIT_VERSION << "\n";
    return 0;
  }
  for (const auto& c : krait::cli::commands()) {
    if (all[0] != c.name) continue;
    try {
      return c.run({all.begin() + 1, all.end()});
    } catch (const krait::Error& e) {
      std::cerr << "krait " << c.name << ": " << e.what() << "\n";
      return krait::exitCodeFor(e.kind());
    } catch (const std::exception& e) {
      std::cerr << "krait " << c.name << ": internal error: " << e.what() << "\n";
      return 1;
    }
  }
  std::cerr << "krait: unknown command '" << all[0] << "'\n\n";
  printUsage(std::cerr);
  return 2;
}
