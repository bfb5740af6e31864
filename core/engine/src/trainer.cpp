#include "krait/engine/trainer.h"

#include <torch/torch.h>

#include <chrono>
#include <cmath>
#include <fstream>
#include <random>
#include <sstream>

#include "devices.h"
#include "krait/base/error.h"
#include "krait/engine/engine.h"
#include "krait/models/nnunet/checkpoint_writer.h"
#include "krait/models/nnunet/json_fields.h"
#include "krait/models/nnunet/network_registry.h"
#include "krait/models/nnunet/nnunet_checkpoint.h"
#include "krait/models/nnunet/plans.h"
#include "krait/models/nnunet/training_recipe.h"
#include "krait/models/ops/autocast.h"
#include "krait/training/augmentation.h"
#include "krait/training/loss.h"
#include "krait/training/patch_sampler.h"
#include "krait/training/splits.h"
#include "optimization.h"
#include "training_plans.h"

namespace fs = std::filesystem;

namespace krait {

namespace {

using models::readJson;

void checkValues(const TrainOptions& o) {
  const auto usage = [](const std::string& m) { return Error(ErrorKind::Usage, m); };
  if (o.output.empty()) throw usage("no output folder for the results");
  if (o.epochs < 1 || o.iterationsPerEpoch < 1 || o.validationIterations < 1)
    throw usage("epochs and iterations per epoch must be 1 or more");
  if (o.batchSize < 0) throw usage("the batch size must be 1 or more");
  if (o.saveEvery < 1) throw usage("checkpoints are saved every 1 or more epochs");
  for (const int64_t p : o.patchSize)
    if (p < 1) throw usage("patch sizes must be positive");
  if (o.fold != "all" && (o.fold.empty() || o.fold.find_first_not_of("0123456789") != std::string::npos))
    throw usage("the fold is a number (0-4 for nnU-Net's split) or 'all', not '" + o.fold + "'");
  if (o.resume && (!o.plans.empty() || !o.patchSize.empty() || o.batchSize > 0 || !o.init.empty()))
    throw usage("a resumed training keeps its plans and weights: --plans, --patch-size, --batch-size and --init "
                "do not go with --resume");
}

torch::ScalarType trainingPrecision(const std::string& name, const torch::Device& device, bool recipeAmp) {
  if (name == "auto") return device.is_cuda() && recipeAmp ? torch::kHalf : torch::kFloat;
  if (name == "fp32") return torch::kFloat;
  if (name != "fp16" && name != "bf16") throw Error(ErrorKind::Usage, "unknown precision '" + name + "' (auto, fp32, fp16, bf16)");
  if (!device.is_cuda()) throw Error(ErrorKind::Usage, "mixed precision (" + name + ") trains on a GPU only; use fp32 on the CPU");
  return name == "fp16" ? torch::kHalf : torch::kBFloat16;
}

training::Split foldSplit(const TrainingDatasetSource& dataset, const std::string& fold) {
  std::vector<std::string> ids;
  for (const auto& c : dataset.cases) ids.push_back(c.id);
  if (fold == "all") return {ids, ids};
  const size_t index = std::stoul(fold);
  std::vector<training::Split> splits;
  const fs::path file = dataset.folder / "splits_final.json";
  if (fs::exists(file)) {
    for (const auto& s : readJson(file)) {
      try {
        splits.push_back({s.at("train").get<std::vector<std::string>>(), s.at("val").get<std::vector<std::string>>()});
      } catch (const nlohmann::json::exception&) {
        throw inputError(file.string(), "every split needs 'train' and 'val' lists of case names");
      }
    }
  } else {
    splits = training::crossValidationSplits(ids);
  }
  if (index >= splits.size())
    throw Error(ErrorKind::Usage, "fold " + fold + " does not exist: there are " + std::to_string(splits.size()) + " folds");
  for (const auto* list : {&splits[index].train, &splits[index].val})
    for (const std::string& id : *list)
      if (std::find(ids.begin(), ids.end(), id) == ids.end())
        throw inputError(file.string(), "names case '" + id + "', which the dataset does not have");
  return splits[index];
}

std::vector<size_t> indicesOf(const std::vector<training::TrainingCase>& cases, const std::vector<std::string>& ids) {
  std::vector<size_t> keys;
  for (size_t i = 0; i < cases.size(); ++i)
    if (std::find(ids.begin(), ids.end(), cases[i].id) != ids.end()) keys.push_back(i);
  return keys;
}

std::vector<double> doubles(const models::PyRef& list) {
  std::vector<double> out;
  if (list && list->is<models::PyList>())
    for (const auto& v : list->as<models::PyList>().items) out.push_back(v->is<double>() ? v->as<double>() : v->is<int64_t>() ? static_cast<double>(v->as<int64_t>()) : NAN);
  return out;
}

models::TrainingLog readLog(const models::PyRef& logging) {
  models::TrainingLog log;
  if (!logging) return log;
  log.meanForegroundDice = doubles(logging->get("mean_fg_dice"));
  log.emaForegroundDice = doubles(logging->get("ema_fg_dice"));
  log.trainLosses = doubles(logging->get("train_losses"));
  log.valLosses = doubles(logging->get("val_losses"));
  log.learningRates = doubles(logging->get("lrs"));
  log.epochStartTimestamps = doubles(logging->get("epoch_start_timestamps"));
  log.epochEndTimestamps = doubles(logging->get("epoch_end_timestamps"));
  return log;
}

double now() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

// Everything one training run holds.
struct Run {
  TrainOptions options;
  models::TrainingRecipe recipe;
  torch::Device device = torch::kCPU;
  torch::ScalarType precision = torch::kFloat;
  fs::path modelFolder, foldFolder;
  nlohmann::json plans, datasetJson;
  std::vector<training::TrainingCase> cases;
  std::vector<size_t> trainKeys, valKeys;
  std::shared_ptr<models::Network> network;
  engine::NamedParameters params;
  std::unique_ptr<torch::optim::Optimizer> optimizer;
  std::unique_ptr<engine::LossScaler> scaler;
  training::AugmentationOptions augmentation, validationAugmentation;
  training::PatchSamplerOptions trainSampler, valSampler;
  training::LossOptions loss;
  bool deepSupervision = false;
  models::TrainingLog log;
  double bestEma = 0.0;
  bool hasBest = false;
  int epoch = 0;
  std::mt19937_64 rng;

