#include "npy.h"

#include <torch/torch.h>

#include <cstring>
#include <fstream>
#include <regex>
#include <stdexcept>

namespace krait::test {

torch::Tensor readNpy(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error(path.string() + ": cannot open");
  char magic[8];
  in.read(magic, 8);
  if (!in || std::memcmp(magic, "\x93NUMPY", 6) != 0) throw std::runtime_error(path.string() + ": not a .npy file");
  uint32_t headerLength = 0;
  if (magic[6] == 1) {
    uint16_t n = 0;
    in.read(reinterpret_cast<char*>(&n), 2);
    headerLength = n;
  } else {
    in.read(reinterpret_cast<char*>(&headerLength), 4);
  }
  std::string header(headerLength, '\0');
  in.read(header.data(), headerLength);
  std::smatch m;
  if (!std::regex_search(header, m, std::regex(R"('descr':\s*'([<|>](?:[fi][48]|[ub]1))')")))
    throw std::runtime_error(path.string() + ": no dtype in header");
  const std::string descr = m[1];
  if (std::regex_search(header, std::regex(R"('fortran_order':\s*True)")))
    throw std::runtime_error(path.string() + ": Fortran order is not supported");
  if (!std::regex_search(header, m, std::regex(R"('shape':\s*\(([^)]*)\))")))
    throw std::runtime_error(path.string() + ": no shape in header");
  std::vector<int64_t> shape;
  const std::string dims = m[1];
  const std::regex number(R"(\d+)");
  for (std::sregex_iterator it(dims.begin(), dims.end(), number), end; it != end; ++it)
    shape.push_back(std::stoll(it->str()));
  const torch::ScalarType type = descr == "<f4"   ? torch::kFloat32
                                 : descr == "<f8" ? torch::kFloat64
                                 : descr == "<i8" ? torch::kInt64
                                 : descr == "<i4" ? torch::kInt32
                                 : descr == "|u1" ? torch::kUInt8
                                 : descr == "|b1" ? torch::kBool
                                                  : throw std::runtime_error(path.string() + ": dtype " + descr);
  torch::Tensor t = torch::empty(shape, type);
  in.read(static_cast<char*>(t.data_ptr()), static_cast<std::streamsize>(t.nbytes()));
  if (!in) throw std::runtime_error(path.string() + ": truncated");
  return t;
}

void writeNpy(const torch::Tensor& tensor, const std::filesystem::path& path) {
  const torch::Tensor t = tensor.contiguous().cpu();
  const char* descr = t.scalar_type() == torch::kFloat32 ? "<f4"
                      : t.scalar_type() == torch::kInt16 ? "<i2"
                      : t.scalar_type() == torch::kUInt8 ? "|u1"
                                                          : throw std::runtime_error("writeNpy: unsupported dtype");
  std::string shape;
  for (int64_t d : t.sizes()) shape += std::to_string(d) + ", ";
  std::string header = std::string("{'descr': '") + descr + "', 'fortran_order': False, 'shape': (" + shape + "), }";
  header.append(64 - (10 + header.size() + 1) % 64, ' ');
  header += '\n';
  std::ofstream out(path, std::ios::binary);
  const auto length = static_cast<uint16_t>(header.size());
  out.write("\x93NUMPY\x01\x00", 8);
  out.put(static_cast<char>(length & 0xff)).put(static_cast<char>(length >> 8));
  out << header;
  out.write(static_cast<const char*>(t.data_ptr()), static_cast<std::streamsize>(t.nbytes()));
  if (!out) throw std::runtime_error(path.string() + ": cannot write");
}

}  // namespace krait::test
