#pragma once
// A small, strict command-line parser: every option is declared once with its help line and its other
// spellings, unknown options and stray values are usage errors naming them, and the help text is generated
// from the same declarations.
#include <cstddef>
#include <map>
#include <string>
#include <vector>

namespace krait::cli {

struct OptionSpec {
  std::string name;       // "--folds"
  std::string valueName;  // "F" for an option that takes a value, empty for a flag
  std::string help;
  std::vector<std::string> aliases = {};  // other spellings, e.g. nnU-Net's "-f"
  bool several = false;  // takes one or more values in a row: "--folds 0 1" (what nnU-Net's -f takes)
};

class ArgParser {
 public:
  // maxPositionals: how many operands the command takes (none by default); more is a usage error.
  ArgParser(std::string usage, std::string summary, std::vector<OptionSpec> options, std::size_t maxPositionals = 0);

  // Throws Error(Usage) naming the offending argument. `hints` adds advice to the error for known misspellings
  // (an option of another tool, a retired flag).
  void parse(const std::vector<std::string>& args);
  // parse(), then prints help() on stdout when --help was given; true means the command is done.
  bool parseOrShowHelp(const std::vector<std::string>& args);
  void setHints(std::map<std::string, std::string> hints) { hints_ = std::move(hints); }
  bool has(const std::string& name) const { return values_.count(name) > 0; }
  std::string value(const std::string& name, const std::string& fallback = "") const;
  // Every value of an option given several times (or with several values), in command-line order.
  std::vector<std::string> values(const std::string& name) const;
  double doubleValue(const std::string& name, double fallback) const;
  // The values of an option as a list: several values, comma-separated ones ("0,1,2"), or both.
  std::vector<std::string> listValue(const std::string& name) const;
  int intValue(const std::string& name, int fallback) const;
  const std::vector<std::string>& positionals() const { return positionals_; }
  std::string help() const;

 private:
  const OptionSpec* find(const std::string& spelling) const;
  void addPositional(const std::string& arg, const std::string& after);

  std::string usage_;
  std::string summary_;
  std::vector<OptionSpec> options_;
  std::size_t maxPositionals_;
  std::map<std::string, std::string> hints_;
  std::map<std::string, std::string> values_;
  std::map<std::string, std::vector<std::string>> repeated_;
  std::vector<std::string> positionals_;
};

}  // namespace krait::cli
