#include "arg_parser.h"

#include <iostream>
#include <sstream>

#include "krait/core/error.h"

namespace krait::cli {

ArgParser::ArgParser(std::string usage, std::string summary, std::vector<OptionSpec> options)
    : usage_(std::move(usage)), summary_(std::move(summary)), options_(std::move(options)) {
  options_.push_back({"--help", "", "show this help and exit"});
}

const OptionSpec* ArgParser::find(const std::string& name) const {
  for (const auto& o : options_)
    if (o.name == name) return &o;
  return nullptr;
}

void ArgParser::parse(const std::vector<std::string>& args) {
  for (std::size_t i = 0; i < args.size(); ++i) {
    std::string arg = args[i];
    if (arg == "--") {
      positionals_.insert(positionals_.end(), args.begin() + static_cast<long>(i) + 1, args.end());
      return;
    }
    if (arg.size() < 2 || arg[0] != '-') {
      positionals_.push_back(arg);
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
    if (!spec) throw Error(ErrorKind::Usage, "unknown option " + arg + " (see --help)");
    if (spec->valueName.empty()) {
      if (inlineValue) throw Error(ErrorKind::Usage, "option " + arg + " takes no value");
    } else if (!inlineValue) {
      if (i + 1 >= args.size()) throw Error(ErrorKind::Usage, "option " + arg + " needs a value " + spec->valueName);
      value = args[++i];
    }
    values_[arg] = value;
    repeated_[arg].push_back(value);
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
  std::stringstream in(value(name));
  for (std::string item; std::getline(in, item, ',');)
    if (!item.empty()) out.push_back(item);
  return out;
}

std::string ArgParser::help() const {
  std::ostringstream out;
  out << "usage: " << usage_ << "\n\n" << summary_ << "\n\noptions:\n";
  for (const auto& o : options_) {
    std::string left = "  " + o.name + (o.valueName.empty() ? "" : " " + o.valueName);
    if (left.size() < 26) left.resize(26, ' ');
    else left += "  ";
    out << left << o.help << "\n";
  }
  return out.str();
}

}  // namespace krait::cli
