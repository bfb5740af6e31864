#pragma once
// A small, strict command-line parser: every option is declared with its help line, unknown options are
// usage errors, and the help text is generated from the same declarations.
#include <map>
#include <string>
#include <vector>

namespace krait::cli {

struct OptionSpec {
  std::string name;       // "--json"
  std::string valueName;  // "N" for an option that takes a value, empty for a flag
  std::string help;
};

class ArgParser {
 public:
  ArgParser(std::string usage, std::string summary, std::vector<OptionSpec> options);

  // Throws Error(Usage) naming the offending argument.
  void parse(const std::vector<std::string>& args);
  // parse(), then prints help() on stdout when --help was given; true means the command is done.
  bool parseOrShowHelp(const std::vector<std::string>& args);
  bool has(const std::string& name) const { return values_.count(name) > 0; }
  std::string value(const std::string& name, const std::string& fallback = "") const;
  // Every value of an option given several times, in command-line order.
  std::vector<std::string> values(const std::string& name) const;
  double doubleValue(const std::string& name, double fallback) const;
  // A comma-separated value ("0,1,2") as its non-empty items; empty when the option is absent.
  std::vector<std::string> listValue(const std::string& name) const;
  int intValue(const std::string& name, int fallback) const;
  const std::vector<std::string>& positionals() const { return positionals_; }
  std::string help() const;

 private:
  const OptionSpec* find(const std::string& name) const;

  std::string usage_;
  std::string summary_;
  std::vector<OptionSpec> options_;
  std::map<std::string, std::string> values_;
  std::map<std::string, std::vector<std::string>> repeated_;
  std::vector<std::string> positionals_;
};

}  // namespace krait::cli
