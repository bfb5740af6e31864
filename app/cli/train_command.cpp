// krait train: nnU-Net training of the official Mamba networks on an nnU-Net raw dataset, natively.
#include <iomanip>
#include <iostream>
#include <sstream>

#include "arg_parser.h"
#include "commands.h"
#include "interrupt.h"
#include "krait/base/error.h"
#include "krait/engine/engine.h"
#include "krait/engine/trainer.h"
#include "krait/io/training_dataset.h"
#include "krait/io/volume_io.h"
#include "progress_bar.h"

namespace fs = std::filesystem;

namespace krait::cli {
namespace {

std::vector<int64_t> patchSizeOf(const ArgParser& args) {
  std::vector<int64_t> patch;
  for (const std::string& v : args.listValue("--patch-size")) {
    try {
      size_t used = 0;
      patch.push_back(std::stoll(v, &used));
      if (used != v.size()) throw std::invalid_argument(v);
    } catch (const std::exception&) {
      throw Error(ErrorKind::Usage, "--patch-size takes whole numbers, not '" + v + "'");
    }
  }
  return patch;
}

std::string diceText(const std::vector<double>& dice) {
  std::ostringstream s;
  s << std::fixed << std::setprecision(3) << "[";
  for (size_t i = 0; i < dice.size(); ++i) s << (i ? ", " : "") << dice[i];
  s << "]";
  return s.str();
}

TrainingDatasetSource datasetSource(const io::TrainingDataset& d) {
  TrainingDatasetSource source;
  source.folder = d.folder;
  source.name = fs::absolute(d.folder).lexically_normal().filename().string();
  if (source.name.empty()) source.name = fs::absolute(d.folder).lexically_normal().parent_path().filename().string();
  for (const io::TrainingCase& c : d.cases) source.cases.push_back({c.id, c.labels.string()});
  source.load = [cases = d.cases](size_t i) {
    TrainingCaseVolumes v;
    for (const fs::path& image : cases[i].images) v.channels.push_back(io::readVolume(image));
    v.labels = io::readVolume(cases[i].labels);
    return v;
  };
  return source;
}

}  // namespace

int runTrain(const std::vector<std::string>& argv) {
  ArgParser args(
      "krait train -d DATASET_FOLDER -o RESULTS [options]",
      "Trains an nnU-Net model of U-Mamba, LightM-UNet or Swin-UMamba on an nnU-Net raw dataset (dataset.json,\n"
      "imagesTr/, labelsTr/), as the official trainers do: nnU-Net's experiment planning (or --plans),\n"
      "preprocessing, patch sampling with foreground oversampling, augmentation, Dice + CE with deep\n"
      "supervision, the trainer's optimiser and schedule. Writes RESULTS/<dataset>/<trainer>__<plans>__<config>/\n"
      "(plans.json, dataset.json, fold_<f>/checkpoint_best.pth, checkpoint_final.pth, training_log.txt), a\n"
      "model folder that krait segment, krait models import and Python nnU-Net all load. The dataset is checked\n"
      "first; every problem is listed, naming the case and file.",
      {{"-d", "DIR", "the nnU-Net raw dataset folder (DatasetXXX_Name)"},
       {"-o", "RESULTS", "results root (nnU-Net's nnUNet_results)"},
       {"--trainer", "NAME", "nnUNetTrainerUMambaBot (default), nnUNetTrainerUMambaEnc, nnUNetTrainerLightMUNet, ...",
        {"-tr"}},
       {"-c", "CONFIG", "configuration: 2d or 3d_fullres (default)"},
       {"-f", "FOLD", "fold 0-4 of nnU-Net's 5-fold split (default 0), or all", {"--fold"}},
       {"--plans", "FILE", "train with this plans.json instead of planning from the dataset"},
       {"--init", "CHECKPOINT", "start from this nnU-Net checkpoint's weights (fine-tuning)",
        {"-pretrained_weights"}},
       {"--resume", "", "continue the fold's training from checkpoint_latest.pth", {"--c"}},
       {"--device", "DEV", "cpu (default), cuda or cuda:N", {"-device"}},
       {"--precision", "P", "auto (fp16 autocast on CUDA where the trainer uses it), fp32, fp16, bf16"},
       {"--epochs", "N", "epochs (default 1000)"},
       {"--iterations", "N", "training iterations per epoch (default 250)"},
       {"--val-iterations", "N", "validation iterations per epoch (default 50)"},
       {"--batch-size", "N", "patches per iteration (default: the plans')"},
       {"--patch-size", "Z,Y,X", "patch size (default: the plans'); a small one trains on a CPU", {}, true},
       {"--gpu-memory", "GB", "experiment planning's GPU memory target (default 8)"},
       {"--seed", "N", "seed of the weights, patches and augmentation (default 0)"},
       {"--save-every", "N", "epochs between checkpoint_latest.pth (default 50)"},
       {"--threads", "N", "CPU threads (default 0: every core)"},
       {"--quiet", "", "no progress display and no per-epoch lines"}});
  args.setHints({{"-p", "Krait trains with nnUNetPlans or the file --plans names"},
                 {"-num_gpus", "Krait trains on one device: --device cuda:N"},
                 {"--npz", "Krait's validation is the pseudo Dice of each epoch; segment the validation cases with krait segment"}});
  if (args.parseOrShowHelp(argv)) return 0;
  if (!args.has("-d") || !args.has("-o")) throw Error(ErrorKind::Usage, "missing -d or -o (see --help)");

  TrainOptions o;
  o.output = args.value("-o");
  o.trainer = args.value("--trainer", o.trainer);
  o.configuration = args.value("-c", o.configuration);
  o.fold = args.value("-f", o.fold);
  o.plans = args.value("--plans");
  o.init = args.value("--init");
  o.resume = args.has("--resume");
  o.device = args.value("--device", o.device);
  o.precision = args.value("--precision", o.precision);
  o.epochs = args.intValue("--epochs", o.epochs);
  o.iterationsPerEpoch = args.intValue("--iterations", o.iterationsPerEpoch);
  o.validationIterations = args.intValue("--val-iterations", o.validationIterations);
  o.batchSize = args.intValue("--batch-size", 0);
  o.patchSize = patchSizeOf(args);
  o.gpuMemoryTargetGB = args.doubleValue("--gpu-memory", o.gpuMemoryTargetGB);
  o.seed = static_cast<uint64_t>(args.intValue("--seed", 0));
  o.saveEvery = args.intValue("--save-every", o.saveEvery);
  EngineOptions engine;
  engine.threads = args.intValue("--threads", 0);
  if (engine.threads < 0) throw Error(ErrorKind::Usage, "--threads must be 0 (every core) or more");
  initEngine(engine);
  checkTrainOptions(o);
  for (const fs::path& file : {o.plans, o.init})
    if (!file.empty() && !fs::is_regular_file(file)) throw inputError(file.string(), "no such file");

  const io::TrainingDataset dataset = io::findTrainingDataset(args.value("-d"));
  const std::vector<std::string> problems = io::verifyTrainingDataset(dataset);
  if (!problems.empty()) {
    for (const std::string& p : problems) std::cerr << "krait train: " << p << "\n";
    throw inputError(dataset.folder.string(), std::to_string(problems.size()) + " problem(s) in the dataset; nothing was trained");
  }

  const bool quiet = args.has("--quiet");
  const std::atomic<bool>* interrupted = installInterruptFlag();
  ProgressBar bar(!quiet);
  const TrainingResult result = train(datasetSource(dataset), o, [&](const TrainingProgress& p) {
    if (p.finished) {
      bar.finish();
      const EpochSummary& e = *p.finished;
      if (!quiet)
        std::cout << "epoch " << e.epoch + 1 << "/" << p.epochs << std::fixed << std::setprecision(4)
                  << "  train loss " << e.trainLoss << "  val loss " << e.validationLoss << "  pseudo Dice "
                  << diceText(e.dicePerClass) << "  EMA " << std::setprecision(3) << e.emaDice << "  lr "
                  << std::setprecision(6) << e.learningRate << std::setprecision(1) << "  " << e.seconds << " s"
                  << (e.best ? "  (new best)" : "") << std::endl;
    } else {
      bar.update(Progress{p.stage == "train" || p.stage == "validate" ? p.stage + " epoch " + std::to_string(p.epoch + 1) : p.stage,
                          p.done, p.total});
    }
    return !*interrupted;
  });
  bar.finish();
  std::cout << "trained " << result.trainingCases.size() << " case(s), validated on " << result.validationCases.size()
            << "; best EMA pseudo Dice " << std::fixed << std::setprecision(3) << result.bestEma << "; "
            << std::setprecision(2) << result.iterationsPerSecond << " iterations/s\nmodel: " << result.modelFolder.string()
            << "\n";
  return 0;
}

}  // namespace krait::cli
