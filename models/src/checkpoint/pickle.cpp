#include "krait/models/checkpoint/pickle.h"

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <map>
#include <set>
#include <stdexcept>
#include <unordered_map>
#include <unordered_set>

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

// The only globals a pickle may name: what torch.save (PyTorch 1.x and 2.x), LibTorch's pickler and nnU-Net's
// checkpoints use. Anything else (os.system, builtins.eval, subprocess.Popen, ...) is refused where the pickle
// names it, so a hostile checkpoint fails with the name in the error instead of loading as an opaque object.
// None of these is ever called: the reader interprets the rebuild functions itself and keeps the rest opaque.
bool allowedGlobal(const std::string& module, const std::string& name) {
  static const std::set<std::string> names{
      "collections.OrderedDict", "torch._utils._rebuild_tensor", "torch._utils._rebuild_tensor_v2",
      "torch._utils._rebuild_parameter", "torch._utils._rebuild_parameter_with_state",
      "torch._tensor._rebuild_from_type_v2", "torch.nn.parameter.Parameter", "torch.Tensor", "torch.Size",
      "torch.device", "torch.jit._pickle.restore_type_tag", "torch.jit._pickle.build_intlist",
      "torch.jit._pickle.build_doublelist", "torch.jit._pickle.build_boollist", "torch.jit._pickle.build_tensorlist",
      "_codecs.encode", "numpy.dtype", "numpy.ndarray", "numpy.core.multiarray.scalar",
      "numpy._core.multiarray.scalar", "numpy.core.multiarray._reconstruct", "numpy._core.multiarray._reconstruct",
      "builtins.set", "builtins.frozenset", "__builtin__.set", "__builtin__.frozenset"};
  static const std::set<std::string> torchTypes{  // storage classes and dtypes, which torch.save names bare
      "FloatStorage", "DoubleStorage", "HalfStorage", "BFloat16Storage", "LongStorage", "IntStorage",
      "ShortStorage", "CharStorage", "ByteStorage", "BoolStorage", "float32", "float64", "float16", "bfloat16",
      "int64", "int32", "int16", "int8", "uint8", "bool"};
  return names.count(module + "." + name) || (module == "torch" && torchTypes.count(name));
}

// Bounds on what a checkpoint's object graph may be. Real ones nest about ten levels and hold thousands of
// objects; the bounds keep a crafted pickle from exhausting the stack (recursive destruction, recursive readers
// of the result) or, through shared references, making a small file stand for an astronomically large tree.
constexpr std::size_t kMaxDepth = 256;
constexpr uint64_t kMaxTreeSize = 50'000'000;

// The children of a container value, or nothing for a leaf.
template <typename F> void forEachChild(PyValue& v, F&& f) {
  if (v.is<PyList>()) for (auto& c : v.as<PyList>().items) f(c);
  else if (v.is<PyTuple>()) for (auto& c : v.as<PyTuple>().items) f(c);
  else if (v.is<PyDict>()) for (auto& [k, c] : v.as<PyDict>().items) { f(k); f(c); }
  else if (v.is<PyInstance>()) {
    for (auto& c : v.as<PyInstance>().args) f(c);
    if (v.as<PyInstance>().state) f(v.as<PyInstance>().state);
  }
}

bool isContainer(const PyValue& v) { return v.is<PyList>() || v.is<PyTuple>() || v.is<PyDict>() || v.is<PyInstance>(); }

class Unpickler {
 public:
  Unpickler(const std::string& bytes, const StorageLoader& loader) : in_(bytes), loader_(loader) {}
  Unpickler(const Unpickler&) = delete;
  Unpickler& operator=(const Unpickler&) = delete;
  // Whatever was not handed out whole is taken apart one container at a time: a cyclic or very deep graph
  // would otherwise leak (shared_ptr cycles) or overflow the stack in recursive destructors.
  ~Unpickler() {
    stack_.clear();
    memo_.clear();
    for (const PyRef& c : containers_) {
      if (kept_.count(c.get())) continue;  // part of the result handed out
      std::vector<PyRef> children;
      forEachChild(*c, [&](PyRef& child) { children.push_back(std::move(child)); });
    }
  }

