// krait/plugin_command.hpp: the command line of a plugin's `krait <command> <sub> ...` (Host::command), parsed as
// Krait's own commands are: options of the form --name VALUE and flags, named in advance; everything else is a
// positional argument. An unknown option is a UsageError (exit 2), so that no argument is silently ignored.
#pragma once

#include <algorithm>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace krait::plugin {

struct UsageError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

struct Arguments {
  std::map<std::string, std::string> options;
  std::vector<std::string> flags, positional;

  // args[0] is the command, args[1] the subcommand; parsing starts after them.
  Arguments(const std::vector<std::string>& args, const std::vector<std::string>& valued, const std::vector<std::string>& flagNames) {
    for (size_t i = 2; i < args.size(); ++i) {
      const std::string& a = args[i];
      if (std::find(valued.begin(), valued.end(), a) != valued.end()) {
        if (i + 1 >= args.size()) throw UsageError(a + " needs a value");
        options[a] = args[++i];
      } else if (std::find(flagNames.begin(), flagNames.end(), a) != flagNames.end()) {
        flags.push_back(a);
      } else if (a.size() > 1 && a[0] == '-') {
        throw UsageError("unknown option " + a);
      } else {
        positional.push_back(a);
      }
    }
  }
  bool flag(const std::string& f) const { return std::find(flags.begin(), flags.end(), f) != flags.end(); }
  std::optional<std::string> option(const std::string& o) const {
    const auto it = options.find(o);
    return it == options.end() ? std::nullopt : std::optional(it->second);
  }
  std::string required(const std::string& o) const {
    if (auto v = option(o)) return *v;
    throw UsageError(o + " is required");
  }
  double number(const std::string& o, double fallback) const {
    const auto v = option(o);
    if (!v) return fallback;
    try {
      size_t used = 0;
      const double x = std::stod(*v, &used);
      if (used == v->size()) return x;
    } catch (const std::exception&) {
    }
    throw UsageError(o + " takes a number, not '" + *v + "'");
  }
  int64_t integer(const std::string& o, int64_t fallback) const {
    const double x = number(o, static_cast<double>(fallback));
    if (x != static_cast<double>(static_cast<int64_t>(x))) throw UsageError(o + " takes a whole number");
    return static_cast<int64_t>(x);
  }
};

}  // namespace krait::plugin
