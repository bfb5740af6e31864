// Bad files give an Error of the right kind whose message names the file; nothing is left half-written.
#include <gtest/gtest.h>

#include <fstream>
#include <random>

#include "krait/base/error.h"
#include "krait/io/volume_io.h"
#include "nifti_reference.h"
#include "testdata.h"

using namespace krait;
using krait::test::fileBytes;
using krait::test::TempDir;
using krait::test::testData;

namespace {

void writeBytes(const std::filesystem::path& p, const std::string& bytes) {
  std::ofstream(p, std::ios::binary).write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}


void expectInputError(const std::filesystem::path& p) {
  try {
    io::readVolume(p);
    FAIL() << p << " was accepted";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::Input) << e.what();
    EXPECT_NE(std::string(e.what()).find(p.filename().string()), std::string::npos) << e.what();
  }
}

}  // namespace

TEST(BadInput, TruncatedCompressedNifti) {
  TempDir dir;
  const std::string whole = fileBytes(testData("nifti-mricron/ch2.nii.gz"));
  writeBytes(dir / "cut.nii.gz", whole.substr(0, whole.size() / 2));
  expectInputError(dir / "cut.nii.gz");
}

TEST(BadInput, TruncatedUncompressedNifti) {
  TempDir dir;
  const std::string whole = fileBytes(testData("nifti-nibabel/anatomical.nii"));
  writeBytes(dir / "cut.nii", whole.substr(0, 2000));
  expectInputError(dir / "cut.nii");
}

TEST(BadInput, RandomBytesWithEveryExtension) {
  TempDir dir;
  std::mt19937 rng(7);
  std::string noise(4096, '\0');
  for (char& c : noise) c = static_cast<char>(rng());
  for (const char* name : {"noise.nii", "noise.nii.gz", "noise.nrrd", "noise.mha", "noise.dcm", "noise.bin"}) {
    writeBytes(dir / name, noise);
    expectInputError(dir / name);
  }
}

TEST(BadInput, MissingPathAndEmptyFolder) {
  TempDir dir;
  expectInputError(dir / "absent.nii.gz");
  std::filesystem::create_directory(dir / "empty");
  expectInputError(dir / "empty");
}

TEST(BadInput, ZeroSpacingInHeader) {
  TempDir dir;
  std::string bytes = fileBytes(testData("nifti-nibabel/anatomical.nii"));
  // anatomical.nii is big-endian with qform only valid via qform/sform: zero every pixdim and srow.
  std::fill(bytes.begin() + 80, bytes.begin() + 92, '\0');     // pixdim[1..3]
  std::fill(bytes.begin() + 280, bytes.begin() + 328, '\0');   // srow_x/y/z
  writeBytes(dir / "flat.nii", bytes);
  expectInputError(dir / "flat.nii");
}

TEST(BadOutput, UnknownExtensionIsAUsageError) {
  const Volume v = io::readVolume(testData("nifti-mricron/aal.nii.gz"));
  TempDir dir;
  try {
    io::writeVolume(v, dir / "labels.png");
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::Usage);
    EXPECT_NE(std::string(e.what()).find("labels.png"), std::string::npos);
  }
}

TEST(BadOutput, MissingFolderIsAnOutputErrorAndLeavesNothing) {
  const Volume v = io::readVolume(testData("nifti-mricron/aal.nii.gz"));
  TempDir dir;
  try {
    io::writeVolume(v, dir / "no" / "such" / "labels.nii.gz");
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::Output);
  }
  EXPECT_TRUE(std::filesystem::is_empty(dir.path()));
}

TEST(BadOutput, FailedWriteKeepsThePreviousFile) {
  const Volume v = io::readVolume(testData("nifti-mricron/aal.nii.gz"));
  TempDir dir;
  const auto target = dir / "labels.nii.gz";
  writeBytes(target, "previous result");
  Volume empty;
  EXPECT_THROW(io::writeVolume(empty, target), Error);
  EXPECT_EQ(fileBytes(target), "previous result");
  io::writeVolume(v, target);
  EXPECT_TRUE(io::readVolume(target).sameVoxels(v));
}

TEST(BadInput, TruncatedNrrdAndMetaImage) {
  const Volume v = io::readVolume(testData("nifti-itk/KmeansTest_T1UCharRaw.nii.gz"));
  TempDir dir;
  for (const char* name : {"whole.nrrd", "whole.mha"}) {
    io::writeVolume(v, dir / name);
    const std::string bytes = fileBytes(dir / name);
    const std::string cut = std::string("cut") + std::filesystem::path(name).extension().string();
    writeBytes(dir / cut, bytes.substr(0, bytes.size() * 2 / 3));
    expectInputError(dir / cut);
  }
}
