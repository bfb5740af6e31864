#pragma once
// Shared by the segmentation command tests (cli_segment_test, cli_usability_test): the pipeline fixtures' small
// model (and copies of it), a small real scan it segments quickly, and the check that a command was refused as documented.
#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "run_cli.h"
#include "testdata.h"

namespace krait::test {

inline const std::filesystem::path kModel = std::filesystem::path(KRAIT_FIXTURES) / "pipeline" / "t1_2d_on_3d" / "model";

// A copy of that model in `d` (d/model), for tests that change it.
inline std::filesystem::path copyModel(const TempDir& d) {
  std::filesystem::copy(kModel, d / "model", std::filesystem::copy_options::recursive);
  return d / "model";
}

// A small real MR volume (33 x 41 x 25, 2 mm): smaller than the model's patch in plane, so it is padded.
inline std::filesystem::path smallImage() { return testData("nifti-nibabel/anatomical.nii"); }

// Exit `code`, and stderr says `says`.
inline void expectRefused(const CliResult& r, int code, const std::string& says) {
  EXPECT_EQ(r.exitCode, code) << r.err;
  EXPECT_NE(r.err.find(says), std::string::npos) << r.err;
}

}  // namespace krait::test