  // `completed`: the epochs done, nnU-Net's current_epoch at saving.
  void save(const std::string& file, int completed) {
    models::CheckpointInfo info;
    info.trainerName = options.trainer;
    info.plansJson = plans.dump();
    info.datasetJson = datasetJson.dump();
    info.configuration = options.configuration;
    info.fold = options.fold;
    info.mirroringAxes = augmentation.mirrorAxes;  // inference_allowed_mirroring_axes
    info.epoch = completed;
    info.bestEma = bestEma;
    info.log = log;
    info.optimizerState = engine::optimizerStateDict(*optimizer, params, recipe);
    info.gradScalerState = scaler->stateDict();
    models::writeNnunetCheckpoint(foldFolder / file, *network, info);
  }

  std::vector<torch::Tensor> outputs(const torch::Tensor& data) {
    models::AutocastScope autocast(precision);
    return deepSupervision ? network->forwardDeepSupervision(data) : std::vector<torch::Tensor>{network->forward(data)};
  }

  torch::Tensor lossOf(const std::vector<torch::Tensor>& out, const std::vector<torch::Tensor>& targets) {
    std::vector<torch::Tensor> logits;
    for (const auto& o : out) logits.push_back(o.to(torch::kFloat));
    // A network without deep-supervision heads gives one output, compared with the full-resolution target.
    if (logits.size() == 1) return training::diceCeLoss(logits[0], targets[0], loss);
    if (logits.size() != targets.size())
      throw Error(ErrorKind::Internal, options.trainer + " gives " + std::to_string(logits.size()) +
                                           " deep-supervision outputs for the plans' " + std::to_string(targets.size()) + " scales");
    return training::deepSupervisionLoss(logits, targets, loss);
  }

