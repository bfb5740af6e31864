// MetaImage with a detached data file, checked against its own text header and raw bytes.
#include <gtest/gtest.h>

#include <cstring>
#include <fstream>
#include <map>
#include <sstream>

#include "krait/io/volume_io.h"
#include "testdata.h"

using namespace krait;
using krait::test::testData;

TEST(MetaImage, DetachedHeaderAndRawMatch) {
  const auto header = testData("nifti-itk/BrainProtonDensity3Slices.mha");
  const auto raw = testData("nifti-itk/BrainProtonDensity3Slices.raw");
  std::map<std::string, std::string> fields;
  std::ifstream in(header);
  for (std::string line; std::getline(in, line);) {
    const auto eq = line.find(" = ");
    if (eq != std::string::npos) fields[line.substr(0, eq)] = line.substr(eq + 3);
  }
  ASSERT_EQ(fields["ElementType"], "MET_UCHAR");
  std::istringstream dims(fields["DimSize"]), spacing(fields["ElementSpacing"]);
  Geometry want;
  for (int a = 0; a < 3; ++a) dims >> want.size[a] , spacing >> want.spacing[a];

  const Volume v = io::readVolume(header);
  EXPECT_EQ(v.geometry().size, want.size);
  EXPECT_EQ(v.geometry().spacing, want.spacing);
  EXPECT_EQ(v.pixelType(), PixelType::UInt8);
  std::ifstream rawIn(raw, std::ios::binary);
  const std::string bytes((std::istreambuf_iterator<char>(rawIn)), std::istreambuf_iterator<char>());
  ASSERT_EQ(bytes.size(), v.byteSize());
  EXPECT_EQ(std::memcmp(bytes.data(), v.data(), bytes.size()), 0);
}
