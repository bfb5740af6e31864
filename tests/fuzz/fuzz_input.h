#pragma once
// What the fuzz targets share: the readers Krait fuzzes take files, so each input is written to a file in a
// folder of this process's own (in /dev/shm where there is one: no disk traffic per execution).
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace krait::fuzz {

// This process's folder; created on first use.
const std::filesystem::path& scratchFolder();

// Writes `size` bytes to scratchFolder()/name and returns the path.
std::filesystem::path writeInput(const uint8_t* data, std::size_t size, const std::string& name);

// Splits an input at every occurrence of `separator` (at most `maxParts` parts), so that one input can stand for
// several files (the slices of a DICOM series, plans.json and dataset.json).
std::vector<std::string> splitInput(const uint8_t* data, std::size_t size, const std::string& separator, std::size_t maxParts);

}  // namespace krait::fuzz