  // A batch of `keys`' cases, sampled and transformed on the training device.
  training::AugmentedBatch batch(const std::vector<size_t>& keys, const training::PatchSamplerOptions& sampler,
                                 const training::AugmentationOptions& transforms) {
    const training::PatchBatch patches = training::samplePatches(cases, keys, sampler, rng);
    return training::augmentBatch(patches.data.to(device), patches.seg.to(device, torch::kFloat), transforms, rng);
  }

  double trainIteration() {
    const training::AugmentedBatch b = batch(trainKeys, trainSampler, augmentation);
    // zero_grad(set_to_none=True), PyTorch 2's default: a parameter without a gradient this step (the lowest
    // deep-supervision head, a frozen encoder) is not stepped at all, as in the official trainers.
    for (torch::Tensor& p : params.tensors) p.mutable_grad() = torch::Tensor();
    const torch::Tensor l = lossOf(outputs(b.data), b.targets);
    scaler->scale(l).backward();
    const bool finite = scaler->unscale(params.tensors);
    if (finite) {
      torch::nn::utils::clip_grad_norm_(params.tensors, 12.0);
      optimizer->step();
    }
    scaler->update(finite);
    return l.item<double>();
  }

  // One validation batch: its loss, and tp / fp / fn per foreground class added to `counts` (3 x classes-1).
  double validationIteration(torch::Tensor& counts) {
    const training::AugmentedBatch b = batch(valKeys, valSampler, validationAugmentation);
    const std::vector<torch::Tensor> out = outputs(b.data);
    const double l = lossOf(out, b.targets).item<double>();
    const int64_t classes = out[0].size(1);
    const torch::Tensor predicted = out[0].argmax(1).flatten();
    torch::Tensor target = b.targets[0].select(1, 0).flatten().to(torch::kLong);
    torch::Tensor valid = torch::ones_like(target, torch::kBool);
    if (loss.ignoreLabel >= 0) {
      valid = target != loss.ignoreLabel;
      target = target.masked_fill(valid.logical_not(), 0);
    }
    for (int64_t c = 1; c < classes; ++c) {
      const torch::Tensor p = (predicted == c) & valid, t = (target == c) & valid;
      counts[0][c - 1] += (p & t).sum().item<double>();
      counts[1][c - 1] += (p & t.logical_not()).sum().item<double>();
      counts[2][c - 1] += (p.logical_not() & t).sum().item<double>();
    }
    return l;
  }
};

void prepareNetwork(Run& run, const fs::path& plansFile, const fs::path& datasetFile,
                    const models::DatasetDescription& dataset) {
  models::NetworkRequest request;
  request.trainer = run.options.trainer;
  request.configuration = run.options.configuration;
  request.plansFile = plansFile;
  request.datasetFile = datasetFile;
  request.dataset = dataset;
  request.inputChannels = run.cases.at(0).data.size(0);
  request.numClasses = request.dataset.numSegmentationHeads();
  torch::manual_seed(run.options.seed);
  run.network = models::buildRegisteredNetwork(request);
  models::initializeForTraining(*run.network, run.recipe.init);
  if (!run.options.init.empty()) {
    const models::NnunetCheckpoint init = models::readNnunetCheckpoint(run.options.init);
    run.network->loadStateDict(init.weights, run.options.init.string());
    for (auto& p : run.network->parameters()) p.requires_grad_(true);
  }
  run.network->to(run.device);
  run.params = engine::namedParameters(*run.network);
  run.optimizer = engine::makeOptimizer(run.params, run.recipe);
  run.scaler = std::make_unique<engine::LossScaler>(run.precision == torch::kHalf);
}

void resume(Run& run) {
  fs::path file = run.foldFolder / "checkpoint_latest.pth";
  if (!fs::exists(file)) file = run.foldFolder / "checkpoint_final.pth";
  if (!fs::exists(file))
    throw inputError(run.foldFolder.string(), "has no checkpoint_latest.pth or checkpoint_final.pth to resume from");
  const models::NnunetCheckpoint ckpt = models::readNnunetCheckpoint(file);
  if (ckpt.trainerName != run.options.trainer)
    throw inputError(file.string(), "was trained by " + ckpt.trainerName + ", not " + run.options.trainer);
  run.network->loadStateDict(ckpt.weights, file.string());
  for (auto& p : run.network->parameters()) p.requires_grad_(true);
  engine::loadOptimizerState(*run.optimizer, run.params, run.recipe, ckpt.root->get("optimizer_state"), file.string());
  run.scaler->load(ckpt.root->get("grad_scaler_state"));
  run.log = readLog(ckpt.root->get("logging"));
  if (const auto e = ckpt.root->get("current_epoch"); e && e->is<int64_t>()) run.epoch = static_cast<int>(e->as<int64_t>());
  if (const auto b = ckpt.root->get("_best_ema"); b && b->is<double>()) {
    run.bestEma = b->as<double>();
    run.hasBest = true;
  }
  if (run.epoch >= run.options.epochs)
    throw Error(ErrorKind::Usage, file.string() + " has already trained " + std::to_string(run.epoch) +
                                      " epochs; give --epochs above that to continue");
}

void appendLog(const fs::path& file, const std::string& line) {
  std::ofstream out(file, std::ios::app);
  out << line << "\n";
}

}  // namespace

void checkTrainOptions(const TrainOptions& options) {
  checkValues(options);
  trainingPrecision(options.precision, engine::parseDevice(options.device), models::trainingRecipe(options.trainer).mixedPrecision);
}

TrainingResult train(const TrainingDatasetSource& dataset, const TrainOptions& options, const TrainingCallback& progress) {
  checkValues(options);
  initEngine();
  Run run;
  run.options = options;
  run.recipe = models::trainingRecipe(options.trainer);
  run.device = engine::parseDevice(options.device);
  run.precision = trainingPrecision(options.precision, run.device, run.recipe.mixedPrecision);
  run.rng.seed(options.seed);
  if (dataset.cases.empty()) throw inputError(dataset.folder.string(), "holds no training cases");

  run.modelFolder = options.output / dataset.name /
                    (options.trainer + "__" + options.plansName + "__" + options.configuration);
  run.foldFolder = run.modelFolder / ("fold_" + options.fold);
  const fs::path plansFile = run.modelFolder / "plans.json", datasetFile = run.modelFolder / "dataset.json";
  if (!options.resume)
    for (const char* name : {"checkpoint_final.pth", "checkpoint_latest.pth", "checkpoint_best.pth"})
      if (fs::exists(run.foldFolder / name))
        throw outputError((run.foldFolder / name).string(), "exists: --resume continues that training, or choose another output folder");
  std::error_code ec;
  fs::create_directories(run.foldFolder, ec);
  if (ec) throw outputError(run.foldFolder.string(), "cannot be created: " + ec.message());

  const auto report = [&](TrainingProgress p) {
    p.epochs = options.epochs;
    if (progress && !progress(p)) {
      // Inside an epoch: the weights so far are kept as the last completed epoch's, which --resume repeats.
      if (run.optimizer) run.save("checkpoint_latest.pth", run.epoch);
      throw Error(ErrorKind::Cancelled, "training cancelled" + std::string(run.optimizer ? "; --resume continues it" : ""));
    }
  };
  run.datasetJson = readJson(dataset.folder / "dataset.json");
  if (options.resume) {
    run.plans = readJson(plansFile);
  } else {
    engine::writeJsonFile(datasetFile, run.datasetJson);
    run.plans = engine::preparePlans(dataset, run.datasetJson, options, run.modelFolder, [&](int64_t done, int64_t total) {
      report({"fingerprint", 0, 0, done, total, nullptr});  // throws Error(Cancelled) when asked to stop
    });
  }

  const InferencePlan plan = models::readInferencePlan(plansFile, datasetFile, options.configuration);
  const models::ConfigurationPlan config = models::readConfigurationPlan(plansFile, options.configuration);
  const nlohmann::json configJson = nlohmann::json::parse(models::resolvedConfigurationJson(plansFile, options.configuration));
  const models::DatasetDescription description = models::readDatasetDescription(datasetFile);
  if (description.regions)
    throw inputError(datasetFile.string(), "is a region-based dataset; Krait trains label datasets only");
  std::vector<int64_t> foreground;
  for (const auto& label : description.labels) {
    if (label.name == "ignore") {
      run.loss.ignoreLabel = label.values.at(0);
    } else if (label.values.at(0) != 0) {
      foreground.push_back(label.values.at(0));
    }
  }
  run.loss.batchDice = configJson.value("batch_dice", false);

  for (size_t i = 0; i < dataset.cases.size(); ++i) {
    const engine::CaseTensors c = engine::readCase(dataset, i);
    run.cases.push_back(training::preprocessTrainingCase(dataset.cases[i].id, c.image, c.labels, c.spacing, plan,
                                                         foreground, 1234 + i));
    report({"preprocess", 0, 0, static_cast<int64_t>(i) + 1, static_cast<int64_t>(dataset.cases.size()), nullptr});
  }
  const training::Split split = foldSplit(dataset, options.fold);
  run.trainKeys = indicesOf(run.cases, split.train);
  run.valKeys = indicesOf(run.cases, split.val);

  prepareNetwork(run, plansFile, datasetFile, description);
  run.deepSupervision = run.recipe.deepSupervision && config.strides.size() > 1;
  run.augmentation = training::nnunetAugmentation(
      config.patchSize, run.deepSupervision ? training::deepSupervisionScales(config.strides) : std::vector<std::vector<double>>{});
  run.validationAugmentation = training::validationAugmentation(run.augmentation);
  const int batchSize = configJson.value("batch_size", 2);
  run.trainSampler = {training::initialPatchSize(run.augmentation), config.patchSize, batchSize, 0.33};
  run.valSampler = {config.patchSize, config.patchSize, batchSize, 0.33};
  if (options.resume) resume(run);

  TrainingResult result;
  result.modelFolder = run.modelFolder;
  result.foldFolder = run.foldFolder;
  result.trainingCases = split.train;
  result.validationCases = split.val;
  const fs::path logFile = run.foldFolder / "training_log.txt";
  appendLog(logFile, "training " + options.trainer + " " + options.configuration + " fold " + options.fold + " on " +
                         options.device + ": " + std::to_string(split.train.size()) + " training and " +
                         std::to_string(split.val.size()) + " validation cases, seed " + std::to_string(options.seed));
  double trainSeconds = 0.0;
  int64_t trainIterations = 0;
  for (; run.epoch < options.epochs; ++run.epoch) {
    EpochSummary summary;
    summary.epoch = run.epoch;
    const double start = now();
    summary.learningRate = engine::setLearningRate(*run.optimizer, run.recipe, run.epoch, options.epochs);
    if (run.recipe.freezeEncoderEpochs > 0)
      for (size_t i = 0; i < run.params.names.size(); ++i) {
        const std::string& n = run.params.names[i];
        const bool frozen = run.epoch < run.recipe.freezeEncoderEpochs && n.rfind(run.recipe.frozenPrefix, 0) == 0 &&
                            n.rfind(run.recipe.trainablePrefix, 0) != 0;
        run.params.tensors[i].requires_grad_(!frozen);
      }
    run.network->train();
    double lossSum = 0.0;
    for (int i = 0; i < options.iterationsPerEpoch; ++i) {
      lossSum += run.trainIteration();
      report({"train", run.epoch, 0, i + 1, options.iterationsPerEpoch, nullptr});
    }
    trainSeconds += now() - start;
    trainIterations += options.iterationsPerEpoch;
    summary.trainLoss = lossSum / options.iterationsPerEpoch;

    run.network->eval();
    {
      torch::NoGradGuard noGrad;
      const int64_t classes = static_cast<int64_t>(foreground.size());
      torch::Tensor counts = torch::zeros({3, classes}, torch::kDouble);
      double valLoss = 0.0;
      for (int i = 0; i < options.validationIterations; ++i) {
        valLoss += run.validationIteration(counts);
        report({"validate", run.epoch, 0, i + 1, options.validationIterations, nullptr});
      }
      summary.validationLoss = valLoss / options.validationIterations;
      double sum = 0.0;
      int defined = 0;
      for (int64_t c = 0; c < classes; ++c) {
        const double tp = counts[0][c].item<double>(), fp = counts[1][c].item<double>(), fn = counts[2][c].item<double>();
        const double dice = tp + fp + fn > 0 ? 2 * tp / (2 * tp + fp + fn) : NAN;
        summary.dicePerClass.push_back(dice);
        if (!std::isnan(dice)) {
          sum += dice;
          ++defined;
        }
      }
      summary.meanDice = defined ? sum / defined : NAN;
    }
    const auto& ema = run.log.emaForegroundDice;
    summary.emaDice = ema.empty() ? summary.meanDice : ema.back() * 0.9 + 0.1 * summary.meanDice;
    run.log.meanForegroundDice.push_back(summary.meanDice);
    run.log.emaForegroundDice.push_back(summary.emaDice);
    run.log.trainLosses.push_back(summary.trainLoss);
    run.log.valLosses.push_back(summary.validationLoss);
    run.log.learningRates.push_back(summary.learningRate);
    run.log.epochStartTimestamps.push_back(start);
    run.log.epochEndTimestamps.push_back(now());
    summary.seconds = run.log.epochEndTimestamps.back() - start;
    const int finished = run.epoch + 1;
    if (!run.hasBest || summary.emaDice > run.bestEma) {
      run.bestEma = summary.emaDice;
      run.hasBest = true;
      summary.best = true;
      run.save("checkpoint_best.pth", finished);
    }
    std::ostringstream line;
    line << "epoch " << run.epoch << ": train loss " << summary.trainLoss << ", val loss " << summary.validationLoss
         << ", pseudo Dice " << summary.meanDice << ", EMA " << summary.emaDice << ", lr " << summary.learningRate
         << ", " << summary.seconds << " s" << (summary.best ? ", new best" : "");
    appendLog(logFile, line.str());
    result.epochs.push_back(summary);
    bool keepGoing = true;
    if (progress) {
      TrainingProgress p{"epoch", run.epoch, options.epochs, finished, options.epochs, &result.epochs.back()};
      keepGoing = progress(p);
    }
    if (finished < options.epochs && (finished % options.saveEvery == 0 || !keepGoing))
      run.save("checkpoint_latest.pth", finished);
    if (!keepGoing) throw Error(ErrorKind::Cancelled, "training cancelled after epoch " + std::to_string(finished) +
                                                          "; --resume continues it");
  }
  run.save("checkpoint_final.pth", options.epochs);
  fs::remove(run.foldFolder / "checkpoint_latest.pth", ec);
  result.bestEma = run.bestEma;
  result.iterationsPerSecond = trainSeconds > 0 ? static_cast<double>(trainIterations) / trainSeconds : 0.0;
  return result;
}

}  // namespace krait
