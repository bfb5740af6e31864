#include "krait/models/nnunet/network_registry.h"

#include <algorithm>
#include <map>
#include <mutex>

#include "krait/base/error.h"
#include "krait/models/nnunet/trainers.h"

namespace krait::models {
namespace {

struct Registry {
  std::mutex mutex;
  std::map<std::string, TrainerEntry> entries;
};

Registry& registry() {
  static Registry* const r = [] {
    auto* created = new Registry;  // never destroyed: plugins' builders may be called until the process ends
    for (TrainerEntry& e : kraitTrainers()) created->entries.emplace(e.trainer, std::move(e));
    return created;
  }();
  return *r;
}

}  // namespace

void registerTrainer(TrainerEntry entry) {
  Registry& r = registry();
  const std::lock_guard<std::mutex> lock(r.mutex);
  if (const auto it = r.entries.find(entry.trainer); it != r.entries.end())
    throw Error(ErrorKind::Usage, "trainer " + entry.trainer + " is already provided by " + it->second.provider);
  r.entries.emplace(entry.trainer, std::move(entry));
}

void unregisterProvider(const std::string& provider) {
  Registry& r = registry();
  const std::lock_guard<std::mutex> lock(r.mutex);
  std::erase_if(r.entries, [&](const auto& e) { return e.second.provider == provider; });
}

std::vector<TrainerEntry> registeredTrainers() {
  Registry& r = registry();
  const std::lock_guard<std::mutex> lock(r.mutex);
  std::vector<TrainerEntry> out;
  for (const auto& [name, e] : r.entries) out.push_back(e);
  return out;
}

std::shared_ptr<Network> buildRegisteredNetwork(const NetworkRequest& request) {
  NetworkBuilder build;
  {
    Registry& r = registry();
    const std::lock_guard<std::mutex> lock(r.mutex);
    if (const auto it = r.entries.find(request.trainer); it != r.entries.end()) build = it->second.build;
  }
  if (!build) {
    std::string known;
    for (const TrainerEntry& e : registeredTrainers()) known += (known.empty() ? "" : ", ") + e.trainer;
    throw Error(ErrorKind::Input, "unknown trainer '" + request.trainer + "': Krait and its plugins build the networks of " +
                                      known + " (a plugin can add others: docs/plugins.md)");
  }
  return build(request);
}

LoadedNetwork loadNetwork(const std::filesystem::path& plansJson, const std::filesystem::path& datasetJson,
                          const std::filesystem::path& checkpoint) {
  LoadedNetwork out;
  out.checkpoint = readNnunetCheckpoint(checkpoint);
  if (out.checkpoint.trainerName.empty()) throw inputError(checkpoint.string(), "no 'trainer_name' in the checkpoint");
  if (out.checkpoint.configuration.empty())
    throw inputError(checkpoint.string(), "no init_args['configuration'] in the checkpoint");
  out.dataset = readDatasetDescription(datasetJson);
  NetworkRequest request{out.checkpoint.trainerName, out.checkpoint.configuration, plansJson, datasetJson, out.dataset,
                         static_cast<int64_t>(out.dataset.channelNames.size()), out.dataset.numSegmentationHeads()};
  out.network = buildRegisteredNetwork(request);
  out.network->loadStateDict(out.checkpoint.weights, checkpoint.string());
  out.checkpoint.weights.clear();
  out.network->eval();
  return out;
}

}  // namespace krait::models
