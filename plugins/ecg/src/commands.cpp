#include "commands.h"

#include <krait/plugin_command.hpp>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <random>

#include "bundled_model.h"
#include "classes.h"
#include "classifier.h"
#include "ecg_reader.h"
#include "edf_writer.h"
#include "format_support.h"
#include "heart_rate.h"
#include "host_scan.h"
#include "metrics.h"
#include "synthetic_ecg.h"
#include "trainer.h"
#include "wfdb_writer.h"

namespace fs = std::filesystem;

namespace krait::ecg {
namespace {

constexpr int kOk = 0, kUsage = 2, kInput = 3, kOutput = 4;

const char* const kUsageText =
    "usage: krait ecg info FILE...\n"
    "       krait ecg classify [--model MODEL] [--device cpu|cuda[:N]] [--out DIR] [--json] FILE...\n"
    "       krait ecg evaluate --labels DIR --outputs DIR [--json]\n"
    "       krait ecg convert FILE --to wfdb16|wfdb212|edf -o OUTPUT\n"
    "       krait ecg synthesize -o DIR [--count N] [--seed N]\n"
    "       krait ecg train -o MODEL_DIR [--epochs N] [--records N] [--validation N] [--batch-size N] [--lr X]\n"
    "                       [--seed N] [--device cpu|cuda[:N]] [--architecture FILE.json]\n";

using plugin::Arguments;
using plugin::UsageError;

int info(const Arguments& a) {
  if (a.positional.empty()) throw UsageError("give at least one ECG file");
  int code = kOk;
  for (const std::string& file : a.positional) {
    try {
      const Record r = readEcg(file);
      std::printf("%s: %zu leads, %g Hz, %.2f s\n  leads:", file.c_str(), r.leads.size(), r.samplingRateHz,
                  static_cast<double>(r.samples()) / r.samplingRateHz);
      for (const std::string& l : r.leads) std::printf(" %s", l.c_str());
      std::printf("\n");
      for (const auto& [k, v] : r.info) std::printf("  %s: %s\n", k.c_str(), v.c_str());
      for (const auto& [k, v] : r.measurements) std::printf("  measured %s: %s\n", k.c_str(), v.c_str());
      if (!r.diagnosisCodes.empty()) {
        std::printf("  labels:");
        for (const std::string& c : r.diagnosisCodes) std::printf(" %s", c.c_str());
        std::printf("\n");
      }
    } catch (const FileError& e) {
      std::fprintf(stderr, "krait ecg: %s\n", e.what());
      if (code == kOk) code = kInput;
    }
  }
  return code;
}

// The challenge's output for a model whose classes are scored classes (others are left out of the CSV).
ChallengeOutput challengeOutput(const std::string& id, const ModelSpec& spec, const Classification& c) {
  ChallengeOutput out;
  out.recordId = id;
  for (size_t k = 0; k < spec.classes.size(); ++k)
    if (const auto scored = classOfCode(spec.classes[k].codes.front())) {
      out.binary[*scored] = c.present[k];
      out.probabilities[*scored] = c.probabilities[k];
    }
  return out;
}

nlohmann::json resultJson(const std::string& file, const Record& r, const EcgClassifier& classifier, const Classification& c,
                          const HeartRate& hr) {
  const ModelSpec& spec = classifier.spec();
  nlohmann::json classes = nlohmann::json::array();
  for (size_t k = 0; k < spec.classes.size(); ++k)
    classes.push_back({{"abbreviation", spec.classes[k].abbreviation}, {"name", spec.classes[k].name},
                       {"codes", spec.classes[k].codes}, {"probability", c.probabilities[k]},
                       {"threshold", spec.classes[k].threshold}, {"present", static_cast<bool>(c.present[k])}});
  nlohmann::json j = {{"input", file},
                      {"model", {{"id", spec.id}, {"name", spec.name}, {"version", spec.version}, {"intended_use", spec.intendedUse}}},
                      {"sampling_rate_hz", r.samplingRateHz},
                      {"seconds", static_cast<double>(r.samples()) / r.samplingRateHz},
                      {"classes", classes},
                      {"notes", c.notes}};
  if (hr.beatsPerMinute > 0) j["heart_rate"] = {{"beats_per_minute", hr.beatsPerMinute}, {"lead", hr.lead}, {"beats", hr.beats.size()}};
  if (!r.measurements.empty()) j["device_measurements"] = r.measurements;
  return j;
}

int classify(const Arguments& a) {
  if (a.positional.empty()) throw UsageError("give at least one ECG file");
  const std::string device = a.option("--device").value_or("cpu");
  std::optional<EcgClassifier> classifier;
  std::string model = a.option("--model").value_or(bundledModel().string());
  if (model.empty()) throw UsageError("--model is required: this installation has no bundled ECG model");
  try {
    classifier.emplace(model, device, hostScan());
  } catch (const std::invalid_argument& e) {
    throw UsageError(e.what());
  }
  const std::optional<std::string> outDir = a.option("--out");
  if (outDir) {
    std::error_code ec;
    fs::create_directories(*outDir, ec);
    if (ec) throw FileError(*outDir, "cannot be created: " + ec.message());
  }
  int code = kOk;
  const ModelSpec& spec = classifier->spec();
  for (const std::string& file : a.positional) {
    try {
      const Record r = readEcg(file);
      const Classification c = classifier->classify(r);
      const HeartRate hr = heartRate(r);
      const nlohmann::json j = resultJson(file, r, *classifier, c, hr);
      if (a.flag("--json")) {
        std::printf("%s\n", j.dump().c_str());
      } else {
        std::printf("%s (%s, %s):\n", file.c_str(), spec.name.c_str(), spec.intendedUse.c_str());
        for (size_t k = 0; k < spec.classes.size(); ++k)
          std::printf("  %s %-7s %.3f (threshold %.2f) %s\n", c.present[k] ? "*" : " ", spec.classes[k].abbreviation.c_str(),
                      c.probabilities[k], spec.classes[k].threshold, spec.classes[k].name.c_str());
        if (hr.beatsPerMinute > 0) std::printf("  heart rate %.0f /min (lead %s, %zu beats)\n", hr.beatsPerMinute, hr.lead.c_str(), hr.beats.size());
        for (const std::string& n : c.notes) std::printf("  note: %s\n", n.c_str());
      }
      if (outDir) {
        const std::string id = fs::path(file).stem().string();
        writeFileAtomically((fs::path(*outDir) / (id + ".json")).string(), j.dump(2) + "\n");
        const fs::path csv = fs::path(*outDir) / (id + ".csv");
        writeAtomically(csv.string(), [&](const fs::path& staging) { writeChallengeOutput(staging, challengeOutput(id, spec, c)); });
      }
    } catch (const FileError& e) {
      std::fprintf(stderr, "krait ecg: %s\n", e.what());
      if (code == kOk) code = kInput;
    }
  }
  return code;
}

int evaluateCommand(const Arguments& a) {
  const fs::path labels = a.required("--labels"), outputs = a.required("--outputs");
  if (!a.positional.empty()) throw UsageError("evaluate takes no file arguments: " + a.positional.front());
  std::vector<ClassLabels> truth, binary;
  std::vector<ClassScores> scores;
  std::vector<std::string> ids;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(labels, ec))
    if (entry.path().extension() == ".hea") ids.push_back(entry.path().stem().string());
  if (ec) throw FileError(labels.string(), "cannot be listed: " + ec.message());
  std::sort(ids.begin(), ids.end());
  if (ids.empty()) throw FileError(labels.string(), "holds no .hea label files");
  for (const std::string& id : ids) {
    const fs::path csv = outputs / (id + ".csv");
    if (!fs::exists(csv)) throw FileError(csv.string(), "is missing: every labelled record needs an output");
    const ChallengeOutput o = readChallengeOutput(csv);
    truth.push_back(readLabels(labels / (id + ".hea")));
    binary.push_back(o.binary);
    scores.push_back(o.probabilities);
  }
  const Evaluation e = evaluate(truth, binary, scores);
  if (a.flag("--json")) {
    nlohmann::json perClass = nlohmann::json::object();
    for (size_t k = 0; k < kNumClasses; ++k)
      perClass[scoredClasses()[k].abbreviation] = {{"auroc", e.aurocPerClass[k]}, {"auprc", e.auprcPerClass[k]}, {"f_measure", e.fMeasurePerClass[k]}};
    std::printf("%s\n", nlohmann::json({{"recordings", ids.size()}, {"auroc", e.auroc}, {"auprc", e.auprc}, {"accuracy", e.accuracy},
                                        {"f_measure", e.fMeasure}, {"challenge_metric", e.challengeMetric}, {"classes", perClass}})
                            .dump()
                            .c_str());
  } else {
    std::printf("%zu recordings\nAUROC %.4f\nAUPRC %.4f\naccuracy %.4f\nF-measure %.4f\nchallenge metric %.4f\n", ids.size(),
                e.auroc, e.auprc, e.accuracy, e.fMeasure, e.challengeMetric);
  }
  return kOk;
}

int convert(const Arguments& a) {
  if (a.positional.size() != 1) throw UsageError("convert takes one ECG file");
  const std::string to = a.required("--to"), output = a.required("-o");
  if (to != "wfdb16" && to != "wfdb212" && to != "edf") throw UsageError("--to is wfdb16, wfdb212 or edf, not " + to);
  const Record r = readEcg(a.positional.front());
  try {
    if (to == "edf") writeEdf(r, output);
    else writeWfdb(r, output, to == "wfdb16" ? 16 : 212);
  } catch (const FileError& e) {
    std::fprintf(stderr, "krait ecg: %s\n", e.what());
    return kOutput;
  }
  std::printf("%s -> %s (%s)\n", a.positional.front().c_str(), output.c_str(), to.c_str());
  return kOk;
}

// The demonstration model's network: the paper's stem and token layout (12 x 8192 -> 729 tokens, class token in
// the middle), narrowed to 64 features and 4 blocks so that it trains on a CPU.
nlohmann::json demoArchitecture() {
  return {{"in_channels", 12}, {"input_length", 8192},
          {"stem", {{{"channels", 64}, {"kernel", 14}, {"stride", 3}, {"padding", 2}},
                    {{"channels", 64}, {"kernel", 15}, {"stride", 4}, {"padding", 100}}}},
          {"stem_conv_bias", true}, {"stem_bn_eps", 1e-5}, {"embed_dim", 64}, {"depth", 4}, {"d_state", 16},
          {"d_conv", 4}, {"expand", 2}, {"dt_rank", 4}, {"norm_eps", 1e-5}, {"bimamba_type", "v2"},
          {"divide_out", true}, {"cls_token_index", 364}, {"pos_embed_length", 730},
          {"num_classes", static_cast<int64_t>(trainableCodes().size())}};
}

int64_t integer(const Arguments& a, const std::string& name, int64_t fallback) {
  const int64_t n = a.integer(name, fallback);
  if (n < 1) throw UsageError(name + " needs a positive whole number, not " + std::to_string(n));
  return n;
}

// Labelled synthetic recordings as WFDB records (format 16, "#Dx:" labels), for evaluating a model the way the
// challenge does: classify --out, then evaluate --labels.
int synthesize(const Arguments& a) {
  if (!a.positional.empty()) throw UsageError("synthesize takes no file arguments: " + a.positional.front());
  const fs::path out = a.required("-o");
  const int64_t count = integer(a, "--count", 100);
  std::mt19937_64 rng(static_cast<uint64_t>(integer(a, "--seed", 1)));
  std::error_code ec;
  fs::create_directories(out, ec);
  if (ec) throw FileError(out.string(), "cannot be created: " + ec.message());
  for (int64_t i = 0; i < count; ++i) {
    char name[32];
    std::snprintf(name, sizeof name, "S%05lld", static_cast<long long>(i + 1));
    Record r = synthesizeEcg(rng, randomDiagnosis(rng));
    r.measurements.clear();  // the generator's truth stays out of the files, as a device's would be absent
    try {
      writeWfdb(r, (out / (std::string(name) + ".hea")).string(), 16);
    } catch (const FileError& e) {
      std::fprintf(stderr, "krait ecg: %s\n", e.what());
      return kOutput;
    }
  }
  std::printf("%lld synthetic recordings in %s\n", static_cast<long long>(count), out.string().c_str());
  return kOk;
}

int train(const Arguments& a, const std::vector<std::string>& args) {
  if (!a.positional.empty()) throw UsageError("train takes no file arguments: " + a.positional.front());
  TrainOptions o;
  o.output = a.required("-o");
  o.epochs = static_cast<int>(integer(a, "--epochs", o.epochs));
  o.recordsPerEpoch = integer(a, "--records", o.recordsPerEpoch);
  o.validationRecords = integer(a, "--validation", o.validationRecords);
  o.batchSize = integer(a, "--batch-size", o.batchSize);
  o.seed = static_cast<uint64_t>(integer(a, "--seed", static_cast<int64_t>(o.seed)));
  o.device = a.option("--device").value_or("cpu");
  if (const auto lr = a.option("--lr")) {
    try {
      o.learningRate = std::stod(*lr);
    } catch (const std::exception&) {
      throw UsageError("--lr needs a number, not " + *lr);
    }
  }
  o.architecture = demoArchitecture();
  if (const auto file = a.option("--architecture")) {
    std::ifstream in(*file);
    if (!in) throw FileError(*file, "cannot be read");
    try {
      o.architecture = nlohmann::json::parse(in);
    } catch (const nlohmann::json::parse_error& e) {
      throw FileError(*file, std::string("is not valid JSON: ") + e.what());
    }
  }
  for (const std::string& arg : args) o.command += (o.command.empty() ? "krait " : " ") + arg;
  try {
    trainEcgModel(o, hostScan(), [](const EpochReport& e) {
      std::printf("epoch %d: train loss %.4f, held-out loss %.4f, macro AUROC %.4f, %.1f s\n", e.epoch, e.trainLoss,
                  e.validationLoss, e.macroAuroc, e.seconds);
      std::fflush(stdout);
    });
    std::printf("model: %s\n", o.output.string().c_str());
  } catch (const std::invalid_argument& e) {
    throw UsageError(e.what());
  }
  return kOk;
}

}  // namespace

