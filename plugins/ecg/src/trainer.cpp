#include "trainer.h"

#include <torch/torch.h>

#include <chrono>
#include <cmath>
#include <random>

#include "classes.h"
#include "format_support.h"
#include "metrics.h"
#include "model_spec.h"
#include "preprocess.h"
#include "synthetic_ecg.h"

namespace fs = std::filesystem;

namespace krait::ecg {
namespace {

nlohmann::json inputJson(const InputContract& in) {
  return {{"leads", in.leads}, {"sampling_rate_hz", in.samplingRateHz}, {"length", in.length}, {"pad", "left"},
          {"normalisation", "zscore-per-lead"},
          {"band_pass", {{"type", "butterworth"}, {"order", in.bandPass->order}, {"low_hz", in.bandPass->lowHz},
                         {"high_hz", in.bandPass->highHz}, {"zero_phase", true}}},
          {"windows", {{"stride", in.windowStride}, {"aggregate", in.aggregate}}}};
}

struct Batch {
  torch::Tensor x, y;  // (n, 12, length) inputs, (n, classes) 0/1 targets
};

// `count` recordings drawn from `rng`, pre-processed as at inference (the first window of each: 10 s records
// are shorter than the window, so that is the whole record).
Batch makeRecords(std::mt19937_64& rng, int64_t count, const InputContract& in, const std::vector<std::string>& codes) {
  std::vector<float> x;
  std::vector<float> y;
  for (int64_t i = 0; i < count; ++i) {
    const Record r = synthesizeEcg(rng, randomDiagnosis(rng));
    const NetworkInput prepared = prepareInput(r, in);
    x.insert(x.end(), prepared.values.begin(), prepared.values.begin() + prepared.leads * prepared.length);
    for (const std::string& code : codes)
      y.push_back(std::find(r.diagnosisCodes.begin(), r.diagnosisCodes.end(), code) != r.diagnosisCodes.end() ? 1.0f : 0.0f);
  }
  const auto n = static_cast<int64_t>(count), k = static_cast<int64_t>(codes.size());
  return {torch::from_blob(x.data(), {n, 12, in.length}).clone(), torch::from_blob(y.data(), {n, k}).clone()};
}

// The held-out probabilities and targets placed at their challenge classes, for the challenge's AUROC.
double aurocOf(const torch::Tensor& p, const torch::Tensor& y, const std::vector<std::string>& codes, std::vector<double>* perClass) {
  std::vector<ClassLabels> labels(static_cast<size_t>(p.size(0)));
  std::vector<ClassScores> scores(static_cast<size_t>(p.size(0)));
  for (int64_t i = 0; i < p.size(0); ++i)
    for (size_t k = 0; k < codes.size(); ++k) {
      const size_t c = *classOfCode(codes[k]);
      labels[i][c] = y[i][static_cast<int64_t>(k)].item<float>() > 0.5f;
      scores[i][c] = p[i][static_cast<int64_t>(k)].item<double>();
    }
  const AreasUnderCurves areas = areasUnderCurves(labels, scores);
  double sum = 0;
  int defined = 0;
  if (perClass) perClass->clear();
  for (const std::string& code : codes) {
    const double a = areas.auroc[*classOfCode(code)];
    if (perClass) perClass->push_back(a);
    if (!std::isnan(a)) {
      sum += a;
      ++defined;
    }
  }
  return defined ? sum / defined : NAN;
}

// Per class, the threshold among the held-out probabilities with the best F1 (ties: the lowest), and that F1.
std::pair<double, double> bestThreshold(const torch::Tensor& probabilities, const torch::Tensor& targets) {
  const torch::Tensor pc = probabilities.contiguous().to(torch::kDouble), yc = targets.contiguous().to(torch::kDouble);
  const std::vector<double> p(pc.data_ptr<double>(), pc.data_ptr<double>() + pc.numel());
  const std::vector<double> y(yc.data_ptr<double>(), yc.data_ptr<double>() + yc.numel());
  double best = 0.5, bestF1 = -1;
  for (const double t : p) {
    double tp = 0, fp = 0, fn = 0;
    for (size_t i = 0; i < p.size(); ++i) {
      const bool called = p[i] >= t, positive = y[i] > 0.5;
      tp += called && positive;
      fp += called && !positive;
      fn += !called && positive;
    }
    const double f1 = tp > 0 ? 2 * tp / (2 * tp + fp + fn) : 0;
    if (f1 > bestF1 || (f1 == bestF1 && t < best)) {
      bestF1 = f1;
      best = t;
    }
  }
  return {best, bestF1};
}

void saveWeights(EcgMamba& network, const fs::path& file) {
  c10::Dict<std::string, torch::Tensor> dict;
  for (const auto& p : network.named_parameters()) dict.insert(p.key(), p.value().detach().cpu().contiguous());
  for (const auto& b : network.named_buffers()) dict.insert(b.key(), b.value().detach().cpu().contiguous());
  const std::vector<char> bytes = torch::pickle_save(dict);
  writeFileAtomically(file.string(), {bytes.data(), bytes.size()});
}

}  // namespace

std::vector<std::string> trainableCodes() { return synthesizableCodes(); }

TrainResult trainEcgModel(const TrainOptions& o, const SelectiveScan& scan, const std::function<void(const EpochReport&)>& progress) {
  if (o.epochs < 1 || o.recordsPerEpoch < 1 || o.validationRecords < 2 || o.batchSize < 1 || o.learningRate <= 0)
    throw std::invalid_argument("epochs, records per epoch, batch size and learning rate must be positive, and at least 2 validation records");
  if (fs::exists(o.output / "model.json"))
    throw FileError((o.output / "model.json").string(), "exists: choose another output folder");
  const std::vector<std::string> codes = trainableCodes();
  const EcgMambaConfig config = EcgMambaConfig::fromJson(o.architecture);
  if (config.numClasses != static_cast<int64_t>(codes.size()) || config.inChannels != 12)
    throw std::invalid_argument("the architecture needs in_channels 12 and num_classes " + std::to_string(codes.size()) +
                                " (the generator's classes)");
  const torch::Device device(o.device);
  // ISIBrno's contract, so that the model reads real recordings as a challenge model would.
  const InputContract in = isibrnoInput(config.inputLength);

  torch::manual_seed(o.seed);
  EcgMamba network(config, scan);
  // Vim's initialisation where it matters for a fresh network: the class token and position embedding small
  // (trunc_normal std 0.02); LibTorch's defaults elsewhere. A_log and dt_proj's bias as Mamba initialises them.
  {
    torch::NoGradGuard noGrad;
    for (auto& p : network.named_parameters()) {
      const std::string& name = p.key();
      torch::Tensor t = p.value();
      if (name == "cls_token" || name == "pos_embed") t.normal_(0, 0.02).clamp_(-0.04, 0.04);
      else if (name.ends_with("A_log") || name.ends_with("A_b_log"))
        t.copy_(torch::log(torch::arange(1, t.size(1) + 1, torch::kFloat)).expand_as(t));
      else if (name.ends_with(".D") || name.ends_with(".D_b")) t.fill_(1);
      else if (name.ends_with("dt_proj.bias") || name.ends_with("dt_proj_b.bias")) {
        const torch::Tensor dt = torch::exp(torch::rand_like(t) * (std::log(0.1) - std::log(0.001)) + std::log(0.001)).clamp_min(1e-4);
        t.copy_(dt + torch::log(-torch::expm1(-dt)));  // inverse softplus
      } else if (name.ends_with("norm.weight") || name == "norm_f.weight") t.fill_(1);
    }
  }
  network.to(device);
  torch::optim::AdamW optimizer(network.parameters(), torch::optim::AdamWOptions(o.learningRate).weight_decay(o.weightDecay));

  std::mt19937_64 validationRng(o.seed * 7919 + 17);
  const Batch validation = makeRecords(validationRng, o.validationRecords, in, codes);
  std::mt19937_64 rng(o.seed);
  TrainResult result;
  const int64_t steps = o.epochs * ((o.recordsPerEpoch + o.batchSize - 1) / o.batchSize);
  int64_t step = 0;
  torch::Tensor validationProbabilities;
  for (int epoch = 0; epoch < o.epochs; ++epoch) {
    const auto start = std::chrono::steady_clock::now();
    EpochReport report;
    report.epoch = epoch;
    network.train();
    double lossSum = 0;
    int64_t batches = 0;
    for (int64_t done = 0; done < o.recordsPerEpoch; done += o.batchSize, ++step) {
      const Batch b = makeRecords(rng, std::min(o.batchSize, o.recordsPerEpoch - done), in, codes);
      const double lr = o.learningRate * 0.5 * (1 + std::cos(M_PI * static_cast<double>(step) / static_cast<double>(steps)));
      for (auto& group : optimizer.param_groups()) static_cast<torch::optim::AdamWOptions&>(group.options()).lr(lr);
      optimizer.zero_grad();
      const torch::Tensor loss = torch::binary_cross_entropy_with_logits(network.forward(b.x.to(device)), b.y.to(device));
      loss.backward();
      torch::nn::utils::clip_grad_norm_(network.parameters(), 1.0);
      optimizer.step();
      lossSum += loss.item<double>();
      ++batches;
    }
    report.trainLoss = lossSum / static_cast<double>(batches);
    network.eval();
    {
      torch::NoGradGuard noGrad;
      std::vector<torch::Tensor> logits;
      for (int64_t i = 0; i < o.validationRecords; i += o.batchSize)
        logits.push_back(network.forward(validation.x.narrow(0, i, std::min(o.batchSize, o.validationRecords - i)).to(device)).cpu());
      const torch::Tensor all = torch::cat(logits);
      report.validationLoss = torch::binary_cross_entropy_with_logits(all, validation.y).item<double>();
      validationProbabilities = torch::sigmoid(all).to(torch::kDouble);
      report.macroAuroc = aurocOf(validationProbabilities, validation.y, codes, &result.aurocPerClass);
    }
    report.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    result.epochs.push_back(report);
    if (progress) progress(report);
  }

  nlohmann::json classes = nlohmann::json::array();
  for (size_t k = 0; k < codes.size(); ++k) {
    const auto [threshold, f1] = bestThreshold(validationProbabilities.select(1, static_cast<int64_t>(k)), validation.y.select(1, static_cast<int64_t>(k)));
    result.thresholds.push_back(threshold);
    result.f1PerClass.push_back(f1);
    const ScoredClass& c = scoredClasses()[*classOfCode(codes[k])];
    classes.push_back({{"codes", c.codes}, {"abbreviation", c.abbreviation}, {"name", c.name}, {"threshold", threshold}});
  }
  std::error_code ec;
  fs::create_directories(o.output, ec);
  if (ec) throw FileError(o.output.string(), "cannot be created: " + ec.message());
  network.to(torch::kCPU);
  saveWeights(network, o.output / "weights.pt");
  nlohmann::json history = nlohmann::json::array();
  for (const EpochReport& e : result.epochs)
    history.push_back({{"epoch", e.epoch}, {"train_loss", e.trainLoss}, {"validation_loss", e.validationLoss},
                       {"macro_auroc", e.macroAuroc}, {"seconds", e.seconds}});
  nlohmann::json heldOut = nlohmann::json::object();
  for (size_t k = 0; k < codes.size(); ++k)
    heldOut[classes[k]["abbreviation"].get<std::string>()] = {{"auroc", result.aurocPerClass[k]}, {"f1", result.f1PerClass[k]}};
  const nlohmann::json spec = {
      {"format", "krait-ecg-model"}, {"id", "ecg-mamba-synthetic-demo"}, {"name", "ECG-Mamba (synthetic demonstration)"},
      {"version", "0.1"},
      {"intended_use", "demonstration model trained only on synthetic ECGs; not for clinical use"},
      {"output", "sigmoid"}, {"classes", classes}, {"input", inputJson(in)}, {"architecture", o.architecture},
      {"weights", {{"file", "weights.pt"}, {"sha256", sha256OfFile(o.output / "weights.pt")}}},
      {"provenance", {{"trained_by", "krait ecg train"}, {"command", o.command}, {"data", "synthetic_ecg.cpp, fresh recordings every epoch"},
                      {"seed", o.seed}, {"epochs", o.epochs}, {"records_per_epoch", o.recordsPerEpoch},
                      {"validation_records", o.validationRecords}, {"batch_size", o.batchSize},
                      {"learning_rate", o.learningRate}, {"weight_decay", o.weightDecay}, {"device", o.device},
                      {"history", history}, {"held_out", heldOut}}}};
  writeFileAtomically((o.output / "model.json").string(), spec.dump(1) + "\n");
  return result;
}

}  // namespace krait::ecg
