#include "krait/models/checkpoint/pickle.h"

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <map>
#include <stdexcept>

namespace krait::models {

PyRef PyValue::get(const std::string& key) const {
  if (!is<PyDict>()) return nullptr;
  for (const auto& [k, value] : as<PyDict>().items)
    if (k->is<std::string>() && k->as<std::string>() == key) return value;
  return nullptr;
}

std::string PyValue::describe() const {
  static const char* names[] = {"None", "bool", "int", "float", "str", "bytes", "list",
                                "tuple", "dict", "global", "storage", "object", "tensor"};
  return is<PyInstance>() ? as<PyInstance>().type : names[v.index()];
}

namespace {

template <typename T> PyRef make(T value) {
  auto p = std::make_shared<PyValue>();
  p->v = std::move(value);
  return p;
}

// Latin-1 text as bytes: protocol-2 pickles store bytes objects as _codecs.encode(text, 'latin1').
std::string latin1(const std::string& utf8) {
  std::string out;
  for (std::size_t i = 0; i < utf8.size(); ++i) {
    const auto c = static_cast<unsigned char>(utf8[i]);
    if (c < 0x80) {
      out += static_cast<char>(c);
    } else if ((c & 0xE0) == 0xC0 && i + 1 < utf8.size()) {
      out += static_cast<char>(((c & 0x1F) << 6) | (static_cast<unsigned char>(utf8[++i]) & 0x3F));
    } else {
      throw std::runtime_error("bytes text is not Latin-1");
    }
  }
  return out;
}

class Unpickler {
 public:
  Unpickler(const std::string& bytes, const StorageLoader& loader) : in_(bytes), loader_(loader) {}

  PyRef run() {
    for (;;) {
      const std::size_t at = pos_;
      const auto op = static_cast<unsigned char>(byte());
      if (op == '.') {
        if (stack_.empty()) fail(at, "empty stack at STOP");
        return stack_.back();
      }
      step(op, at);
    }
  }

 private:
  [[noreturn]] void fail(std::size_t at, const std::string& why) const {
    throw std::runtime_error("pickle offset " + std::to_string(at) + ": " + why);
  }
  char byte() {
    if (pos_ >= in_.size()) fail(pos_, "truncated");
    return in_[pos_++];
  }
  std::string take(std::size_t n) {
    if (n > in_.size() - pos_) fail(pos_, "truncated");
    std::string s = in_.substr(pos_, n);
    pos_ += n;
    return s;
  }
  template <typename T> T little() {
    T v{};
    const std::string b = take(sizeof(T));
    std::memcpy(&v, b.data(), sizeof(T));
    return v;
  }
  std::string line() {
    const std::size_t end = in_.find('\n', pos_);
    if (end == std::string::npos) fail(pos_, "unterminated line");
    std::string s = in_.substr(pos_, end - pos_);
    pos_ = end + 1;
    return s;
  }
  PyRef pop() {
    if (stack_.empty()) fail(pos_, "stack underflow");
    PyRef v = stack_.back();
    stack_.pop_back();
    return v;
  }
  std::vector<PyRef> popToMark() {
    if (marks_.empty()) fail(pos_, "no MARK");
    const std::size_t m = marks_.back();
    marks_.pop_back();
    std::vector<PyRef> items(stack_.begin() + static_cast<long>(m), stack_.end());
    stack_.resize(m);
    return items;
  }
  PyRef& top() {
    if (stack_.empty()) fail(pos_, "stack underflow");
    return stack_.back();
  }
  void setItems(PyRef& target, const std::vector<PyRef>& kv, std::size_t at) {
    if (!target->is<PyDict>()) fail(at, "SETITEM on a " + target->describe());
    for (std::size_t i = 0; i + 1 < kv.size(); i += 2) target->as<PyDict>().items.emplace_back(kv[i], kv[i + 1]);
  }
  void append(PyRef& target, const std::vector<PyRef>& items, std::size_t at) {
    if (target->is<PyList>()) {
      auto& list = target->as<PyList>().items;
      list.insert(list.end(), items.begin(), items.end());
    } else if (!target->is<PyInstance>()) {  // appending to an opaque object: its contents are not needed
      fail(at, "APPEND on a " + target->describe());
    }
  }

  PyRef call(const PyRef& callee, const PyRef& argsRef, std::size_t at);
  void step(unsigned char op, std::size_t at);