int ecgCommand(const std::vector<std::string>& args) {
  try {
    const std::string sub = args.size() > 1 ? args[1] : "";
    if (sub == "info") return info(Arguments(args, {}, {}));
    if (sub == "classify") return classify(Arguments(args, {"--model", "--device", "--out"}, {"--json"}));
    if (sub == "evaluate") return evaluateCommand(Arguments(args, {"--labels", "--outputs"}, {"--json"}));
    if (sub == "convert") return convert(Arguments(args, {"--to", "-o"}, {}));
    if (sub == "synthesize") return synthesize(Arguments(args, {"-o", "--count", "--seed"}, {}));
    if (sub == "train")
      return train(Arguments(args, {"-o", "--epochs", "--records", "--validation", "--batch-size", "--lr", "--seed", "--device", "--architecture"}, {}),
                   args);
    if (sub == "--help" || sub == "-h") {
      std::printf("%s", kUsageText);
      return kOk;
    }
    throw UsageError(sub.empty() ? "give a subcommand" : "unknown subcommand " + sub);
  } catch (const UsageError& e) {
    std::fprintf(stderr, "krait ecg: %s\n%s", e.what(), kUsageText);
    return kUsage;
  } catch (const FileError& e) {
    std::fprintf(stderr, "krait ecg: %s\n", e.what());
    return kInput;
  }
}

}  // namespace krait::ecg
