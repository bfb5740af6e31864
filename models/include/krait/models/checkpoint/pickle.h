#pragma once
// A small, safe reader for the Python pickles inside PyTorch checkpoints. It understands the opcodes that
// torch.save and nnU-Net's checkpoints use, never runs code: a global it does not know becomes an opaque
// PyInstance carrying its name and arguments. Tensors are rebuilt from the checkpoint's raw storages.
#include <torch/types.h>

#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <variant>
#include <vector>

namespace krait::models {

struct PyValue;
using PyRef = std::shared_ptr<PyValue>;

struct PyNone {};
struct PyBytes { std::string data; };
struct PyList { std::vector<PyRef> items; };
struct PyTuple { std::vector<PyRef> items; };
struct PyDict { std::vector<std::pair<PyRef, PyRef>> items; };
struct PyGlobal { std::string module, name; std::string qualified() const { return module + "." + name; } };
// A storage of a checkpoint: a flat tensor of its dtype, shared by every tensor that views it.
struct PyStorage { torch::Tensor flat; };
// An instance of a class the reader does not interpret (torch.device, numpy.dtype, ...).
struct PyInstance { std::string type; std::vector<PyRef> args; PyRef state; };

struct PyValue {
  std::variant<PyNone, bool, int64_t, double, std::string, PyBytes, PyList, PyTuple, PyDict, PyGlobal, PyStorage,
               PyInstance, torch::Tensor>
      v;

  template <typename T> bool is() const { return std::holds_alternative<T>(v); }
  template <typename T> const T& as() const { return std::get<T>(v); }
  template <typename T> T& as() { return std::get<T>(v); }
  // Dict lookup by string key; nullptr when absent or not a dict.
  PyRef get(const std::string& key) const;
  std::string describe() const;  // short type name for error messages
};

// Given a persistent id tuple ('storage', type, key, location, numel), returns that storage.
using StorageLoader = std::function<PyStorage(const PyTuple& persistentId)>;

// Throws std::runtime_error with the offending opcode and offset on anything malformed or unsupported.
PyRef unpickle(const std::string& bytes, const StorageLoader& loadStorage);

}  // namespace krait::models