  const std::string& in_;
  const StorageLoader& loader_;
  std::size_t pos_ = 0;
  std::vector<PyRef> stack_;
  std::vector<std::size_t> marks_;
  std::map<uint32_t, PyRef> memo_;
};

std::vector<int64_t> intsOf(const PyRef& v) {
  std::vector<int64_t> out;
  for (const auto& item : v->as<PyTuple>().items) out.push_back(item->as<int64_t>());
  return out;
}

PyRef Unpickler::call(const PyRef& callee, const PyRef& argsRef, std::size_t at) {
  if (!argsRef->is<PyTuple>()) fail(at, "REDUCE arguments are not a tuple");
  const auto& args = argsRef->as<PyTuple>().items;
  const std::string name = callee->is<PyGlobal>() ? callee->as<PyGlobal>().qualified() : callee->describe();
  try {
    if (name == "collections.OrderedDict") return make(PyDict{});
    if (name == "torch._utils._rebuild_tensor_v2" || name == "torch._utils._rebuild_tensor") {
      const torch::Tensor& flat = args.at(0)->as<PyStorage>().flat;
      return make(flat.as_strided(intsOf(args.at(2)), intsOf(args.at(3)), args.at(1)->as<int64_t>()));
    }
    if (name == "torch._utils._rebuild_parameter" || name == "torch._utils._rebuild_parameter_with_state")
      return args.at(0);
    if (name == "torch._tensor._rebuild_from_type_v2") return call(args.at(0), args.at(2), at);
    // LibTorch's pickler (torch::pickle_save: Krait's own checkpoints) tags typed containers with their type.
    if (name == "torch.jit._pickle.restore_type_tag") return args.at(0);
    if (name == "_codecs.encode") return make(PyBytes{latin1(args.at(0)->as<std::string>())});
    // numpy 1 and numpy 2 name the same function differently.
    if ((name == "numpy.core.multiarray.scalar" || name == "numpy._core.multiarray.scalar") && args.size() == 2 && args[0]->is<PyInstance>() && args[1]->is<PyBytes>()) {
      // numpy scalars in nnU-Net's logging: float64 and int64 are decoded, others stay opaque.
      const auto& dtype = args[0]->as<PyInstance>();
      const std::string& raw = args[1]->as<PyBytes>().data;
      const std::string code = !dtype.args.empty() && dtype.args[0]->is<std::string>() ? dtype.args[0]->as<std::string>() : "";
      if (code == "f8" && raw.size() == 8) {
        double d;
        std::memcpy(&d, raw.data(), 8);
        return make(d);
      }
      if (code == "i8" && raw.size() == 8) {
        int64_t i;
        std::memcpy(&i, raw.data(), 8);
        return make(i);
      }
    }
  } catch (const std::bad_variant_access&) {
    fail(at, "unexpected arguments to " + name);
  } catch (const std::out_of_range&) {
    fail(at, "too few arguments to " + name);
  }
  return make(PyInstance{name, args, nullptr});
}

void Unpickler::step(unsigned char op, std::size_t at) {
  switch (op) {
    case 0x80: byte(); break;              // PROTO
    case 0x95: little<uint64_t>(); break;  // FRAME
    case '(': marks_.push_back(stack_.size()); break;
    case '}': stack_.push_back(make(PyDict{})); break;
    case ']': stack_.push_back(make(PyList{})); break;
    case ')': stack_.push_back(make(PyTuple{})); break;
    case 0x8f: stack_.push_back(make(PyList{})); break;  // EMPTY_SET: kept as a list
    case 'N': stack_.push_back(make(PyNone{})); break;
    case 0x88: stack_.push_back(make(true)); break;
    case 0x89: stack_.push_back(make(false)); break;
    case 'J': stack_.push_back(make(static_cast<int64_t>(little<int32_t>()))); break;
    case 'K': stack_.push_back(make(static_cast<int64_t>(static_cast<uint8_t>(byte())))); break;
    case 'M': stack_.push_back(make(static_cast<int64_t>(little<uint16_t>()))); break;
    case 0x8a: {  // LONG1: little-endian two's complement of n bytes
      const auto n = static_cast<uint8_t>(byte());
      if (n > 8) fail(at, "integer wider than 64 bits");
      const std::string b = take(n);
      uint64_t u = 0;
      for (std::size_t i = 0; i < n; ++i) u |= static_cast<uint64_t>(static_cast<unsigned char>(b[i])) << (8 * i);
      if (n > 0 && n < 8 && (static_cast<unsigned char>(b[n - 1]) & 0x80)) u |= ~uint64_t{0} << (8 * n);
      stack_.push_back(make(static_cast<int64_t>(u)));
      break;
    }
    case 'G': {  // BINFLOAT: big-endian double
      std::string b = take(8);
      std::reverse(b.begin(), b.end());
      double d;
      std::memcpy(&d, b.data(), 8);
      stack_.push_back(make(d));
      break;
    }
    case 'X': stack_.push_back(make(take(little<uint32_t>()))); break;
    case 0x8c: stack_.push_back(make(take(static_cast<uint8_t>(byte())))); break;
    case 0x8d: stack_.push_back(make(take(little<uint64_t>()))); break;
    case 'B': stack_.push_back(make(PyBytes{take(little<uint32_t>())})); break;
    case 'C': stack_.push_back(make(PyBytes{take(static_cast<uint8_t>(byte()))})); break;
    case 0x8e: stack_.push_back(make(PyBytes{take(little<uint64_t>())})); break;
    case 'q': memo_[static_cast<uint8_t>(byte())] = top(); break;
    case 'r': memo_[little<uint32_t>()] = top(); break;
    case 0x94: memo_[static_cast<uint32_t>(memo_.size())] = top(); break;
    case 'h':
    case 'j': {
      const uint32_t key = op == 'h' ? static_cast<uint8_t>(byte()) : little<uint32_t>();
      const auto it = memo_.find(key);
      if (it == memo_.end()) fail(at, "memo key " + std::to_string(key) + " not set");
      stack_.push_back(it->second);
      break;
    }
    case 't': stack_.push_back(make(PyTuple{popToMark()})); break;
    case 0x85:
    case 0x86:
    case 0x87: {
      const std::size_t n = op - 0x84u;
      if (stack_.size() < n) fail(at, "stack underflow");
      PyTuple t{{stack_.end() - static_cast<long>(n), stack_.end()}};
      stack_.resize(stack_.size() - n);
      stack_.push_back(make(std::move(t)));
      break;
    }
    case 's': {
      PyRef value = pop(), key = pop();
      setItems(top(), {key, value}, at);
      break;
    }
    case 'u': {
      const auto kv = popToMark();
      setItems(top(), kv, at);
      break;
    }
    case 'a': {
      PyRef value = pop();
      append(top(), {value}, at);
      break;
    }
    case 'e':
    case 0x90: {  // APPENDS, ADDITEMS
      const auto items = popToMark();
      append(top(), items, at);
      break;
    }
    case 'c': {
      std::string module = line();
      std::string name = line();
      stack_.push_back(make(PyGlobal{module, name}));
      break;
    }
    case 0x93: {
      PyRef name = pop(), module = pop();
      if (!module->is<std::string>() || !name->is<std::string>()) fail(at, "STACK_GLOBAL needs two strings");
      stack_.push_back(make(PyGlobal{module->as<std::string>(), name->as<std::string>()}));
      break;
    }
    case 'R': {
      PyRef args = pop(), callee = pop();
      stack_.push_back(call(callee, args, at));
      break;
    }
    case 0x81: {  // NEWOBJ
      PyRef args = pop(), cls = pop();
      stack_.push_back(make(PyInstance{cls->is<PyGlobal>() ? cls->as<PyGlobal>().qualified() : cls->describe(),
                                     args->is<PyTuple>() ? args->as<PyTuple>().items : std::vector<PyRef>{}, nullptr}));
      break;
    }
    case 'b': {  // BUILD: object state; dict attributes (an OrderedDict's _metadata) are not needed
      PyRef state = pop();
      if (top()->is<PyInstance>()) top()->as<PyInstance>().state = state;
      break;
    }
    case 'Q': {
      PyRef pid = pop();
      if (!pid->is<PyTuple>()) fail(at, "persistent id is not a tuple");
      stack_.push_back(make(loader_(pid->as<PyTuple>())));
      break;
    }
    default: {
      char hex[8];
      std::snprintf(hex, sizeof hex, "0x%02x", op);
      fail(at, std::string("unsupported pickle opcode ") + hex);
    }
  }
}

}  // namespace

PyRef unpickle(const std::string& bytes, const StorageLoader& loadStorage) {
  return Unpickler(bytes, loadStorage).run();
}

}  // namespace krait::models
