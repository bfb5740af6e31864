// The unpickler against hostile pickles (issue 23): names outside the allow-list, calls of call results,
// reference cycles, deep nesting, exponential sharing, huge lengths and tensors outside their storage are refused
// with an error naming the problem; nothing runs and nothing is allocated from an unchecked size.
#include <gtest/gtest.h>

#include <caffe2/serialize/inline_container.h>

#include <filesystem>
#include <fstream>

#include "krait/base/error.h"
#include "krait/models/checkpoint/pickle.h"
#include "krait/models/checkpoint/torch_save.h"
#include "testdata.h"

using namespace krait::models;
using namespace std::string_literals;  // literals with NUL bytes in them

namespace {

// Small builders for protocol-2/4 opcodes.
std::string u32(uint32_t n) { return std::string(reinterpret_cast<const char*>(&n), 4); }
std::string u64(uint64_t n) { return std::string(reinterpret_cast<const char*>(&n), 8); }
std::string text(const std::string& s) { return "X" + u32(static_cast<uint32_t>(s.size())) + s; }
std::string global(const std::string& module, const std::string& name) { return "c" + module + "\n" + name + "\n"; }
std::string stackGlobal(const std::string& module, const std::string& name) { return text(module) + text(name) + "\x93"; }

const StorageLoader kNoStorages = [](const PyTuple&) -> PyStorage { throw std::runtime_error("no storages"); };

// The message of the error that unpickling `p` throws ("" when it does not throw).
std::string refusal(const std::string& p, const StorageLoader& loader = kNoStorages) {
  try {
    unpickle(p, loader);
  } catch (const std::runtime_error& e) {
    return e.what();
  }
  return "";
}

const std::filesystem::path kMarker = "/tmp/krait-pickle-must-not-exist";

}  // namespace

TEST(PickleSafety, ImportsOutsideTheAllowListAreRefusedAndNothingRuns) {
  std::filesystem::remove(kMarker);
  const std::string touch = text("touch " + kMarker.string());
  const std::vector<std::pair<std::string, std::string>> attempts{
      {"os.system", "\x80\x02" + global("os", "system") + touch + "\x85R."},
      {"posix.system", "\x80\x02" + global("posix", "system") + touch + "\x85R."},
      {"builtins.eval", "\x80\x04" + stackGlobal("builtins", "eval") + text("__import__('os')") + "\x85R."},
      {"builtins.exec", "\x80\x04" + stackGlobal("builtins", "exec") + text("1") + "\x85R."},
      {"subprocess.Popen", "\x80\x02" + global("subprocess", "Popen") + "]" + touch + "a\x85\x81."},  // NEWOBJ
      {"torch.load", "\x80\x02" + global("torch", "load") + touch + "\x85R."},
      {"numpy.load", "\x80\x02" + global("numpy", "load") + touch + "\x85R."},
  };
  for (const auto& [name, p] : attempts) {
    const std::string why = refusal(p);
    EXPECT_NE(why.find("refuses to import " + name), std::string::npos) << name << ": " << why;
  }
  EXPECT_FALSE(std::filesystem::exists(kMarker));
}

TEST(PickleSafety, CallsOfAnythingButAnAllowedNameAreRefused) {
  // OrderedDict()() : REDUCE on the result of a REDUCE.
  const std::string nested = "\x80\x02" + global("collections", "OrderedDict") + ")R)R.";
  EXPECT_NE(refusal(nested).find("REDUCE on a dict"), std::string::npos) << refusal(nested);
  // NEWOBJ of a string (not a class name).
  EXPECT_NE(refusal("\x80\x02" + text("os.system") + ")\x81.").find("NEWOBJ of a str"), std::string::npos);
  // _rebuild_from_type_v2 wrapping itself, the way to recurse without bound.
  const std::string self = "\x80\x02" + global("torch._tensor", "_rebuild_from_type_v2") + "q\x00(h\x00"s +
                           global("torch", "Tensor") + ")}tR.";
  EXPECT_NE(refusal(self).find("_rebuild_from_type_v2 of something other"), std::string::npos) << refusal(self);
}

TEST(PickleSafety, ReferenceCyclesAreRefused) {
  // l = []; l.append(l)
  EXPECT_NE(refusal("\x80\x02]q\x00h\x00" "a."s).find("cycle"), std::string::npos);
  // d = {}; d['k'] = [d]
  EXPECT_NE(refusal("\x80\x02}q\x00"s + text("k") + "]h\x00" "as."s).find("cycle"), std::string::npos);
  // An object whose BUILD state holds the object itself.
  EXPECT_NE(refusal("\x80\x02" + global("torch", "device") + text("cpu") + "\x85Rq\x01h\x01" "b.").find("cycle"),
            std::string::npos);
  // A cycle left on the stack under the result is taken apart too (leak checking in the sanitizer build sees it).
  EXPECT_EQ(unpickle("\x80\x02]q\x00h\x00" "aK\x07."s, kNoStorages)->as<int64_t>(), 7);
}

