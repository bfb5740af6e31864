// MetaImage headers that ITK's MetaIO cannot read safely (issue 23's fuzzing: a field name of 255 characters
// or more overflowed MetaIO's fixed array and aborted the process), made from ITK's real BrainProtonDensity3Slices
// header and data: each is refused by Krait's own header check with an input error naming the file.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "krait/base/error.h"
#include "krait/io/volume_io.h"
#include "testdata.h"

using namespace krait;
using krait::test::fileBytes;
using krait::test::TempDir;
using krait::test::testData;

namespace {

// The real header with `from` replaced by `to`, its data beside it, and the refusal's message ("" if read).
std::string readWith(const TempDir& dir, const std::string& from, const std::string& to) {
  std::string header = fileBytes(testData("nifti-itk/BrainProtonDensity3Slices.mha"));
  const auto at = header.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  header.replace(at, from.size(), to);
  std::filesystem::copy_file(testData("nifti-itk/BrainProtonDensity3Slices.raw"), dir / "BrainProtonDensity3Slices.raw",
                             std::filesystem::copy_options::overwrite_existing);
  std::ofstream(dir / "edited.mha", std::ios::binary) << header;
  try {
    io::readVolume(dir / "edited.mha");
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::Input) << e.what();
    EXPECT_NE(std::string(e.what()).find("edited.mha"), std::string::npos) << e.what();
    return e.what();
  }
  return "";
}

}  // namespace

TEST(MetaImageHostileHeader, LongFieldNamesAndValuesAreRefusedBeforeMetaIoReadsThem) {
  TempDir dir;
  // An unknown field of 300 characters (MetaIO copied it into a 255-byte name), with '=' or without.
  EXPECT_NE(readWith(dir, "ElementSpacing", std::string(300, 'X') + " = 1\nElementSpacing").find("at most 254"), std::string::npos);
  EXPECT_NE(readWith(dir, "ElementSpacing", std::string(300, 'X') + "\nElementSpacing").find("at most 254"), std::string::npos);
  // A line with no '=' took the next line as its value in MetaIO, swallowing ElementDataFile (fuzzing).
  EXPECT_NE(readWith(dir, "ElementDataFile", "e\nElementDataFile").find("header line 'e' has no '='"), std::string::npos);
  // A value of 300 characters (MetaImage copies the data file's name into 255 bytes).
  EXPECT_NE(readWith(dir, "BrainProtonDensity3Slices.raw", std::string(300, 'r') + ".raw").find("at most 254"), std::string::npos);
}

TEST(MetaImageHostileHeader, DimensionCountsBeyondMetaIoArraysAreRefused) {
  TempDir dir;
  // DimSize has room for 255 numbers and TransformMatrix for NDims squared of them.
  EXPECT_NE(readWith(dir, "NDims = 3", "NDims = 300").find("is not 1 to 4"), std::string::npos);
  EXPECT_NE(readWith(dir, "NDims = 3", "NDims = 20\nTransformMatrix = 1").find("is not 1 to 4"), std::string::npos);
  EXPECT_NE(readWith(dir, "NDims = 3", "NDims = -1").find("is not 1 to 4"), std::string::npos);
  EXPECT_NE(readWith(dir, "DimSize = 181 217 3", "DimSize = 181 217").find("does not give NDims = 3 sizes"), std::string::npos);
  // MetaIO sized its arrays by the first NDims and read for a minute; Krait had checked the second (fuzzing).
  EXPECT_NE(readWith(dir, "NDims = 3", "NDims = 58888888\nNDims = 3").find("header field NDims appears twice"), std::string::npos);
}

TEST(MetaImageHostileHeader, NumbersThatAreNoneOrOverflowAreRefused) {
  TempDir dir;
  // std::stoll used to throw std::invalid_argument here, which no caller expected.
  EXPECT_NE(readWith(dir, "ElementSpacing", "ElementNumberOfChannels = many\nElementSpacing").find("is not a positive integer"),
            std::string::npos);
  EXPECT_NE(readWith(dir, "DimSize = 181 217 3", "DimSize = 4294967296 4294967296 3").find("beyond any file"), std::string::npos);
  EXPECT_NE(readWith(dir, "DimSize = 181 217 3", "DimSize = 181 -217 3").find("size below 1"), std::string::npos);
}

TEST(MetaImageHostileHeader, ColonSeparatedFieldsReadAsMetaIoReadsThem) {
  TempDir dir;
  EXPECT_EQ(readWith(dir, "NDims = 3", "NDims: 3"), "");
  EXPECT_EQ(io::readVolume(dir / "edited.mha").geometry().size, (std::array<int64_t, 3>{181, 217, 3}));
}

