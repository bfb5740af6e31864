#pragma once
// The configure-time values of build_values.cpp, which CMake generates (core/engine/build_values.cpp.in).

namespace krait::detail {

extern const char* const kGitDescribe;  // `git describe --tags --always --dirty`, or "unknown"
extern const char* const kBuildType;    // CMAKE_BUILD_TYPE, "" when none was set

}  // namespace krait::detail
