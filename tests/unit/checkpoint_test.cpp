// Checkpoint reading against fixtures written by PyTorch's own torch.save (tests/fixtures/checkpoints).
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <fstream>

#include "krait/base/error.h"
#include "krait/models/nnunet/nnunet_checkpoint.h"
#include "krait/models/checkpoint/safetensors.h"
#include "krait/models/checkpoint/torch_save.h"
#include "testdata.h"

using namespace krait;
using namespace krait::models;
using nlohmann::json;

namespace {

const std::filesystem::path kFixtures = std::filesystem::path(KRAIT_FIXTURES) / "checkpoints";

json expected(const std::string& tag) {
  std::ifstream in(kFixtures / ("expected" + tag + ".json"));
  return json::parse(in);
}

void expectMatches(const StateDict& got, const std::string& tag) {
  const json want = expected(tag)["tensors"];
  ASSERT_EQ(got.size(), want.size());
  for (const auto& [key, w] : want.items()) {
    ASSERT_TRUE(got.count(key)) << key;
    const torch::Tensor& t = got.at(key);
    EXPECT_EQ(std::string(c10::toString(t.scalar_type())), w["dtype"] == "float32"   ? "Float"
                                                          : w["dtype"] == "float16" ? "Half"
                                                          : w["dtype"] == "float64" ? "Double"
                                                          : w["dtype"] == "int64"   ? "Long"
                                                          : w["dtype"] == "int32"   ? "Int"
                                                                                    : "Bool")
        << key;
    EXPECT_EQ(t.sizes().vec(), w["shape"].get<std::vector<int64_t>>()) << key;
    const auto values = w["values"].get<std::vector<double>>();
    const torch::Tensor flat = t.to(torch::kFloat64).contiguous().flatten();
    ASSERT_EQ(flat.numel(), static_cast<int64_t>(values.size())) << key;
    for (std::size_t i = 0; i < values.size(); ++i) EXPECT_EQ(flat[static_cast<int64_t>(i)].item<double>(), values[i]) << key << "[" << i << "]";
  }
}

}  // namespace

// "" was written by Debian's PyTorch 1.13 on the CPU; "_torch2_cuda" by PyTorch 2.11 from CUDA tensors, as a
// trainer on a GPU saves them (storages located on cuda:0).
class CheckpointVersions : public ::testing::TestWithParam<std::string> {};

TEST_P(CheckpointVersions, NnunetCheckpointGivesWeightsAndTrainer) {
  const std::string tag = GetParam();
  const NnunetCheckpoint c = readNnunetCheckpoint(kFixtures / ("tiny_nnunet_checkpoint" + tag + ".pth"));
  expectMatches(c.weights, tag);
  const json want = expected(tag);
  EXPECT_EQ(c.trainerName, want["trainer_name"].get<std::string>());
  EXPECT_EQ(c.configuration, want["configuration"].get<std::string>());
  EXPECT_EQ(c.mirroringAxes, want["mirroring_axes"].get<std::vector<int>>());
  EXPECT_EQ(c.root->get("current_epoch")->as<int64_t>(), want["current_epoch"].get<int64_t>());
  // numpy float64 scalars are decoded; torch.device stays an opaque object.
  EXPECT_EQ(c.root->get("_best_ema")->as<double>(), want["best_ema"].get<double>());
  const PyRef device = c.root->get("init_args")->get("device");
  ASSERT_TRUE(device->is<PyInstance>());
  EXPECT_EQ(device->as<PyInstance>().type, "torch.device");
  for (const auto& [key, t] : c.weights) EXPECT_TRUE(t.device().is_cpu()) << key;
}

TEST_P(CheckpointVersions, SafetensorsGivesTheSameTensors) {
  expectMatches(readSafetensors(kFixtures / ("tiny" + GetParam() + ".safetensors")), GetParam());
}

INSTANTIATE_TEST_SUITE_P(Writers, CheckpointVersions, ::testing::Values("", "_torch2_cuda"),
                         [](const auto& param) { return param.param.empty() ? std::string("torch1_cpu") : param.param.substr(1); });

TEST(Checkpoint, ViewsShareTheirStorage) {  // on the CPU, torch.save keeps views of one storage together
  const NnunetCheckpoint c = readNnunetCheckpoint(kFixtures / "tiny_nnunet_checkpoint.pth");
  const torch::Tensor& base = c.weights.at("shared.base");
  EXPECT_EQ(c.weights.at("shared.rows").data_ptr<float>(), base.data_ptr<float>() + 6);
  EXPECT_FALSE(c.weights.at("shared.strided").is_contiguous());
}

