#pragma once
// JSON helpers shared by the readers of plans.json, dataset.json and the model manifest, and by training (which
// reads them in the engine): every failure names the file and the field.
#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>
#include <limits>
#include <string>
#include <type_traits>

#include "krait/base/error.h"

namespace krait::models {

namespace fs = std::filesystem;
using nlohmann::json;

// Json = nlohmann::ordered_json keeps the order of object keys (dataset.json's labels are ordered: regions
// follow it).
template <typename Json = json>
Json readJson(const fs::path& path) {
  std::ifstream in(path);
  if (!in) throw inputError(path.string(), "cannot open");
  try {
    return Json::parse(in);
  } catch (const nlohmann::detail::exception& e) {
    throw inputError(path.string(), std::string("not valid JSON: ") + e.what());
  }
}

template <typename T, typename = void> struct hasValueType : std::false_type {};
template <typename T> struct hasValueType<T, std::void_t<typename T::value_type>> : std::true_type {};
template <typename T, typename = void> struct hasMappedType : std::false_type {};
template <typename T> struct hasMappedType<T, std::void_t<typename T::mapped_type>> : std::true_type {};

// nlohmann's get<int>() casts a float (1e300, 2.5) to the integer unchecked: undefined behaviour, or a silently
// truncated value. Integer fields therefore must hold JSON integers that fit the type.
template <typename T, typename J>
bool fitsIntegers(const J& j) {
  if constexpr (std::is_same_v<T, json> || std::is_same_v<T, nlohmann::ordered_json> || std::is_same_v<T, std::string>) {
    (void)j;
    return true;
  } else if constexpr (std::is_same_v<T, bool>) {
    return j.is_boolean();
  } else if constexpr (std::is_integral_v<T>) {
    if (!j.is_number_integer()) return false;
    if (j.is_number_unsigned()) return j.template get<uint64_t>() <= static_cast<uint64_t>(std::numeric_limits<T>::max());
    const int64_t v = j.template get<int64_t>();
    return v >= static_cast<int64_t>(std::numeric_limits<T>::min()) &&
           (v < 0 || static_cast<uint64_t>(v) <= static_cast<uint64_t>(std::numeric_limits<T>::max()));
  } else if constexpr (hasMappedType<T>::value) {  // std::map from a JSON object
    if (!j.is_object()) return false;
    for (const auto& item : j)
      if (!fitsIntegers<typename T::mapped_type>(item)) return false;
    return true;
  } else if constexpr (hasValueType<T>::value) {  // std::vector, std::array
    if (!j.is_array()) return false;
    for (const auto& item : j)
      if (!fitsIntegers<typename T::value_type>(item)) return false;
    return true;
  } else {
    return true;
  }
}

// A value of a type checked as fitsIntegers does, or Error(Input) naming `path` and `what`.
template <typename T, typename J>
T valueAs(const J& value, const fs::path& path, const std::string& what) {
  try {
    if (fitsIntegers<T>(value)) return value.template get<T>();
  } catch (const nlohmann::detail::exception&) {
  }
  throw inputError(path.string(), what + " has an unexpected type or an integer out of range");
}

template <typename T>
T field(const json& object, const char* key, const fs::path& path, const std::string& where) {
  if (!object.contains(key)) throw inputError(path.string(), where + " has no '" + key + "'");
  try {
    if (!fitsIntegers<T>(object.at(key))) throw inputError(path.string(), where + ": '" + key + "' has an unexpected type or an integer out of range");
    return object.at(key).get<T>();
  } catch (const json::exception&) {
    throw inputError(path.string(), where + ": '" + key + "' has an unexpected type");
  }
}

// A configuration with `inherits_from` is its parent's fields overridden by its own.
json resolveConfiguration(const json& configurations, const std::string& name, const fs::path& path, int depth = 0);

}  // namespace krait::models
