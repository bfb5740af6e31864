#pragma once
// Numbered data files, as NRRD ("data file: <format> <first> <last> <step> [<subdim>]") and MetaImage
// ("ElementDataFile = <format> <first> <last> <step>") name slice files. Both readers hand the format to a printf
// (MetaIO as it is: "%s" or "%n" there would read or write through an int), so Krait checks it first.
#include <string>
#include <vector>

namespace krait::io {

struct NumberedFiles {
  std::vector<std::string> names;
  long long step = 0;
};

// The names, after checking that the format holds exactly one %d (flags and a width allowed) and nothing else for a
// printf, and that first, last and step are numbers in int's range with a step that is not 0. Throws Error(Input)
// naming `file` otherwise, or when the range names over a million files.
NumberedFiles numberedFiles(const std::string& value, const std::string& file);

}  // namespace krait::io
