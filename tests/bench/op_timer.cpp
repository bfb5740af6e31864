#include "op_timer.h"

#include <ATen/record_function.h>

#include <chrono>
#include <memory>
#include <thread>

namespace krait::bench {

namespace {

struct State {
  std::thread::id thread;
  int depth = 0;
  std::chrono::steady_clock::time_point start;
  std::map<std::string, double> seconds;
};
State* state = nullptr;

std::unique_ptr<at::ObserverContext> onStart(const at::RecordFunction&) {
  if (state && std::this_thread::get_id() == state->thread && state->depth++ == 0)
    state->start = std::chrono::steady_clock::now();
  return nullptr;
}

void onEnd(const at::RecordFunction& fn, at::ObserverContext*) {
  if (state && std::this_thread::get_id() == state->thread && --state->depth == 0)
    state->seconds[fn.name()] += std::chrono::duration<double>(std::chrono::steady_clock::now() - state->start).count();
}

at::CallbackHandle handle = 0;

}  // namespace

OpTimer::OpTimer() {
  state = new State{std::this_thread::get_id(), 0, {}, {}};
  handle = at::addGlobalCallback(at::RecordFunctionCallback(onStart, onEnd).scopes(
      {at::RecordScope::FUNCTION, at::RecordScope::USER_SCOPE}));
}

OpTimer::~OpTimer() {
  at::removeCallback(handle);
  delete state;
  state = nullptr;
}

const std::map<std::string, double>& OpTimer::seconds() const { return state->seconds; }

void OpTimer::clear() { state->seconds.clear(); }

}  // namespace krait::bench