TEST(Checkpoint, BadFilesAreClearErrors) {
  test::TempDir dir;
  std::ifstream in(kFixtures / "tiny_nnunet_checkpoint.pth", std::ios::binary);
  const std::string whole((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::ofstream(dir / "cut.pth", std::ios::binary) << whole.substr(0, whole.size() / 2);
  std::ofstream(dir / "text.pth") << "not a checkpoint";
  std::ofstream(dir / "short.safetensors") << "abc";
  std::ofstream(dir / "huge.safetensors", std::ios::binary) << std::string("\xff\xff\xff\xff\xff\xff\xff\x7f{}", 10);
  for (const char* file : {"cut.pth", "text.pth", "missing.pth"}) {
    try {
      readNnunetCheckpoint(dir / file);
      FAIL() << file;
    } catch (const Error& e) {
      EXPECT_EQ(e.kind(), ErrorKind::Input);
      EXPECT_NE(std::string(e.what()).find(file), std::string::npos) << e.what();
    }
  }
  for (const char* file : {"short.safetensors", "huge.safetensors"}) EXPECT_THROW(readSafetensors(dir / file), Error) << file;
  // A safetensors file is not an nnU-Net checkpoint.
  EXPECT_THROW(readNnunetCheckpoint(kFixtures / "tiny.safetensors"), Error);
}

TEST(Pickle, MalformedStreamsThrow) {
  const auto none = [](const PyTuple&) -> PyStorage { throw std::runtime_error("no storages"); };
  EXPECT_THROW(unpickle("\x80\x02}", none), std::runtime_error);          // no STOP
  EXPECT_THROW(unpickle("\x80\x02\xff.", none), std::runtime_error);      // unknown opcode
  EXPECT_THROW(unpickle("\x80\x02h\x05.", none), std::runtime_error);     // memo key never set
  EXPECT_THROW(unpickle("\x80\x02s.", none), std::runtime_error);         // stack underflow
  EXPECT_EQ(unpickle("\x80\x02\x8a\x02\xff\x7f.", none)->as<int64_t>(), 32767);
  EXPECT_EQ(unpickle("\x80\x02\x8a\x01\xff.", none)->as<int64_t>(), -1);
}

// Headers that once reached a wild read or an unchecked allocation (issue 23's fuzzing): each is refused with the
// reason, before any tensor is allocated.
TEST(Safetensors, HostileHeadersAreRefused) {
  const auto file = [](const std::string& header, std::size_t dataBytes = 16) {
    const uint64_t n = header.size();
    return std::string(reinterpret_cast<const char*>(&n), 8) + header + std::string(dataBytes, '\0');
  };
  const auto refusal = [](const std::string& bytes) {
    try {
      parseSafetensors(bytes, "hostile.safetensors");
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find("hostile.safetensors"), std::string::npos) << e.what();
      return std::string(e.what());
    }
    return std::string("accepted");
  };
  // Offsets near 2^64 whose difference matches the shape: the end wrapped around and passed the old bounds check.
  EXPECT_NE(refusal(file(R"({"t": {"dtype": "F32", "shape": [2], "data_offsets": [18446744073709551600, 18446744073709551608]}})"))
                .find("do not match its shape or the file"), std::string::npos);
  // 2^60 elements for 16 bytes of data: refused before torch::empty is asked for 4 EiB.
  EXPECT_NE(refusal(file(R"({"t": {"dtype": "F32", "shape": [1073741824, 1073741824], "data_offsets": [0, 16]}})"))
                .find("do not match its shape or the file"), std::string::npos);
  EXPECT_NE(refusal(file(R"({"t": {"dtype": "F32", "shape": [4294967296, 4294967296, 4294967296], "data_offsets": [0, 16]}})"))
                .find("negative or overflowing shape"), std::string::npos);
  EXPECT_NE(refusal(file(R"({"t": {"dtype": "F32", "shape": [-4], "data_offsets": [0, 16]}})")).find("negative or overflowing"),
            std::string::npos);
  // A float where an integer belongs: nlohmann's get<int64_t> would cast 1e300 unchecked (undefined behaviour).
  EXPECT_NE(refusal(file(R"({"t": {"dtype": "F32", "shape": [1e300], "data_offsets": [0, 16]}})")).find("integer out of range"),
            std::string::npos);
  EXPECT_NE(refusal(file(R"({"t": {"dtype": "F32", "shape": [4], "data_offsets": [0, 16.5]}})")).find("integer out of range"),
            std::string::npos);
  EXPECT_NE(refusal(file(R"({"t": 7})")).find("has no 'shape'"), std::string::npos);
  // The well-formed version of the same file is read.
  EXPECT_EQ(parseSafetensors(file(R"({"t": {"dtype": "F32", "shape": [4], "data_offsets": [0, 16]}})"), "ok.safetensors").at("t").numel(), 4);
}
