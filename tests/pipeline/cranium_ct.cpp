#include "cranium_ct.h"

#include <cstdlib>
#include <fstream>
#include <regex>
#include <sstream>
#include <stdexcept>

#include "krait/base/volume.h"
#include "krait/io/volume_io.h"
#include "testdata.h"

namespace fs = std::filesystem;

namespace krait::test {
namespace {

fs::path findMember(const fs::path& root, const std::string& name) {
  for (const auto& e : fs::recursive_directory_iterator(root))
    if (e.path().filename() == name) return e.path();
  throw std::runtime_error("Cranium.inv3 has no " + name);
}

}  // namespace

fs::path craniumCtNifti(const fs::path& folder) {
  const fs::path unpacked = folder / "inv3";
  fs::create_directories(unpacked);
  const std::string command =
      "tar xzf '" + testData("ct-invesalius/Cranium.inv3").string() + "' -C '" + unpacked.string() + "'";
  if (std::system(command.c_str()) != 0) throw std::runtime_error("cannot unpack Cranium.inv3: " + command);

  std::ifstream plist(findMember(unpacked, "main.plist"));
  std::stringstream text;
  text << plist.rdbuf();
  std::smatch m;
  const std::string s = text.str();
  if (!std::regex_search(s, m, std::regex(R"(<key>spacing</key>\s*<array>\s*<real>([^<]+)</real>\s*<real>([^<]+)</real>\s*<real>([^<]+)</real>)")))
    throw std::runtime_error("main.plist has no spacing");

  Geometry g;
  g.size = {256, 256, 108};
  g.spacing = {std::stod(m[1]), std::stod(m[2]), std::stod(m[3])};
  g.direction = {{{-1.0, 0.0, 0.0}, {0.0, -1.0, 0.0}, {0.0, 0.0, 1.0}}};  // RAS axes in Krait's LPS
  Volume ct(g, PixelType::Int16);
  std::ifstream raw(findMember(unpacked, "matrix.dat"), std::ios::binary);
  raw.read(static_cast<char*>(ct.data()), static_cast<std::streamsize>(ct.byteSize()));
  if (!raw) throw std::runtime_error("matrix.dat is shorter than 108 x 256 x 256 int16");
  const fs::path out = folder / "cranium_ct.nii.gz";
  io::writeVolume(ct, out);
  return out;
}

}  // namespace krait::test
