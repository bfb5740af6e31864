#include "nifti_header.h"

#include <zlib.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <fstream>
#include <limits>
#include <memory>
#include <optional>

#include "krait/base/error.h"
#include "whole_file.h"

namespace fs = std::filesystem;

namespace krait::io {

namespace {

using GzFile = std::unique_ptr<gzFile_s, decltype(&gzclose)>;

GzFile openGz(const fs::path& path) {
  GzFile f(gzopen(path.c_str(), "rb"), &gzclose);  // zlib reads uncompressed files transparently
  if (!f) throw inputError(path.string(), "cannot open for reading");
  return f;
}

// Beyond any file Krait reads: a header whose sizes or offset exceed it is refused before anything is allocated.
constexpr int64_t kMaxFileBytes = int64_t{1} << 50;
constexpr int64_t kInvalidOffset = -1 - kMaxFileBytes;

class Fields {
 public:
  Fields(const char* bytes, bool swap) : b_(bytes), swap_(swap) {}
  template <typename T> T at(std::size_t offset) const {
    char tmp[sizeof(T)];
    std::memcpy(tmp, b_ + offset, sizeof(T));
    if (swap_) std::reverse(tmp, tmp + sizeof(T));
    T v;
    std::memcpy(&v, tmp, sizeof(T));
    return v;
  }

