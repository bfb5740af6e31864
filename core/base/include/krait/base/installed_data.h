#pragma once
// Where Krait's own data files lie: an installed Krait finds them relative to the shared library that asks
// (<prefix>/lib/... -> <prefix>/share/krait/...), wherever the prefix is, so that a moved or packaged
// installation still finds them; a build tree falls back to the source tree.
#include <filesystem>

namespace krait {

// The folder of the shared library (or program) that holds `address`, the address of one of the caller's own
// functions; empty when the loader cannot tell.
std::filesystem::path loadedObjectFolder(const void* address);

// `fromLibrary`, taken relative to loadedObjectFolder(address), when it exists; else `inSources` when it exists;
// else empty.
std::filesystem::path installedOrSourcePath(const void* address, const std::filesystem::path& fromLibrary,
                                            const std::filesystem::path& inSources);

}  // namespace krait