  PyRef run() {
    for (;;) {
      const std::size_t at = pos_;
      const auto op = static_cast<unsigned char>(byte());
      if (op == '.') {
        if (stack_.empty()) fail(at, "empty stack at STOP");
        PyRef result = stack_.back();
        checkGraph(result, at);
        return result;
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
    if (m > stack_.size()) fail(pos_, "the stack was popped below its MARK");
    std::vector<PyRef> items(stack_.begin() + static_cast<long>(m), stack_.end());
    stack_.resize(m);
    return items;
  }
  PyRef& top() {
    if (stack_.empty()) fail(pos_, "stack underflow");
    return stack_.back();
  }
  // A new value on the stack; containers are also kept in containers_ for the destructor.
  void pushRef(PyRef p) {
    if (isContainer(*p)) containers_.push_back(p);
    stack_.push_back(std::move(p));
  }
  template <typename T> void push(T value) { pushRef(make(std::move(value))); }
  void pushGlobal(std::string module, std::string name, std::size_t at) {
    if (!allowedGlobal(module, name))
      fail(at, "refuses to import " + module + "." + name + ": not a name that PyTorch checkpoints use (a pickle "
               "that names it could run code in Python; Krait never runs any)");
    push(PyGlobal{std::move(module), std::move(name)});
  }
  void setItems(PyRef& target, const std::vector<PyRef>& kv, std::size_t at) {
    if (!target->is<PyDict>()) fail(at, "SETITEM on a " + target->describe());
    if (kv.size() % 2) fail(at, "SETITEMS with a key but no value");
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
  PyRef rebuildTensor(const std::vector<PyRef>& args, std::size_t at);
  void checkGraph(const PyRef& root, std::size_t at);
  void step(unsigned char op, std::size_t at);

  const std::string& in_;
  const StorageLoader& loader_;
  std::size_t pos_ = 0;
  std::vector<PyRef> stack_;
  std::vector<std::size_t> marks_;
  std::map<uint32_t, PyRef> memo_;
  std::vector<PyRef> containers_;
  std::unordered_set<const PyValue*> kept_;  // the containers of the accepted result
};

std::vector<int64_t> intsOf(const PyRef& v) {
  std::vector<int64_t> out;
  for (const auto& item : v->as<PyTuple>().items) out.push_back(item->as<int64_t>());
  return out;
}

// torch._utils._rebuild_tensor_v2(storage, offset, size, stride, ...): a view of a storage, checked to lie inside it.
PyRef Unpickler::rebuildTensor(const std::vector<PyRef>& args, std::size_t at) {
  const torch::Tensor& flat = args.at(0)->as<PyStorage>().flat;
  const int64_t offset = args.at(1)->as<int64_t>();
  const std::vector<int64_t> sizes = intsOf(args.at(2)), strides = intsOf(args.at(3));
  if (sizes.size() != strides.size()) fail(at, "a tensor's sizes and strides differ in length");
  if (offset < 0) fail(at, "a tensor's storage offset is negative");
  // The last element's index, offset + sum((size - 1) * stride), must lie inside the storage (an empty view
  // needs none of it); each step is checked for overflow.
  bool empty = false;
  int64_t last = offset;
  for (std::size_t i = 0; i < sizes.size(); ++i) {
    if (sizes[i] < 0 || strides[i] < 0) fail(at, "a tensor has a negative size or stride");
    if (sizes[i] == 0) empty = true;
    int64_t span = 0;
    if (sizes[i] > 0 && (__builtin_mul_overflow(sizes[i] - 1, strides[i], &span) || __builtin_add_overflow(last, span, &last)))
      fail(at, "a tensor's extent overflows");
  }
  if (!empty && last >= flat.numel())
    fail(at, "a tensor reaches element " + std::to_string(last) + " of a storage of " + std::to_string(flat.numel()));
  return make(flat.as_strided(sizes, strides, offset));
}

PyRef Unpickler::call(const PyRef& callee, const PyRef& argsRef, std::size_t at) {
  // Only a name the allow-list let through can be called; the result of a call (nested REDUCE) cannot.
  if (!callee->is<PyGlobal>()) fail(at, "REDUCE on a " + callee->describe() + " (only named functions can be called)");
  if (!argsRef->is<PyTuple>()) fail(at, "REDUCE arguments are not a tuple");
  const auto& args = argsRef->as<PyTuple>().items;
  const std::string name = callee->as<PyGlobal>().qualified();
  try {
    if (name == "collections.OrderedDict") return make(PyDict{});
    if (name == "torch._utils._rebuild_tensor_v2" || name == "torch._utils._rebuild_tensor") return rebuildTensor(args, at);
    if (name == "torch._utils._rebuild_parameter" || name == "torch._utils._rebuild_parameter_with_state")
      return args.at(0);
    if (name == "torch._tensor._rebuild_from_type_v2") {  // (function, type, args, state): the function's result
      const PyRef& inner = args.at(0);
      if (!inner->is<PyGlobal>() || inner->as<PyGlobal>().qualified() == name)
        fail(at, "_rebuild_from_type_v2 of something other than a tensor rebuild");
      return call(inner, args.at(2), at);
    }
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

// Walks the result once, without recursion: refuses cycles, nesting deeper than kMaxDepth and graphs whose shared
// references stand for a tree of more than kMaxTreeSize objects; remembers the containers handed out.
void Unpickler::checkGraph(const PyRef& root, std::size_t at) {
  if (!isContainer(*root)) return;
  struct Frame {
    PyValue* value;
    std::vector<PyValue*> children;
    std::size_t next = 0;
    uint64_t treeSize = 1;
  };
  std::unordered_map<const PyValue*, uint64_t> done;  // finished containers and their tree sizes
  std::unordered_set<const PyValue*> onPath;
  std::vector<Frame> path;
  const auto enter = [&](PyValue* v) {
    if (path.size() >= kMaxDepth) fail(at, "objects nested more than " + std::to_string(kMaxDepth) + " deep");
    Frame f{v, {}};
    forEachChild(*v, [&](PyRef& c) { f.children.push_back(c.get()); });
    onPath.insert(v);
    path.push_back(std::move(f));
  };
  enter(root.get());
  while (!path.empty()) {
    Frame& f = path.back();
    if (f.next < f.children.size()) {
      PyValue* child = f.children[f.next++];
      if (!isContainer(*child)) {
        ++f.treeSize;
      } else if (onPath.count(child)) {
        fail(at, "an object contains itself (a reference cycle)");
      } else if (const auto it = done.find(child); it != done.end()) {
        f.treeSize += it->second;
      } else {
        enter(child);  // invalidates f
      }
      continue;
    }
    if (f.treeSize > kMaxTreeSize)
      fail(at, "shared references make the pickle stand for more than " + std::to_string(kMaxTreeSize) + " objects");
    const uint64_t size = f.treeSize;
    done[f.value] = size;
    onPath.erase(f.value);
    path.pop_back();
    if (!path.empty()) path.back().treeSize += size;
  }
  for (const auto& [v, size] : done) kept_.insert(v);
}

void Unpickler::step(unsigned char op, std::size_t at) {
  switch (op) {
    case 0x80: byte(); break;              // PROTO
    case 0x95: little<uint64_t>(); break;  // FRAME
    case '(': marks_.push_back(stack_.size()); break;
    case '}': push(PyDict{}); break;
    case ']': push(PyList{}); break;
    case ')': push(PyTuple{}); break;
    case 0x8f: push(PyList{}); break;  // EMPTY_SET: kept as a list
    case 'N': push(PyNone{}); break;
    case 0x88: push(true); break;
    case 0x89: push(false); break;
    case 'J': push(static_cast<int64_t>(little<int32_t>())); break;
    case 'K': push(static_cast<int64_t>(static_cast<uint8_t>(byte()))); break;
    case 'M': push(static_cast<int64_t>(little<uint16_t>())); break;
    case 0x8a: {  // LONG1: little-endian two's complement of n bytes
      const auto n = static_cast<uint8_t>(byte());
      if (n > 8) fail(at, "integer wider than 64 bits");
      const std::string b = take(n);
      uint64_t u = 0;
      for (std::size_t i = 0; i < n; ++i) u |= static_cast<uint64_t>(static_cast<unsigned char>(b[i])) << (8 * i);
      if (n > 0 && n < 8 && (static_cast<unsigned char>(b[n - 1]) & 0x80)) u |= ~uint64_t{0} << (8 * n);
      push(static_cast<int64_t>(u));
      break;
    }
    case 'G': {  // BINFLOAT: big-endian double
      std::string b = take(8);
      std::reverse(b.begin(), b.end());
      double d;
      std::memcpy(&d, b.data(), 8);
      push(d);
      break;
    }
    case 'X': push(take(little<uint32_t>())); break;
    case 0x8c: push(take(static_cast<uint8_t>(byte()))); break;
    case 0x8d: push(take(little<uint64_t>())); break;
    case 'B': push(PyBytes{take(little<uint32_t>())}); break;
    case 'C': push(PyBytes{take(static_cast<uint8_t>(byte()))}); break;
    case 0x8e: push(PyBytes{take(little<uint64_t>())}); break;
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
    case 't': push(PyTuple{popToMark()}); break;
    case 0x85:
    case 0x86:
    case 0x87: {
      const std::size_t n = op - 0x84u;
      if (stack_.size() < n) fail(at, "stack underflow");
      PyTuple t{{stack_.end() - static_cast<long>(n), stack_.end()}};
      stack_.resize(stack_.size() - n);
      push(std::move(t));
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
      pushGlobal(std::move(module), std::move(name), at);
      break;
    }
    case 0x93: {
      PyRef name = pop(), module = pop();
      if (!module->is<std::string>() || !name->is<std::string>()) fail(at, "STACK_GLOBAL needs two strings");
      pushGlobal(module->as<std::string>(), name->as<std::string>(), at);
      break;
    }
    case 'R': {
      PyRef args = pop(), callee = pop();
      pushRef(call(callee, args, at));
      break;
    }
    case 0x81: {  // NEWOBJ: cls.__new__(cls, *args), kept opaque
      PyRef args = pop(), cls = pop();
      if (!cls->is<PyGlobal>()) fail(at, "NEWOBJ of a " + cls->describe() + " (only named classes can be built)");
      push(PyInstance{cls->as<PyGlobal>().qualified(),
                      args->is<PyTuple>() ? args->as<PyTuple>().items : std::vector<PyRef>{}, nullptr});
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
      pushRef(make(loader_(pid->as<PyTuple>())));
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
