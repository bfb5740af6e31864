#include "arg_parser.h"

#include <iostream>
#include <sstream>

#include "krait/base/error.h"

namespace krait::cli {

ArgParser::ArgParser(std::string usage, std::string summary, std::vector<OptionSpec> options, std::size_t maxPositionals)
    : usage_(std::move(usage)), summary_(std::move(summary)), options_(std::move(options)), maxPositionals_(maxPositionals) {
  options_.push_back({"--help", "", "show this help and exit", {"-h"}});
}

const OptionSpec* ArgParser::find(const std::string& spelling) const {
  for (const auto& o : options_) {
    if (o.name == spelling) return &o;
    for (const auto& a : o.aliases)
      if (a == spelling) return &o;
  }
  return nullptr;
}

namespace {

// A value that follows an option taking several: anything but the next option ("-5" is a value).
bool isValue(const std::string& arg) {
  return arg.size() < 2 || arg[0] != '-' || (arg[1] >= '0' && arg[1] <= '9');
}

}  // namespace

void ArgParser::addPositional(const std::string& arg, const std::string& after) {
  if (positionals_.size() >= maxPositionals_)
    throw Error(ErrorKind::Usage, "unexpected argument '" + arg + "'" + (after.empty() ? "" : " after " + after) +
                                      " (see --help)");
  positionals_.push_back(arg);
}

void ArgParser::parse(const std::vector<std::string>& args) {
  std::string lastOption;  // the option (with its values) just read, for messages about what follows it
  for (std::size_t i = 0; i < args.size(); ++i) {
    std::string arg = args[i];
    if (arg == "--") {
      for (++i; i < args.size(); ++i) addPositional(args[i], "");
      return;
    }
    if (arg.size() < 2 || arg[0] != '-') {
      addPositional(arg, lastOption);
      lastOption.clear();
      continue;
    }
    std::string value;
    const auto eq = arg.find('=');
    const bool inlineValue = eq != std::string::npos;
    if (inlineValue) {
      value = arg.substr(eq + 1);
      arg = arg.substr(0, eq);
    }
    const OptionSpec* spec = find(arg);
    if (!spec) {
      const auto hint = hints_.find(arg);
      throw Error(ErrorKind::Usage, "unknown option " + arg + (hint == hints_.end() ? " (see --help)" : ": " + hint->second));
    }
    const std::string& name = spec->name;
    if (spec->valueName.empty()) {
      if (inlineValue) throw Error(ErrorKind::Usage, "option " + arg + " takes no value");
    } else if (!inlineValue) {
      if (i + 1 >= args.size()) throw Error(ErrorKind::Usage, "option " + arg + " needs a value " + spec->valueName);
      value = args[++i];
    }
    values_[name] = value;
    repeated_[name].push_back(value);
    while (spec->several && !inlineValue && i + 1 < args.size() && isValue(args[i + 1])) {
      values_[name] = args[++i];
      repeated_[name].push_back(args[i]);
    }
    lastOption = spec->valueName.empty() || inlineValue ? args[i] : arg + " " + args[i];
  }
}

bool ArgParser::parseOrShowHelp(const std::vector<std::string>& args) {
  parse(args);
  if (!has("--help")) return false;
  std::cout << help();
  return true;
}

std::string ArgParser::value(const std::string& name, const std::string& fallback) const {
  const auto it = values_.find(name);
  return it == values_.end() ? fallback : it->second;
}

std::vector<std::string> ArgParser::values(const std::string& name) const {
  const auto it = repeated_.find(name);
  return it == repeated_.end() ? std::vector<std::string>{} : it->second;
}

namespace {

// Whole-string conversion with std::stoi / std::stod; anything left over is a usage error naming the option.
template <typename T, typename Convert>
T number(const std::string& name, const std::string& v, Convert convert, const char* what) {
  std::size_t used = 0;
  T x{};
  try {
    x = convert(v, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (used != v.size() || v.empty()) throw Error(ErrorKind::Usage, "option " + name + " needs " + what + ", not '" + v + "'");
  return x;
}

}  // namespace

double ArgParser::doubleValue(const std::string& name, double fallback) const {
  if (!has(name)) return fallback;
  return number<double>(name, value(name), [](const std::string& v, std::size_t* used) { return std::stod(v, used); },
                        "a number");
}

int ArgParser::intValue(const std::string& name, int fallback) const {
  if (!has(name)) return fallback;
  return number<int>(name, value(name), [](const std::string& v, std::size_t* used) { return std::stoi(v, used); },
                     "a whole number");
}

std::vector<std::string> ArgParser::listValue(const std::string& name) const {
  std::vector<std::string> out;
  for (const std::string& v : values(name)) {
    std::stringstream in(v);
    for (std::string item; std::getline(in, item, ',');)
      if (!item.empty()) out.push_back(item);
  }
  return out;
}

std::string ArgParser::help() const {
  std::ostringstream out;
  out << "usage: " << usage_ << "\n\n" << summary_ << "\n\noptions:\n";
  for (const auto& o : options_) {
    std::string left = "  " + o.name + (o.valueName.empty() ? "" : " " + o.valueName) + (o.several ? " ..." : "");
    if (left.size() < 26) left.resize(26, ' ');
    else left += "  ";
    std::string also;
    for (const auto& a : o.aliases) also += (also.empty() ? " (also " : ", ") + a;
    out << left << o.help << (also.empty() ? "" : also + ")") << "\n";
  }
  return out.str();
}

}  // namespace krait::cli
