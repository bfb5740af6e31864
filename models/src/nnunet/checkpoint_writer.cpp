#include "krait/models/nnunet/checkpoint_writer.h"

#include <nlohmann/json.hpp>
#include <torch/serialize.h>

#include <fstream>

#include "krait/base/atomic_output.h"
#include "krait/base/error.h"

namespace fs = std::filesystem;

namespace krait::models {

namespace {

// JSON as the Python objects json.load gives: dicts, lists, str, int, float, bool, None.
c10::IValue toIValue(const nlohmann::json& j) {
  switch (j.type()) {
    case nlohmann::json::value_t::object: {
      c10::impl::GenericDict dict(c10::StringType::get(), c10::AnyType::get());
      for (const auto& [key, value] : j.items()) dict.insert(key, toIValue(value));
      return dict;
    }
    case nlohmann::json::value_t::array: {
      c10::impl::GenericList list(c10::AnyType::get());
      for (const auto& value : j) list.push_back(toIValue(value));
      return list;
    }
    case nlohmann::json::value_t::string:
      return j.get<std::string>();
    case nlohmann::json::value_t::boolean:
      return j.get<bool>();
    case nlohmann::json::value_t::number_integer:
    case nlohmann::json::value_t::number_unsigned:
      return j.get<int64_t>();
    case nlohmann::json::value_t::number_float:
      return j.get<double>();
    default:
      return c10::IValue();
  }
}

c10::IValue parsed(const std::string& text, const std::string& what) {
  try {
    return toIValue(nlohmann::json::parse(text));
  } catch (const nlohmann::json::exception& e) {
    throw Error(ErrorKind::Usage, "checkpoint: " + what + " is not JSON: " + e.what());
  }
}

c10::IValue doubles(const std::vector<double>& values) { return c10::List<double>(values); }

}  // namespace

void writeNnunetCheckpoint(const fs::path& path, const Network& network, const CheckpointInfo& info) {
  c10::Dict<std::string, at::Tensor> weights;
  const auto keep = [&](const std::string& key, const torch::Tensor& t) {
    weights.insert(key, t.detach().to(torch::kCPU, t.is_floating_point() ? torch::kFloat32 : t.scalar_type()).contiguous().clone());
  };
  for (const auto& item : network.named_parameters()) keep(item.key(), item.value());
  for (const auto& item : network.named_buffers()) keep(item.key(), item.value());
  // PyTorch's state_dict lists a module registered twice under both names; the official loader wants both.
  for (const KeyAlias& a : network.keyAliases())
    if (weights.contains(a.canonical) && !weights.contains(a.alias)) weights.insert(a.alias, weights.at(a.canonical));

  c10::impl::GenericDict initArgs(c10::StringType::get(), c10::AnyType::get());
  initArgs.insert("plans", parsed(info.plansJson, "the plans"));
  initArgs.insert("configuration", info.configuration);
  initArgs.insert("fold", info.fold);
  initArgs.insert("dataset_json", parsed(info.datasetJson, "dataset.json"));
  initArgs.insert("unpack_dataset", true);
  initArgs.insert("device", std::string("cuda"));  // nnU-Net stores torch.device; only its trainer reads it

  c10::impl::GenericDict logging(c10::StringType::get(), c10::AnyType::get());
  logging.insert("mean_fg_dice", doubles(info.log.meanForegroundDice));
  logging.insert("ema_fg_dice", doubles(info.log.emaForegroundDice));
  logging.insert("dice_per_class_or_region", c10::impl::GenericList(c10::AnyType::get()));
  logging.insert("train_losses", doubles(info.log.trainLosses));
  logging.insert("val_losses", doubles(info.log.valLosses));
  logging.insert("lrs", doubles(info.log.learningRates));
  logging.insert("epoch_start_timestamps", doubles(info.log.epochStartTimestamps));
  logging.insert("epoch_end_timestamps", doubles(info.log.epochEndTimestamps));

  std::vector<c10::IValue> axes(info.mirroringAxes.begin(), info.mirroringAxes.end());
  c10::impl::GenericDict root(c10::StringType::get(), c10::AnyType::get());
  root.insert("network_weights", weights);
  root.insert("optimizer_state", info.optimizerState);
  root.insert("grad_scaler_state", info.gradScalerState);
  root.insert("logging", logging);
  root.insert("_best_ema", info.bestEma);
  root.insert("current_epoch", info.epoch);
  root.insert("init_args", initArgs);
  root.insert("trainer_name", info.trainerName);
  root.insert("inference_allowed_mirroring_axes",
              axes.empty() ? c10::IValue() : c10::IValue(c10::ivalue::Tuple::create(std::move(axes))));

  const std::vector<char> bytes = torch::pickle_save(root);
  AtomicOutput out(path);
  {
    std::ofstream file(out.stagingPath(), std::ios::binary);
    file.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    if (!file.flush()) throw outputError(path.string(), "the checkpoint could not be written");
  }
  out.commit();
}

}  // namespace krait::models