TEST(PickleSafety, DeepNestingIsRefusedWithoutExhaustingTheStack) {
  // 200,000 nested lists: [[[...]]] built bottom-up, as a crafted 400 KB pickle can.
  const int depth = 200000;
  const std::string deep = "\x80\x02" + std::string(depth, ']') + std::string(depth - 1, 'a') + ".";
  EXPECT_NE(refusal(deep).find("nested more than 256 deep"), std::string::npos);
  // The same depth left on the stack under a valid result is freed without recursion.
  EXPECT_EQ(unpickle("\x80\x02" + std::string(depth, ']') + std::string(depth - 1, 'a') + "K\x07.", kNoStorages)->as<int64_t>(), 7);
  // A real checkpoint's depth is accepted.
  EXPECT_TRUE(unpickle("\x80\x02" + std::string(100, ']') + std::string(99, 'a') + ".", kNoStorages)->is<PyList>());
}

TEST(PickleSafety, SharedReferencesCannotStandForAnAstronomicalTree) {
  // l0 = []; l(k+1) = [l(k), l(k)]: 80 levels stand for 2^80 objects in under 1 KB.
  std::string p = "\x80\x02]q\x00"s;
  for (int k = 0; k < 80; ++k) p += "]h" + std::string(1, static_cast<char>(k)) + "ah" + std::string(1, static_cast<char>(k)) + "aq" + std::string(1, static_cast<char>(k + 1));
  p += ".";
  EXPECT_NE(refusal(p).find("more than 50000000 objects"), std::string::npos) << refusal(p);
}

TEST(PickleSafety, MalformedStacksAndLengthsAreRefused) {
  // MARK, then the stack popped below it (SETITEM), then TUPLE: the mark is no longer on the stack.
  EXPECT_NE(refusal("\x80\x02}N(Nst.").find("popped below its MARK"), std::string::npos);
  // Lengths far beyond the data.
  EXPECT_NE(refusal("\x80\x02X" + u32(0xfffffff0u) + "ab.").find("truncated"), std::string::npos);
  EXPECT_NE(refusal("\x80\x04\x8d" + u64(uint64_t{1} << 63) + "ab.").find("truncated"), std::string::npos);
  EXPECT_NE(refusal("\x80\x04\x8e" + u64(~uint64_t{0}) + "ab.").find("truncated"), std::string::npos);
  // SETITEMS with an odd number of items.
  EXPECT_NE(refusal("\x80\x02}(K\x01u.").find("key but no value"), std::string::npos);
}

TEST(PickleSafety, TensorsMustLieInsideTheirStorage) {
  const StorageLoader four = [](const PyTuple&) { return PyStorage{torch::arange(4, torch::kFloat32)}; };
  const auto tensor = [](const std::string& offset, const std::string& sizes, const std::string& strides) {
    return "\x80\x02" + global("torch._utils", "_rebuild_tensor_v2") + "((" + text("storage") +
           global("torch", "FloatStorage") + text("0") + text("cpu") + "K\x04tQ" + offset + sizes + strides +
           "\x89" + global("collections", "OrderedDict") + ")RtR.";
  };
  const PyRef ok = unpickle(tensor("K\x01", "K\x03\x85", "K\x01\x85"), four);
  EXPECT_TRUE(torch::equal(ok->as<torch::Tensor>(), torch::tensor({1.0f, 2.0f, 3.0f})));
  EXPECT_NE(refusal(tensor("K\x01", "K\x04\x85", "K\x01\x85"), four).find("reaches element 4 of a storage of 4"), std::string::npos);
  EXPECT_NE(refusal(tensor("K\x00"s, "K\x02\x85", "J\xff\xff\xff\xff\x85"), four).find("negative size or stride"), std::string::npos);
  EXPECT_NE(refusal(tensor("J\xff\xff\xff\xff", "K\x01\x85", "K\x01\x85"), four).find("offset is negative"), std::string::npos);
  EXPECT_NE(refusal(tensor("K\x00"s, "\x8a\x08" + u64(uint64_t{1} << 62) + "K\x02\x86", "\x8a\x08" + u64(uint64_t{1} << 62) + "K\x01\x86"), four)
                .find("overflows"), std::string::npos);
  // An empty view needs no element of the storage.
  EXPECT_EQ(unpickle(tensor("K\x04", "K\x00\x85"s, "K\x01\x85"), four)->as<torch::Tensor>().numel(), 0);
}

TEST(PickleSafety, AStorageIsCheckedAgainstItsRecordBeforeItIsAllocated) {
  // A real torch.save layout (PyTorch's own zip writer) whose pickle claims 2^61 floats for a 16-byte record.
  krait::test::TempDir dir;
  const std::filesystem::path file = dir / "huge_storage.pth";
  {
    caffe2::serialize::PyTorchStreamWriter writer(file.string());
    const std::string pkl = "\x80\x02" + global("torch._utils", "_rebuild_tensor_v2") + "((" + text("storage") +
                            global("torch", "FloatStorage") + text("0") + text("cpu") + "\x8a\x08" +
                            u64(uint64_t{1} << 61) + "tQK\x00K\x01\x85K\x01\x85\x89"s +
                            global("collections", "OrderedDict") + ")RtR.";
    writer.writeRecord("data.pkl", pkl.data(), pkl.size());
    const float data[4] = {1, 2, 3, 4};
    writer.writeRecord("data/0", data, sizeof data);
  }
  try {
    readTorchSave(file);
    FAIL() << "accepted";
  } catch (const krait::Error& e) {
    EXPECT_NE(std::string(e.what()).find("holds 16 bytes, not 2305843009213693952 elements"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find(file.string()), std::string::npos) << e.what();
  }
}
