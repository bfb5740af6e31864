#include "trainer.h"

#include <torch/torch.h>

#include <nlohmann/json.hpp>

#include <cmath>
#include <fstream>
#include <random>
#include <sstream>

#include "atomic_file.h"
#include "clam_h5.h"
#include "slide.h"

namespace krait::wsi {
namespace {

namespace fs = std::filesystem;

std::vector<std::string> splitCsv(const std::string& line) {
  std::vector<std::string> fields;
  std::stringstream s(line);
  std::string field;
  while (std::getline(s, field, ',')) {
    while (!field.empty() && (field.back() == '\r' || field.back() == ' ')) field.pop_back();
    fields.push_back(field);
  }
  return fields;
}

torch::Tensor bagTensor(const fs::path& file) {
  FeatureFile f = readFeatureFile(file.string());
  if (f.count < 1) throw SlideError(file.string(), "holds no patches");
  return torch::from_blob(f.features.data(), {f.count, f.dim}, torch::kFloat32).clone();
}

}  // namespace

std::vector<LabelledBag> readLabels(const fs::path& csv, const fs::path& bags, const std::vector<std::string>& classes) {
  std::ifstream in(csv);
  if (!in) throw SlideError(csv.string(), "no such file");
  std::string line;
  std::getline(in, line);
  const auto header = splitCsv(line);
  if (header.size() < 2 || header[0] != "slide_id" || header[1] != "label")
    throw SlideError(csv.string(), "the header must be slide_id,label[,split]");
  std::vector<LabelledBag> out;
  for (int row = 2; std::getline(in, line); ++row) {
    if (line.empty()) continue;
    const auto f = splitCsv(line);
    const std::string where = "line " + std::to_string(row);
    if (f.size() < 2) throw SlideError(csv.string(), where + " has no label");
    const auto it = std::find(classes.begin(), classes.end(), f[1]);
    if (it == classes.end()) throw SlideError(csv.string(), where + ": '" + f[1] + "' is not one of the classes");
    LabelledBag b{bags / (f[0] + ".h5"), it - classes.begin(), f.size() > 2 && f[2] == "val"};
    if (f.size() > 2 && f[2] != "val" && f[2] != "train") throw SlideError(csv.string(), where + ": split '" + f[2] + "' (train or val)");
    if (!fs::exists(b.features)) throw SlideError(csv.string(), where + ": no feature file " + b.features.string());
    out.push_back(b);
  }
  if (out.empty()) throw SlideError(csv.string(), "has no labelled slides");
  return out;
}

void initializeLikeOfficial(MilModel& model) {
  if (model.config().kind != "mambamil") return;  // ABMIL's initialize_weights call is commented out upstream
  torch::NoGradGuard noGrad;
  for (auto& module : model.modules(false)) {
    if (auto* linear = module->as<torch::nn::Linear>()) {
      torch::nn::init::xavier_normal_(linear->weight);
      if (linear->bias.defined()) linear->bias.zero_();
    } else if (auto* norm = module->as<torch::nn::LayerNorm>()) {
      norm->weight.fill_(1);
      norm->bias.zero_();
    }
  }
  for (auto& p : model.named_parameters(true)) {
    const std::string& name = p.key();
    if (name.ends_with("A_log") || name.ends_with("A_b_log"))
      p.value().copy_(torch::log(torch::arange(1, p.value().size(1) + 1, torch::kFloat32)).expand_as(p.value()));
    else if (name.ends_with(".D") || name.ends_with(".D_b"))
      p.value().fill_(1);
  }
}

std::vector<EpochReport> trainMilModel(const TrainOptions& o, const plugin::ScanFunction& scan,
                                       const std::function<void(const EpochReport&)>& progress) {
  torch::manual_seed(o.seed);
  MilModel model(o.model.aggregator, scan);
  initializeLikeOfficial(model);
  model.to(o.device);
  std::vector<torch::Tensor> bags;
  for (const LabelledBag& b : o.bags) {
    bags.push_back(bagTensor(b.features).to(o.device));
    if (bags.back().size(1) != o.model.aggregator.inDim)
      throw SlideError(b.features.string(), "has " + std::to_string(bags.back().size(1)) + " features per patch, the aggregator takes " +
                                                std::to_string(o.model.aggregator.inDim));
  }
  torch::optim::Adam optimizer(model.parameters(), torch::optim::AdamOptions(o.learningRate).weight_decay(o.weightDecay));
  std::mt19937_64 random(o.seed);
  std::vector<size_t> order;
  for (size_t i = 0; i < o.bags.size(); ++i)
    if (!o.bags[i].validation) order.push_back(i);
  if (order.empty()) throw std::invalid_argument("no training bags (every labelled slide is in the val split)");

  std::vector<EpochReport> reports;
  nlohmann::json log = nlohmann::json::array();
  for (int64_t epoch = 1; epoch <= o.epochs; ++epoch) {
    std::shuffle(order.begin(), order.end(), random);
    model.train();
    EpochReport r{epoch, 0, 0, std::nan(""), std::nan("")};
    for (const size_t i : order) {
      const MilOutput out = model.forward(bags[i]);
      const torch::Tensor target = torch::tensor({o.bags[i].label}, torch::TensorOptions().dtype(torch::kLong).device(o.device));
      const torch::Tensor loss = torch::nn::functional::cross_entropy(out.logits.unsqueeze(0), target);
      optimizer.zero_grad();
      loss.backward();
      optimizer.step();
      r.trainLoss += loss.item<double>() / static_cast<double>(order.size());
      r.trainAccuracy += (out.logits.argmax().item<int64_t>() == o.bags[i].label ? 1.0 : 0.0) / static_cast<double>(order.size());
    }
    model.eval();
    int64_t validation = 0;
    double loss = 0, correct = 0;
    {
      torch::NoGradGuard noGrad;
      for (size_t i = 0; i < o.bags.size(); ++i) {
        if (!o.bags[i].validation) continue;
        const MilOutput out = model.forward(bags[i]);
        const torch::Tensor target = torch::tensor({o.bags[i].label}, torch::TensorOptions().dtype(torch::kLong).device(o.device));
        loss += torch::nn::functional::cross_entropy(out.logits.unsqueeze(0), target).item<double>();
        correct += out.logits.argmax().item<int64_t>() == o.bags[i].label ? 1 : 0;
        ++validation;
      }
    }
    if (validation > 0) r.validationLoss = loss / static_cast<double>(validation), r.validationAccuracy = correct / static_cast<double>(validation);
    reports.push_back(r);
    nlohmann::json entry = {{"epoch", epoch}, {"train_loss", r.trainLoss}, {"train_accuracy", r.trainAccuracy}};
    if (validation > 0) entry.update({{"val_loss", r.validationLoss}, {"val_accuracy", r.validationAccuracy}});
    log.push_back(entry);
    if (progress) progress(r);
  }

  std::error_code ec;
  fs::create_directories(o.output, ec);
  if (ec) throw SlideError(o.output.string(), "cannot be created: " + ec.message());
  c10::Dict<std::string, torch::Tensor> dict;
  for (const auto& p : model.named_parameters(true)) dict.insert(p.key(), p.value().detach().to(torch::kCPU).contiguous());
  const std::vector<char> bytes = torch::pickle_save(dict);
  writeText((o.output / "weights.pt").string(), std::string_view(bytes.data(), bytes.size()));
  WsiModelSpec spec = o.model;
  spec.weights = o.output / "weights.pt";
  writeText((o.output / "model.json").string(), toJson(spec).dump(1) + "\n");
  writeText((o.output / "training_log.json").string(),
            nlohmann::json{{"seed", o.seed}, {"epochs", o.epochs}, {"learning_rate", o.learningRate}, {"weight_decay", o.weightDecay},
                           {"train_bags", order.size()}, {"val_bags", o.bags.size() - order.size()}, {"log", log}}
                    .dump(1) + "\n");
  return reports;
}

}  // namespace krait::wsi
