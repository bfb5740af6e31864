#include "optimization.h"

#include <cmath>
#include <sstream>
#include <type_traits>

#include "krait/base/error.h"

namespace krait::engine {

namespace {

using models::OptimizerKind;

// LibTorch keys an optimizer's per-parameter state by the parameter's TensorImpl: as its address printed to a
// string up to 2.0, as the pointer itself in later versions.
using StateKey = std::remove_reference_t<decltype(std::declval<torch::optim::Optimizer&>().state())>::key_type;
template <typename Key>
Key keyOf(c10::TensorImpl* impl) {
  if constexpr (std::is_same_v<Key, std::string>) {
    std::ostringstream address;
    address << impl;
    return address.str();
  } else {
    return impl;
  }
}
StateKey stateKey(const torch::Tensor& p) { return keyOf<StateKey>(p.unsafeGetTensorImpl()); }

c10::IValue tensorValue(const torch::Tensor& t) { return t.defined() ? c10::IValue(t.detach().cpu()) : c10::IValue(); }

torch::Tensor tensorAt(const models::PyRef& dict, const std::string& key, const std::string& source) {
  const models::PyRef v = dict ? dict->get(key) : nullptr;
  if (!v || !v->is<torch::Tensor>()) throw inputError(source, "optimizer_state has no tensor '" + key + "'");
  return v->as<torch::Tensor>();
}

// Adam's and AdamW's per-parameter states have the same fields under different types.
template <typename State>
std::unique_ptr<torch::optim::OptimizerParamState> adamState(int64_t step, const torch::Tensor& avg,
                                                             const torch::Tensor& avgSq) {
  auto s = std::make_unique<State>();
  s->step(step);
  s->exp_avg(avg);
  s->exp_avg_sq(avgSq);
  return s;
}

template <typename State>
void insertAdamState(c10::impl::GenericDict& entry, const State& s) {
  entry.insert("step", torch::tensor(static_cast<float>(s.step())));
  entry.insert("exp_avg", tensorValue(s.exp_avg()));
  entry.insert("exp_avg_sq", tensorValue(s.exp_avg_sq()));
}

}  // namespace

NamedParameters namedParameters(const torch::nn::Module& module) {
  NamedParameters p;
  for (const auto& item : module.named_parameters()) {
    p.names.push_back(item.key());
    p.tensors.push_back(item.value());
  }
  return p;
}

std::unique_ptr<torch::optim::Optimizer> makeOptimizer(const NamedParameters& params, const models::TrainingRecipe& r) {
  switch (r.optimizer) {
    case OptimizerKind::SGD:
      return std::make_unique<torch::optim::SGD>(
          params.tensors,
          torch::optim::SGDOptions(r.learningRate).momentum(r.momentum).nesterov(r.nesterov).weight_decay(r.weightDecay));
    case OptimizerKind::Adam:
      return std::make_unique<torch::optim::Adam>(
          params.tensors, torch::optim::AdamOptions(r.learningRate).weight_decay(r.weightDecay).eps(r.epsilon));
    case OptimizerKind::AdamW:
      return std::make_unique<torch::optim::AdamW>(
          params.tensors, torch::optim::AdamWOptions(r.learningRate).weight_decay(r.weightDecay).eps(r.epsilon));
  }
  throw Error(ErrorKind::Internal, "unknown optimiser");
}

double setLearningRate(torch::optim::Optimizer& optimizer, const models::TrainingRecipe& r, int epoch, int epochs) {
  const double lr = models::learningRate(r, epoch, epochs);
  for (auto& group : optimizer.param_groups()) group.options().set_lr(lr);
  return lr;
}

c10::IValue optimizerStateDict(torch::optim::Optimizer& optimizer, const NamedParameters& params,
                               const models::TrainingRecipe& r) {
  c10::impl::GenericDict state(c10::IntType::get(), c10::AnyType::get());
  for (size_t i = 0; i < params.tensors.size(); ++i) {
    const auto it = optimizer.state().find(stateKey(params.tensors[i]));
    if (it == optimizer.state().end()) continue;
    c10::impl::GenericDict entry(c10::StringType::get(), c10::AnyType::get());
    if (r.optimizer == OptimizerKind::SGD) {
      entry.insert("momentum_buffer", tensorValue(static_cast<torch::optim::SGDParamState&>(*it->second).momentum_buffer()));
    } else if (r.optimizer == OptimizerKind::Adam) {
      insertAdamState(entry, static_cast<torch::optim::AdamParamState&>(*it->second));
    } else {
      insertAdamState(entry, static_cast<torch::optim::AdamWParamState&>(*it->second));
    }
    state.insert(static_cast<int64_t>(i), entry);
  }
  c10::impl::GenericDict group(c10::StringType::get(), c10::AnyType::get());
  group.insert("lr", optimizer.param_groups()[0].options().get_lr());
  group.insert("weight_decay", r.weightDecay);
  if (r.optimizer == OptimizerKind::SGD) {
    group.insert("momentum", r.momentum);
    group.insert("dampening", 0.0);
    group.insert("nesterov", r.nesterov);
  } else {
    group.insert("betas", c10::ivalue::Tuple::create({0.9, 0.999}));
    group.insert("eps", r.epsilon);
    group.insert("amsgrad", false);
  }
  group.insert("maximize", false);
  c10::List<int64_t> indices;
  for (size_t i = 0; i < params.tensors.size(); ++i) indices.push_back(static_cast<int64_t>(i));
  group.insert("params", indices);
  group.insert("param_names", c10::List<std::string>(params.names));
  c10::impl::GenericList groups(c10::AnyType::get());
  groups.push_back(group);
  c10::impl::GenericDict root(c10::StringType::get(), c10::AnyType::get());
  root.insert("state", state);
  root.insert("param_groups", groups);
  return root;
}

void loadOptimizerState(torch::optim::Optimizer& optimizer, const NamedParameters& params,
                        const models::TrainingRecipe& r, const models::PyRef& root, const std::string& source) {
  const models::PyRef groups = root ? root->get("param_groups") : nullptr;
  const models::PyRef state = root ? root->get("state") : nullptr;
  if (!groups || !groups->is<models::PyList>() || groups->as<models::PyList>().items.size() != 1 || !state ||
      !state->is<models::PyDict>())
    throw inputError(source, "its optimizer_state is not the state of one of Krait's optimisers");
  const models::PyRef names = groups->as<models::PyList>().items[0]->get("param_names");
  std::vector<std::string> stored;
  if (names && names->is<models::PyList>())
    for (const auto& n : names->as<models::PyList>().items)
      if (n->is<std::string>()) stored.push_back(n->as<std::string>());
  if (stored != params.names)
    throw inputError(source, "its optimizer_state belongs to other parameters than this network's");
  for (const auto& [key, entry] : state->as<models::PyDict>().items) {
    if (!key->is<int64_t>() || key->as<int64_t>() < 0 || key->as<int64_t>() >= static_cast<int64_t>(params.tensors.size()))
      throw inputError(source, "its optimizer_state names a parameter that does not exist");
    const torch::Tensor& p = params.tensors[static_cast<size_t>(key->as<int64_t>())];
    const auto onDevice = [&](const std::string& k) { return tensorAt(entry, k, source).to(p.device(), p.scalar_type()); };
    if (r.optimizer == OptimizerKind::SGD) {
      auto s = std::make_unique<torch::optim::SGDParamState>();
      s->momentum_buffer(onDevice("momentum_buffer"));
      optimizer.state()[stateKey(p)] = std::move(s);
    } else {
      const auto step = static_cast<int64_t>(tensorAt(entry, "step", source).item<double>());
      optimizer.state()[stateKey(p)] =
          r.optimizer == OptimizerKind::Adam
              ? adamState<torch::optim::AdamParamState>(step, onDevice("exp_avg"), onDevice("exp_avg_sq"))
              : adamState<torch::optim::AdamWParamState>(step, onDevice("exp_avg"), onDevice("exp_avg_sq"));
    }
  }
}

bool LossScaler::unscale(const std::vector<torch::Tensor>& params) {
  if (!enabled_) return true;
  bool finite = true;
  for (const torch::Tensor& p : params) {
    if (!p.grad().defined()) continue;
    p.mutable_grad().div_(scale_);
    finite = finite && p.grad().isfinite().all().item<bool>();
  }
  return finite;
}

void LossScaler::update(bool stepped) {
  if (!enabled_) return;
  if (!stepped) {
    scale_ *= 0.5;
    growthTracker_ = 0;
  } else if (++growthTracker_ == 2000) {
    scale_ *= 2.0;
    growthTracker_ = 0;
  }
}

c10::IValue LossScaler::stateDict() const {
  if (!enabled_) return c10::IValue();
  c10::impl::GenericDict d(c10::StringType::get(), c10::AnyType::get());
  d.insert("scale", scale_);
  d.insert("growth_factor", 2.0);
  d.insert("backoff_factor", 0.5);
  d.insert("growth_interval", static_cast<int64_t>(2000));
  d.insert("_growth_tracker", growthTracker_);
  return d;
}

void LossScaler::load(const models::PyRef& state) {
  if (!enabled_ || !state || !state->is<models::PyDict>()) return;
  if (const models::PyRef s = state->get("scale"); s && s->is<double>()) scale_ = s->as<double>();
  if (const models::PyRef g = state->get("_growth_tracker"); g && g->is<int64_t>()) growthTracker_ = g->as<int64_t>();
}

}  // namespace krait::engine
