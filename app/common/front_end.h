#pragma once
// What both front ends (krait, krait-studio) do before anything else, so that they agree: the engine's set-up
// (threads, memory cache, plugins) and the plugins' volume readers made part of krait::io, so that every image
// either front end opens may come from a plugin's reader.
#include <string>
#include <vector>

#include "krait/engine/engine.h"

namespace krait::app {

// initEngine(options), then plugin volume readers registered with krait::io (once).
EngineInfo startEngine(const EngineOptions& options = {});

// One line per plugin that was skipped: "<file>: <reason>".
std::vector<std::string> skippedPlugins();

}  // namespace krait::app
