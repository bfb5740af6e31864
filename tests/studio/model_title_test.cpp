// The Segment panel's names for model folders: nnU-Net's results layout, a plans file's dataset, a bare folder.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "model_title.h"
#include "testdata.h"

using namespace krait;
namespace fs = std::filesystem;

TEST(ModelTitle, AnNnunetResultsFolderIsNamedByDatasetTrainerAndConfiguration) {
  const test::TempDir root;
  const fs::path folder = root / "Dataset004_Hippocampus" / "nnUNetTrainerUMambaBot__nnUNetPlans__3d_fullres";
  fs::create_directories(folder);
  EXPECT_EQ(studio::modelFolderTitle(folder), "Dataset004_Hippocampus · nnUNetTrainerUMambaBot · 3d_fullres");
  EXPECT_EQ(studio::modelFolderTitle(folder.string() + "/"), studio::modelFolderTitle(folder));
}

TEST(ModelTitle, AnyOtherFolderByItsPlansDatasetOrItsName) {
  const fs::path fixture = fs::path(KRAIT_FIXTURES) / "pipeline" / "t1_2d_on_3d" / "model";
  EXPECT_EQ(studio::modelFolderTitle(fixture), "Dataset914_KraitPipeline2D · model");
  const test::TempDir root;
  fs::create_directories(root / "mymodel");
  EXPECT_EQ(studio::modelFolderTitle(root / "mymodel"), "mymodel");
  std::ofstream(root / "mymodel" / "plans.json") << "{ not json";  // unreadable plans only lose the detail
  std::ofstream(root / "mymodel" / "dataset.json") << R"({"name": "Dataset001_Brain", "labels": {}})";
  EXPECT_EQ(studio::modelFolderTitle(root / "mymodel"), "Dataset001_Brain · mymodel");
}