TEST(MetaImageHostileHeader, ADataFileThatIsNoFileIsRefused) {
  // A folder made the stream throw std::ios_base::failure (fuzzing); /dev/zero would be read forever.
  TempDir dir;
  EXPECT_NE(readWith(dir, "BrainProtonDensity3Slices.raw", ".").find("voxel data file . is not a file"), std::string::npos);
  EXPECT_NE(readWith(dir, "BrainProtonDensity3Slices.raw", "/dev/zero").find("is not a file"), std::string::npos);
}

TEST(MetaImageHostileHeader, DataFileNamesAndCompressionAreReadAsMetaIoReadsThem) {
  TempDir dir;
  // An empty name: MetaIO opened the header's folder and asked for 2^64 - 1 bytes (fuzzing); "CompressedData = T..."
  // is compressed to MetaIO, whatever follows the T.
  EXPECT_NE(readWith(dir, "ElementDataFile = BrainProtonDensity3Slices.raw", "CompressedData = Tx\nElementDataFile =")
                .find("ElementDataFile names no file"),
            std::string::npos);
  // MetaIO's LIST reading ran outside the process's memory on a blank and a binary line (fuzzing).
  EXPECT_NE(readWith(dir, "ElementDataFile = BrainProtonDensity3Slices.raw", "ElementDataFile = LIST\n\n\x78\x9c\x03")
                .find("ElementDataFile = LIST (a list of slice files)"),
            std::string::npos);
  EXPECT_NE(readWith(dir, "ElementDataFile = BrainProtonDensity3Slices.raw", "CompressedData = 1\nElementDataFile = slice%d.raw 1 3 1")
                .find("compressed voxel data in numbered slice files"),
            std::string::npos);
  EXPECT_NE(readWith(dir, "ElementDataFile = BrainProtonDensity3Slices.raw", "CompressedData = true\nElementDataFile = BrainProtonDensity3Slices.raw")
                .find("compressed voxel data is truncated or corrupt"),
            std::string::npos);
  // "Local" and "local" are attached data as "LOCAL" is.
  const std::string voxels = fileBytes(testData("nifti-itk/BrainProtonDensity3Slices.raw"));
  for (const char* local : {"LOCAL", "Local", "local"}) {
    std::string header = fileBytes(testData("nifti-itk/BrainProtonDensity3Slices.mha"));
    header.replace(header.find("BrainProtonDensity3Slices.raw"), 29, local);
    std::ofstream(dir / "attached.mha", std::ios::binary) << header << voxels;
    const Volume v = io::readVolume(dir / "attached.mha");
    EXPECT_EQ(std::string(static_cast<const char*>(v.data()), v.byteSize()), voxels) << local;
  }
}

TEST(MetaImageHostileHeader, NumberedSliceFilesNeedOneIntegerFormatCountingUp) {
  // MetaIO hands the format to snprintf as it is (fuzzing: "L%\0..." threw std::length_error through MetaIO, which
  // ended the process; "%s" or "%n" would read or write through the slice number).
  TempDir dir;
  const std::string from = "ElementDataFile = BrainProtonDensity3Slices.raw";
  for (const char* format : {"slice%s.raw 1 3 1", "slice%d%n.raw 1 3 1", "L% 1 3 1", "slice%d.raw 1 3 0", "slice%d.raw 1 99999999999 1"})
    EXPECT_NE(readWith(dir, from, std::string("ElementDataFile = ") + format).find("is not a format with one %d and its range"),
              std::string::npos)
        << format;
  EXPECT_NE(readWith(dir, from, "ElementDataFile = slice%d.raw 3 1 -1").find("counts down"), std::string::npos);
}

TEST(MetaImageHostileHeader, ValuesEndAtANulAsInMetaIoAndUnknownElementTypesAreRefused) {
  // "MET_UCHAR\0..." is MET_UCHAR to MetaIO: Krait had not known the type, skipped its size check, and allocated the
  // 1.4 TB that DimSize announced (fuzzing).
  using namespace std::string_literals;
  TempDir dir;
  EXPECT_EQ(readWith(dir, "ElementType = MET_UCHAR", "ElementType = MET_UCHAR\0\0junk"s), "");  // reads as MET_UCHAR
  EXPECT_NE(readWith(dir, "DimSize = 181 217 3\nElementType = MET_UCHAR", "DimSize = 79208675918391 217 3\nElementType = MET_UCHAR\0\0"s)
                .find("header's image size is beyond any file"),
            std::string::npos);
  EXPECT_NE(readWith(dir, "ElementType = MET_UCHAR", "ElementType = MET_UCHAR_ARRAY").find("is not one Krait reads"),
            std::string::npos);
}
