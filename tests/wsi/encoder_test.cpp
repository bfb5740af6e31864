// The patch encoders against their references: resnet50_trunc against a PyTorch build of it
// (fixtures/wsi/encoder/make_encoder_fixtures.py), nsfwjs' MobileNetV2 against @tensorflow/tfjs 4.22
// (fixtures/wsi/mobilenet/, make_mobilenet_fixtures.js), a TorchScript module against PyTorch; and the loaders'
// refusals.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <nlohmann/json.hpp>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <string>
#include <vector>

#include "encoder.h"
#include "error_of.h"
#include "encoder_resnet.h"
#include "test_slide.h"
#include "testdata.h"
#include "tfjs_mobilenet.h"

namespace krait::wsi {
namespace {

const std::string kEncoderDir = std::string(KRAIT_FIXTURES) + "/wsi/encoder/";
const std::string kMobilenetDir = std::string(KRAIT_FIXTURES) + "/wsi/mobilenet/";

// The fixtures' torch.save'd dicts, read by Krait's checkpoint reader as the plugin's host reads them.
const auto readDict = krait::wsi::test::readStateDict;

// Largest difference relative to the largest reference value.
double relativeError(const torch::Tensor& actual, const torch::Tensor& expected) {
  return ((actual.to(torch::kFloat64) - expected.to(torch::kFloat64)).abs().max() / expected.abs().max())
      .item<double>();
}

using krait::test::errorOf;

// ---- resnet50_trunc -------------------------------------------------------------------------------------

// make_encoder_fixtures.py's unit_values and hashed_tensor, bit for bit: the 8.5 M weights are regenerated here
// rather than stored (34 MB). Index i of key k: lowbias32(i * 0x9E3779B1 + fnv1a32(k)), top 24 bits / 2^24 - 0.5,
// all in uint32 / float32 arithmetic (exact or correctly rounded the same way in numpy and here).
torch::Tensor hashedTensor(const std::string& key, c10::IntArrayRef shape) {
  if (key.size() > 20 && key.compare(key.size() - 20, 20, ".num_batches_tracked") == 0)
    return torch::zeros({}, torch::kInt64);
  uint32_t h = 0x811C9DC5u;
  for (unsigned char c : key) h = (h ^ c) * 0x01000193u;
  const auto ends = [&](const std::string& s) {
    return key.size() >= s.size() && key.compare(key.size() - s.size(), s.size(), s) == 0;
  };
  torch::Tensor t = torch::empty(shape, torch::kFloat32);
  float* out = t.data_ptr<float>();
  const float convScale =
      shape.size() == 4 ? static_cast<float>(2.0 * std::sqrt(6.0 / static_cast<double>(shape[1] * shape[2] * shape[3])))
                        : 0.0f;
  for (int64_t i = 0; i < t.numel(); ++i) {
    uint32_t x = static_cast<uint32_t>(i) * 0x9E3779B1u + h;
    x ^= x >> 16;
    x *= 0x7FEB352Du;
    x ^= x >> 15;
    x *= 0x846CA68Bu;
    x ^= x >> 16;
    const float u = static_cast<float>(x >> 8) * (1.0f / 16777216.0f) - 0.5f;
    if (shape.size() == 4)
      out[i] = u * convScale;
    else if (ends("running_var") || ends("weight"))
      out[i] = 1.0f + 0.5f * u;
    else if (ends("running_mean"))
      out[i] = 0.1f * u;
    else
      out[i] = 0.2f * u;  // bias
  }
  return t;
}

std::map<std::string, torch::Tensor> hashedResnetWeights() {
  std::map<std::string, torch::Tensor> weights;
  ResNet50Trunc shapes;
  for (const auto& p : shapes.named_parameters()) weights[p.key()] = hashedTensor(p.key(), p.value().sizes());
  for (const auto& b : shapes.named_buffers()) weights[b.key()] = hashedTensor(b.key(), b.value().sizes());
  return weights;
}

EncoderSpec plainSpec(const std::string& kind, const std::string& path, int64_t size) {
  return {kind, path, size, {0, 0, 0}, {1, 1, 1}, 0};
}

TEST(ResNet50Trunc, RegeneratedWeightsAreThePythonOnes) {
  const auto sums = readDict(kEncoderDir + "resnet50_trunc_sums.pt");
  const auto weights = hashedResnetWeights();
  ASSERT_EQ(weights.size(), sums.size());
  for (const auto& [key, sum] : sums) {
    ASSERT_TRUE(weights.count(key)) << key;
    const double mine = weights.at(key).to(torch::kFloat64).sum().item<double>();
    EXPECT_NEAR(mine, sum.item<double>(), 1e-9 * (1 + std::abs(mine))) << key;
  }
  EXPECT_EQ(weights.size(), 258u);  // 43 convs and 43 batch norms of 5 tensors each
}

TEST(ResNet50Trunc, MatchesPyTorch) {
  const auto io = readDict(kEncoderDir + "resnet50_trunc_io.pt");
  ResNet50TruncEncoder encoder(plainSpec("resnet50-trunc", "hashed", 64), hashedResnetWeights());
  const torch::Tensor features = encoder.embed(io.at("input"));
  ASSERT_EQ(features.sizes(), io.at("features").sizes());
  const double error = relativeError(features, io.at("features"));
  std::cout << "resnet50_trunc vs PyTorch: max |diff| / max |ref| = " << error << "\n";
  EXPECT_LT(error, 1e-4);
  EXPECT_EQ(encoder.outDim(), 1024);
}

TEST(ResNet50Trunc, NormalisesWithTheSpecsMeanAndStd) {
  const auto io = readDict(kEncoderDir + "resnet50_trunc_io.pt");
  EncoderSpec spec = clamResnet50TruncSpec("hashed");
  spec.inputSize = 64;
  ResNet50TruncEncoder imagenet(spec, hashedResnetWeights());
  ResNet50TruncEncoder plain(plainSpec("resnet50-trunc", "hashed", 64), hashedResnetWeights());
  const torch::Tensor x = io.at("input");
  const torch::Tensor normalised = (x - torch::tensor({0.485f, 0.456f, 0.406f}).view({1, 3, 1, 1})) /
                                   torch::tensor({0.229f, 0.224f, 0.225f}).view({1, 3, 1, 1});
  EXPECT_LT(relativeError(imagenet.embed(x), plain.embed(normalised)), 1e-6);
}

TEST(ResNet50Trunc, AcceptsAFullTorchvisionCheckpoint) {
  auto weights = hashedResnetWeights();
  weights["layer4.0.conv1.weight"] = torch::zeros({512, 1024, 1, 1});
  weights["fc.weight"] = torch::zeros({1000, 2048});
  weights["fc.bias"] = torch::zeros({1000});
  // torchvision's original resnet50 file has no num_batches_tracked.
  for (auto it = weights.begin(); it != weights.end();)
    it = it->first.find("num_batches_tracked") != std::string::npos ? weights.erase(it) : std::next(it);
  ResNet50Trunc model;
  EXPECT_NO_THROW(model.loadStateDict(weights));
}

TEST(ResNet50Trunc, RefusesOtherStateDicts) {
  ResNet50Trunc model;
  auto extra = hashedResnetWeights();
  extra["layer5.0.conv1.weight"] = torch::zeros({1});
  extra["fcx.weight"] = torch::zeros({1});
  std::string why = errorOf<std::invalid_argument>([&] { model.loadStateDict(extra); });
  EXPECT_NE(why.find("2 unexpected: fcx.weight, layer5.0.conv1.weight"), std::string::npos) << why;

  auto missing = hashedResnetWeights();
  missing.erase("layer3.5.bn3.running_var");
  why = errorOf<std::invalid_argument>([&] { model.loadStateDict(missing); });
  EXPECT_NE(why.find("1 missing: layer3.5.bn3.running_var"), std::string::npos) << why;

  auto misshapen = hashedResnetWeights();
  misshapen["conv1.weight"] = torch::zeros({64, 3, 3, 3});
  why = errorOf<std::invalid_argument>([&] { model.loadStateDict(misshapen); });
  EXPECT_NE(why.find("conv1.weight (64x3x3x3), expected (64x3x7x7)"), std::string::npos) << why;

  // A prefixed checkpoint (timm's features_only wrapper, DataParallel's "module.") is refused, not half-loaded.
  std::map<std::string, torch::Tensor> prefixed;
  for (const auto& [k, v] : hashedResnetWeights()) prefixed["module." + k] = v;
  why = errorOf<std::invalid_argument>([&] { model.loadStateDict(prefixed); });
  EXPECT_NE(why.find("missing"), std::string::npos);
  EXPECT_NE(why.find("unexpected: module."), std::string::npos) << why;
}

TEST(ResNet50Trunc, LoadEncoderReadsThroughTheGivenReader) {
  std::string asked;
  const StateDictReader reader = [&](const std::string& path) {
    asked = path;
    return hashedResnetWeights();
  };
  EncoderSpec spec = clamResnet50TruncSpec("/models/resnet50.pth");
  const auto encoder = loadEncoder(spec, reader);
  EXPECT_EQ(asked, "/models/resnet50.pth");
  EXPECT_EQ(encoder->outDim(), 1024);
  EXPECT_EQ(encoder->inputSize(), 224);
  EXPECT_FLOAT_EQ(encoder->std()[2], 0.225f);

  spec.outDim = 2048;
  const std::string why = errorOf<EncoderError>([&] { loadEncoder(spec, reader); });
  EXPECT_EQ(why, "/models/resnet50.pth: resnet50-trunc gives 1024-d features, not the 2048 the encoder spec asks for");
  EXPECT_THROW(loadEncoder(clamResnet50TruncSpec("x"), nullptr), std::invalid_argument);
}

// ---- Encoder contract -----------------------------------------------------------------------------------

TEST(Encoder, RefusesBadSpecsAndBatches) {
  EncoderSpec spec = plainSpec("resnet50-trunc", "x", 64);
  spec.std = {1, 0, 1};
  EXPECT_THROW(ResNet50TruncEncoder(spec, hashedResnetWeights()), std::invalid_argument);
  EXPECT_THROW(loadEncoder(plainSpec("vit", "x", 224), nullptr), std::invalid_argument);
  EXPECT_THROW(loadEncoder({"torchscript", "x", 224, {0, 0, 0}, {0, 0, 0}, 0}, nullptr), std::invalid_argument);

  ResNet50TruncEncoder encoder(plainSpec("resnet50-trunc", "hashed", 64), hashedResnetWeights());
  EXPECT_NE(errorOf<std::invalid_argument>([&] {
              encoder.embed(torch::zeros({2, 3, 32, 32}));
            }).find("(N, 3, 64, 64)"),
            std::string::npos);
  EXPECT_THROW(encoder.embed(torch::zeros({2, 3, 64, 64}, torch::kFloat64)), std::invalid_argument);
  EXPECT_EQ(encoder.embed(torch::zeros({0, 3, 64, 64})).sizes(), (std::vector<int64_t>{0, 1024}));
}

// ---- TorchScript ----------------------------------------------------------------------------------------

TEST(TorchScriptEncoder, MatchesPyTorchAndChecksOutDim) {
  const auto io = readDict(kEncoderDir + "tiny_torchscript_io.pt");
  const std::string path = kEncoderDir + "tiny_torchscript.pt";
  const auto encoder = loadEncoder(plainSpec("torchscript", path, 32), nullptr);
  EXPECT_EQ(encoder->outDim(), 8);
  EXPECT_LT(relativeError(encoder->embed(io.at("input")), io.at("output")), 1e-6);

  EncoderSpec wrong = plainSpec("torchscript", path, 32);
  wrong.outDim = 1024;
  EXPECT_EQ(errorOf<EncoderError>([&] { loadEncoder(wrong, nullptr); }),
            path + ": gives 8-d features, not the 1024 the encoder spec asks for");
  EXPECT_NE(errorOf<EncoderError>([&] {
              loadEncoder(plainSpec("torchscript", kEncoderDir + "pil_resize.pt", 32), nullptr);
            }).find("cannot load it as TorchScript"),
            std::string::npos);
  EXPECT_THROW(loadEncoder(plainSpec("torchscript", kEncoderDir + "no_such.pt", 32), nullptr), EncoderError);
}

// ---- TF.js MobileNetV2 ----------------------------------------------------------------------------------

const std::string& mobilenetJson() {
  static const std::string path = krait::test::testData("models/nsfwjs-mobilenet_v2-tfjs/model.json").string();
  return path;
}

// A reference input: raw float32 NHWC (1, 224, 224, 3) -> NCHW.
torch::Tensor referenceInput(const std::string& file) {
  std::ifstream in(kMobilenetDir + file, std::ios::binary);
  std::vector<char> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_EQ(bytes.size(), 224u * 224 * 3 * 4) << file;
  return torch::from_blob(bytes.data(), {1, 224, 224, 3}, torch::kFloat32).permute({0, 3, 1, 2}).contiguous();
}

torch::Tensor jsonVector(const nlohmann::json& values) { return torch::tensor(values.get<std::vector<float>>()); }

TEST(TfjsMobilenet, MatchesTensorFlowJs) {
  std::ifstream file(kMobilenetDir + "reference.json");
  const nlohmann::json reference = nlohmann::json::parse(file);
  ASSERT_EQ(reference.at("tfjs_version"), "4.22.0");
  const auto encoder = loadEncoder(nsfwjsMobilenetV2Spec(mobilenetJson()), nullptr);
  const auto& tfjs = dynamic_cast<const TfjsEncoder&>(*encoder);
  EXPECT_EQ(tfjs.featureLayer(), "flatten_1");
  EXPECT_EQ(encoder->outDim(), 1280);
  for (const auto& [name, expected] : reference.at("inputs").items()) {
    const torch::Tensor x = referenceInput(expected.at("input_file"));
    const torch::Tensor features = encoder->embed(x);
    const double featureError = relativeError(features[0], jsonVector(expected.at("flatten_1")));
    const auto outputs = tfjs.model().run(x, {"dense_1", tfjs.model().outputLayer()});
    const double denseError = relativeError(outputs[0][0], jsonVector(expected.at("dense_1")));
    const double softmaxError = relativeError(outputs[1][0], jsonVector(expected.at("softmax")));
    std::cout << "MobileNetV2 vs tfjs 4.22, " << name << ": flatten_1 " << featureError << ", dense_1 " << denseError
              << ", softmax " << softmaxError << " (max |diff| / max |ref|)\n";
    EXPECT_LT(featureError, 1e-4) << name;
    EXPECT_LT(denseError, 1e-4) << name;
    EXPECT_LT(softmaxError, 1e-4) << name;
    // Every intermediate layer: its first values (NHWC order in the reference).
    for (const auto& [layer, stats] : expected.at("per_layer").items()) {
      const torch::Tensor mine = tfjs.model().run(x, {layer})[0];
      const torch::Tensor nhwc = mine.dim() == 4 ? mine.permute({0, 2, 3, 1}).flatten() : mine.flatten();
      const torch::Tensor first = jsonVector(stats.at("first8"));
      const double scale = std::max(std::abs(stats.at("max").get<double>()), std::abs(stats.at("min").get<double>()));
      EXPECT_LT((nhwc.narrow(0, 0, first.numel()) - first).abs().max().item<double>() / scale, 1e-4) << layer;
      EXPECT_NEAR(mine.to(torch::kFloat64).mean().item<double>(), stats.at("mean").get<double>(), 1e-4 * scale)
          << layer;
    }
  }
}

// A copy of the model folder whose model.json / shard the test may break.
struct ModelCopy {
  krait::test::TempDir dir;
  nlohmann::json model;
  ModelCopy() {
    const std::filesystem::path from = std::filesystem::path(mobilenetJson()).parent_path();
    std::filesystem::copy_file(from / "group1-shard1of1.bin", dir / "group1-shard1of1.bin");
    std::ifstream in(mobilenetJson());
    model = nlohmann::json::parse(in);
  }
  std::string write() {
    std::ofstream(dir / "model.json") << model.dump();
    return (dir / "model.json").string();
  }
  nlohmann::json& layer(const std::string& name) {
    for (auto& l : model["modelTopology"]["model_config"]["config"]["layers"])
      if (l["name"] == name) return l;
    throw std::runtime_error("no layer " + name);
  }
};

// Keras' MobileNetV2 pads explicitly before its stride-2 convolutions (ZeroPadding2D [[0, 1], [0, 1]], then
// "valid"): for a 224 input that is TensorFlow's "same", which puts the odd row/column at the bottom/right.
TEST(TfjsMobilenet, SamePaddingIsTensorFlows) {
  ModelCopy m;
  m.layer("Conv1")["config"]["padding"] = "same";
  m.layer("Conv1")["inbound_nodes"] = nlohmann::json::parse(R"([[["input_1", 0, 0, {}]]])");
  const TfjsLayersModel same(m.write()), explicitPad(mobilenetJson());
  const torch::Tensor x = referenceInput("input_ihc_crop224.f32");
  EXPECT_TRUE(torch::equal(same.run(x, {"Conv1"})[0], explicitPad.run(x, {"Conv1"})[0]));
  ModelCopy topLeft;  // where the odd row goes matters
  topLeft.layer("Conv1_pad")["config"]["padding"] = nlohmann::json::parse("[[1, 0], [1, 0]]");
  EXPECT_GT(
      (TfjsLayersModel(topLeft.write()).run(x, {"Conv1"})[0] - same.run(x, {"Conv1"})[0]).abs().max().item<double>(),
      0.1);
}

TEST(TfjsMobilenet, RefusesWhatItCannotEvaluateExactly) {
  {
    ModelCopy m;
    m.layer("Conv1_relu")["class_name"] = "LeakyReLU";
    const std::string why = errorOf<EncoderError>([&] { TfjsLayersModel model(m.write()); });
    EXPECT_NE(why.find("layer 'Conv1_relu' (LeakyReLU): unknown layer class"), std::string::npos) << why;
  }
  {
    ModelCopy m;
    m.layer("Conv1_relu")["config"]["threshold"] = 0.5;
    const std::string why = errorOf<EncoderError>([&] { TfjsLayersModel model(m.write()); });
    EXPECT_NE(why.find("threshold other than 0"), std::string::npos) << why;
  }
  {
    ModelCopy m;
    m.model["weightsManifest"][0]["weights"][0]["quantization"]["dtype"] = "int8";
    const std::string why = errorOf<EncoderError>([&] { TfjsLayersModel model(m.write()); });
    EXPECT_NE(why.find("weight 'Conv1/kernel' is quantized as int8"), std::string::npos) << why;
  }
  {
    ModelCopy m;  // a weight without a layer
    auto extra = m.model["weightsManifest"][0]["weights"].back();
    extra["name"] = "ghost/kernel";
    m.model["weightsManifest"][0]["weights"].push_back(extra);
    int64_t bytes = 1;  // uint8-quantized
    for (int64_t d : extra["shape"].get<std::vector<int64_t>>()) bytes *= d;
    std::filesystem::resize_file(m.dir / "group1-shard1of1.bin",
                                 std::filesystem::file_size(m.dir / "group1-shard1of1.bin") + bytes);
    const std::string why = errorOf<EncoderError>([&] { TfjsLayersModel model(m.write()); });
    EXPECT_NE(why.find("weights no layer uses: ghost/kernel"), std::string::npos) << why;
  }
  {
    ModelCopy m;
    const std::string path = m.write();
    std::filesystem::resize_file(m.dir / "group1-shard1of1.bin", 1000);
    const std::string why = errorOf<EncoderError>([&] { TfjsLayersModel model(path); });
    EXPECT_NE(why.find("the weight shards end inside"), std::string::npos) << why;
  }
  {
    ModelCopy m;
    const std::string path = m.write();
    std::ofstream(m.dir / "group1-shard1of1.bin", std::ios::app) << "x";
    const std::string why = errorOf<EncoderError>([&] { TfjsLayersModel model(path); });
    EXPECT_NE(why.find("hold 1 bytes more than the manifest describes"), std::string::npos) << why;
  }
  EncoderSpec spec = nsfwjsMobilenetV2Spec(mobilenetJson());
  spec.inputSize = 256;
  EXPECT_NE(errorOf<EncoderError>([&] { loadEncoder(spec, nullptr); }).find("takes 224 x 224 x 3 inputs"),
            std::string::npos);
}

}  // namespace
}  // namespace krait::wsi