 private:
  const char* b_;
  bool swap_;
};

void fillNifti1(const Fields& f, NiftiHeader& h) {
  h.rank = f.at<int16_t>(40);
  for (int i = 1; i <= h.rank && i < 8; ++i) h.dims.push_back(f.at<int16_t>(40 + 2 * i));
  h.datatype = f.at<int16_t>(70);
  h.bitsPerVoxel = f.at<int16_t>(72);
  for (int i = 0; i < 8; ++i) h.pixdim[i] = f.at<float>(76 + 4 * i);
  // A float in NIfTI-1: NaN, infinities and values beyond int64 are not offsets (and casting them is undefined).
  const float offset = f.at<float>(108);
  h.voxOffset = std::isfinite(offset) && std::abs(offset) < 1e15f ? static_cast<int64_t>(offset) : kInvalidOffset;
  h.sclSlope = f.at<float>(112);
  h.sclInter = f.at<float>(116);
  h.qformCode = f.at<int16_t>(252);
  h.sformCode = f.at<int16_t>(254);
  for (int i = 0; i < 3; ++i) h.quatern[i] = f.at<float>(256 + 4 * i);
  for (int i = 0; i < 3; ++i) h.qoffset[i] = f.at<float>(268 + 4 * i);
  for (int r = 0; r < 3; ++r)
    for (int c = 0; c < 4; ++c) h.srow[r][c] = f.at<float>(280 + 16 * r + 4 * c);
}

void fillNifti2(const Fields& f, NiftiHeader& h) {
  h.rank = f.at<int64_t>(16);
  for (int64_t i = 1; i <= h.rank && i < 8; ++i) h.dims.push_back(f.at<int64_t>(16 + 8 * i));
  h.datatype = f.at<int16_t>(12);
  h.bitsPerVoxel = f.at<int16_t>(14);
  for (int i = 0; i < 8; ++i) h.pixdim[i] = f.at<double>(104 + 8 * i);
  h.voxOffset = f.at<int64_t>(168);
  h.sclSlope = f.at<double>(176);
  h.sclInter = f.at<double>(184);
  h.qformCode = f.at<int32_t>(344);
  h.sformCode = f.at<int32_t>(348);
  for (int i = 0; i < 3; ++i) h.quatern[i] = f.at<double>(352 + 8 * i);
  for (int i = 0; i < 3; ++i) h.qoffset[i] = f.at<double>(376 + 8 * i);
  for (int r = 0; r < 3; ++r)
    for (int c = 0; c < 4; ++c) h.srow[r][c] = f.at<double>(400 + 32 * r + 8 * c);
}

std::array<std::array<double, 4>, 3> qformMatrix(const NiftiHeader& h) {
  const double b = h.quatern[0], c = h.quatern[1], d = h.quatern[2];
  double a = 1.0 - (b * b + c * c + d * d);
  a = a < 1e-7 ? 0.0 : std::sqrt(a);  // niftilib's rule: a tiny negative means a 180-degree rotation
  const double rot[3][3] = {{a * a + b * b - c * c - d * d, 2 * (b * c - a * d), 2 * (b * d + a * c)},
                            {2 * (b * c + a * d), a * a + c * c - b * b - d * d, 2 * (c * d - a * b)},
                            {2 * (b * d - a * c), 2 * (c * d + a * b), a * a + d * d - c * c - b * b}};
  const double qfac = h.pixdim[0] < 0 ? -1.0 : 1.0;
  std::array<std::array<double, 4>, 3> m{};
  for (int r = 0; r < 3; ++r) {
    m[r][0] = rot[r][0] * h.pixdim[1];
    m[r][1] = rot[r][1] * h.pixdim[2];
    m[r][2] = rot[r][2] * h.pixdim[3] * qfac;
    m[r][3] = h.qoffset[r];
  }
  return m;
}

bool orthogonalColumns(const std::array<std::array<double, 4>, 3>& m) {
  for (int c = 0; c < 3; ++c)
    for (int d = c; d < 3; ++d) {
      double dot = 0, nc = 0, nd = 0;
      for (int r = 0; r < 3; ++r) {
        dot += m[r][c] * m[r][d];
        nc += m[r][c] * m[r][c];
        nd += m[r][d] * m[r][d];
      }
      if (c == d ? nc <= 0 : std::abs(dot) > 1e-4 * std::sqrt(nc * nd)) return false;
    }
  return true;
}

bool similar(const std::array<std::array<double, 4>, 3>& a, const std::array<std::array<double, 4>, 3>& b) {
  for (int r = 0; r < 3; ++r)
    for (int c = 0; c < 4; ++c)
      if (std::abs(a[r][c] - b[r][c]) > 1e-4) return false;
  return true;
}

// ITK's choice (itkNiftiImageIO.cxx, SetImageIOOrientationFromNIfTI): the sform when it is an unskewed affine
// and either no qform is set, the sform is the scanner's, or both agree; otherwise the qform.
Geometry niftiGeometry(const NiftiHeader& h, const std::string& name) {
  Geometry g;
  for (int a = 0; a < 3; ++a) g.size[a] = a < static_cast<int>(h.dims.size()) ? h.dims[a] : 1;
  if (h.qformCode <= 0 && h.sformCode <= 0) {
    for (int a = 0; a < 3; ++a) g.spacing[a] = h.pixdim[a + 1];
    return g;
  }
  const auto q = qformMatrix(h);
  const bool useSform = h.sformCode > 0 && orthogonalColumns(h.srow) &&
                        (h.qformCode <= 0 || h.sformCode == 1 || similar(h.srow, q));
  if (!useSform && h.qformCode <= 0) throw inputError(name, "sform is skewed and there is no qform");
  const auto& m = useSform ? h.srow : q;
  for (int c = 0; c < 3; ++c) {
    const double norm = std::sqrt(m[0][c] * m[0][c] + m[1][c] * m[1][c] + m[2][c] * m[2][c]);
    g.spacing[c] = norm;
    for (int r = 0; r < 3; ++r) g.direction[r][c] = (r < 2 ? -1.0 : 1.0) * m[r][c] / norm;  // RAS -> LPS
  }
  for (int r = 0; r < 3; ++r) g.origin[r] = (r < 2 ? -1.0 : 1.0) * m[r][3];
  return g;
}

std::optional<PixelType> pixelTypeOf(int datatype) {
  switch (datatype) {
    case 2: return PixelType::UInt8;
    case 4: return PixelType::Int16;
    case 8: return PixelType::Int32;
    case 16: return PixelType::Float32;
    case 64: return PixelType::Float64;
    case 256: return PixelType::Int8;
    case 512: return PixelType::UInt16;
    case 768: return PixelType::UInt32;
    default: return std::nullopt;
  }
}

// The size of every NIfTI-1 datatype (nifti1.h), as niftilib sizes voxels.
std::optional<int> datatypeBits(int datatype) {
  switch (datatype) {
    case 2: case 256: return 8;
    case 4: case 512: return 16;
    case 8: case 16: case 768: case 2304: return 32;
    case 128: return 24;
    case 32: case 64: case 1024: case 1280: return 64;
    case 1536: case 1792: return 128;
    case 2048: return 256;
    default: return std::nullopt;
  }
}

PixelType niftiPixelType(int datatype, const std::string& name) {
  if (const auto type = pixelTypeOf(datatype)) return *type;
  throw inputError(name, "NIfTI datatype " + std::to_string(datatype) + " is not supported");
}

}  // namespace

int64_t NiftiHeader::voxelCount() const {  // readNiftiHeader checked the product for overflow
  int64_t n = 1;
  for (int64_t d : dims) n *= d;
  return n;
}

NiftiHeader readNiftiHeader(const fs::path& path) {
  const std::string name = path.string();
  auto f = openGz(path);
  char bytes[540] = {};
  const int got = gzread(f.get(), bytes, sizeof bytes);
  int32_t size;
  std::memcpy(&size, bytes, 4);
  const int32_t swappedSize = static_cast<int32_t>(__builtin_bswap32(static_cast<uint32_t>(size)));
  NiftiHeader h;
  h.swapped = size != 348 && size != 540;
  const int32_t headerSize = h.swapped ? swappedSize : size;
  if ((headerSize != 348 && headerSize != 540) || got < headerSize)
    throw inputError(name, "not a NIfTI file (no valid header)");
  const Fields fields(bytes, h.swapped);
  h.version = headerSize == 540 ? 2 : 1;
  if (h.version == 1) fillNifti1(fields, h);
  else fillNifti2(fields, h);

  // dim[0] outside 1..7 is not only invalid: niftilib (ITK's reader) takes it as the sign of the other byte order
  // and reads every field swapped, sizes included (found by fuzzing: a 515-byte file became 4.7 GB of voxels).
  if (h.rank < 1 || h.rank > 7) throw inputError(name, "header's dim[0] is " + std::to_string(h.rank) + ", not 1 to 7");
  // niftilib sizes voxels by the datatype, not by bitpix: the two must agree for the checks below to hold.
  if (const auto bits = datatypeBits(h.datatype); bits && *bits != h.bitsPerVoxel)
    throw inputError(name, "bits per voxel (" + std::to_string(h.bitsPerVoxel) + ") do not match datatype " +
                               std::to_string(h.datatype) + " (" + std::to_string(*bits) + " bits)");
  for (int64_t d : h.dims)
    if (d < 1) throw inputError(name, "header has an image size below 1");
  for (std::size_t a = 1; a <= std::min<std::size_t>(3, h.dims.size()); ++a)
    if (!std::isfinite(h.pixdim[a]) || h.pixdim[a] <= 0)
      throw inputError(name, "voxel size along axis " + std::to_string(a - 1) + " is " + std::to_string(h.pixdim[a]) +
                                 " (must be finite and positive)");
  if (h.bitsPerVoxel <= 0 || h.bitsPerVoxel % 8 != 0) throw inputError(name, "header has an invalid bits per voxel");
  // The orientation that ITK will use must be finite and of a size a scanner gives (within 10^9 mm): ITK's NIfTI
  // reader aborts the process (vnl's assert_finite in an SVD) on a NaN or infinite qform or sform, and its SVD
  // runs for minutes on an sform holding 1.7e38 (both found by fuzzing, tests/fuzz/fuzz_nifti).
  const auto plausible = [](const auto& values) {
    return std::all_of(values.begin(), values.end(), [](double v) { return std::isfinite(v) && std::abs(v) < 1e9; });
  };
  if (h.qformCode > 0 && !(plausible(h.quatern) && plausible(h.qoffset)))
    throw inputError(name, "the qform holds a value that is not finite or beyond 10^9 mm");
  if (h.sformCode > 0 && !std::all_of(h.srow.begin(), h.srow.end(), plausible))
    throw inputError(name, "the sform holds a value that is not finite or beyond 10^9 mm");
  int64_t dataBytes = h.bitsPerVoxel / 8;
  for (int64_t d : h.dims)
    if (__builtin_mul_overflow(dataBytes, d, &dataBytes) || dataBytes > kMaxFileBytes)
      throw inputError(name, "header's image size is beyond any file (" + std::to_string(h.dims.size()) + " dimensions)");
  if (h.voxOffset == kInvalidOffset || h.voxOffset > kMaxFileBytes)
    throw inputError(name, "header's vox_offset is not a file offset");
  if (h.voxOffset < headerSize) h.voxOffset = headerSize + 4;  // .nii files keep 4 extension bytes after the header
  return h;
}

namespace {

// Every voxel byte the header announces (`got` bytes arrived; `intact`: the gzip stream ended cleanly), or
// Error(Input) saying what is missing.
void requireComplete(const fs::path& path, const NiftiHeader& h, int64_t got, bool intact) {
  const int64_t needed = h.voxOffset + h.dataBytes();
  if (path.extension() != ".gz") {
    if (got < needed)
      throw inputError(path.string(), "file is truncated: " + std::to_string(got) + " bytes, header needs " +
                                          std::to_string(needed));
    return;
  }
  if (!intact || got < needed)
    throw inputError(path.string(), "compressed file is truncated or corrupt (" + std::to_string(got) + " of " +
                                        std::to_string(needed) + " bytes)");
}

void requireComplete(const fs::path& path, const NiftiHeader& h, const FileBytes& file) {
  requireComplete(path, h, static_cast<int64_t>(file.bytes.size()), file.complete);
}

}  // namespace

void checkNiftiComplete(const fs::path& path, const NiftiHeader& h) {
  if (path.extension() == ".gz") return requireComplete(path, h, readWholeFile(path, h.voxOffset + h.dataBytes()));
  std::error_code ec;
  const auto size = static_cast<int64_t>(fs::file_size(path, ec));
  requireComplete(path, h, ec ? 0 : size, true);
}

bool readsWithoutItk(const NiftiHeader& h) {
  if (h.version == 2) return true;
  // The cases whose geometry follows ITK's rule as niftiGeometry has it (a qform, or an unskewed sform) and
  // whose voxels Krait's reader takes; anything else (no orientation, 5D vectors, RGB) stays with ITK.
  const bool oriented = h.qformCode > 0 || (h.sformCode > 0 && orthogonalColumns(h.srow));
  const bool plain = h.dims.size() >= 2 && h.dims.size() <= 4 && pixelTypeOf(h.datatype).has_value();
  return oriented && plain;
}

Volume readNiftiVolume(const fs::path& path, const NiftiHeader& h, std::vector<std::string>* notes) {
  const std::string name = path.string();
  if (h.dims.size() > 4) throw inputError(name, std::to_string(h.dims.size()) + "-dimensional images are not supported");
  const PixelType stored = niftiPixelType(h.datatype, name);
  if (static_cast<int>(pixelSize(stored) * 8) != h.bitsPerVoxel) throw inputError(name, "bits per voxel do not match the datatype");
  const Geometry geometry = niftiGeometry(h, name);
  validateGeometry(geometry, name);
  if (h.dims.size() == 4 && h.dims[3] > std::numeric_limits<int>::max()) throw inputError(name, "too many channels");
  const int channels = h.dims.size() == 4 ? static_cast<int>(h.dims[3]) : 1;
  // The file is read and found complete before the volume is allocated: a header's sizes alone allocate nothing.
  const FileBytes file = readWholeFile(path, h.voxOffset + h.dataBytes());
  requireComplete(path, h, file);
  Volume raw(geometry, stored, channels);
  std::memcpy(raw.data(), file.bytes.data() + h.voxOffset, raw.byteSize());
  if (h.swapped) {
    auto* p = static_cast<char*>(raw.data());
    const std::size_t w = pixelSize(stored);
    for (std::size_t i = 0; i < raw.byteSize(); i += w) std::reverse(p + i, p + i + w);
  }
  if (notes && channels > 1) notes->push_back(name + ": 4D image read as " + std::to_string(channels) + " channels");
  // As ITK: a set scl_slope turns the voxels into float32 = stored * slope + inter.
  if (h.sclSlope == 0 || (h.sclSlope == 1 && h.sclInter == 0)) return raw;
  Volume scaled(geometry, PixelType::Float32, channels);
  float* out = scaled.as<float>();
  dispatchPixelType(stored, [&](auto t) {
    const auto* in = static_cast<const decltype(t)*>(raw.data());
    for (std::size_t i = 0; i < raw.elementCount(); ++i)
      out[i] = static_cast<float>(static_cast<double>(in[i]) * h.sclSlope + h.sclInter);
  });
  return scaled;
}

}  // namespace krait::io
