// Where the plugin's demonstration model is: beside the installed plugin (<plugin folder>/models/...), else in the
// source tree the plugin was built from (a build tree's plugin, before installation).
#pragma once

#include <filesystem>

namespace krait::ecg {

// The model folder `krait ecg classify` and the viewer use when none is given; empty when it is in neither place.
std::filesystem::path bundledModel();

}  // namespace krait::ecg
