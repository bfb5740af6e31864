#pragma once
// The message of the exception of type E that `fn` throws, for checking what an error says; a test failure (and "")
// when it throws none.
#include <gtest/gtest.h>

#include <string>

namespace krait::test {

template <typename E, typename Fn>
std::string errorOf(Fn fn) {
  try {
    fn();
  } catch (const E& e) {
    return e.what();
  }
  ADD_FAILURE() << "no exception";
  return "";
}

}  // namespace krait::test
