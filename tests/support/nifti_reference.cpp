#include "nifti_reference.h"

#include <zlib.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <fstream>
#include <stdexcept>

namespace krait::test {

std::vector<char> readMaybeGzipped(const std::filesystem::path& path) {
  std::vector<char> out;
  gzFile f = gzopen(path.c_str(), "rb");  // zlib reads plain files transparently
  if (!f) throw std::runtime_error("cannot open " + path.string());
  char buf[1 << 16];
  int n;
  while ((n = gzread(f, buf, sizeof buf)) > 0) out.insert(out.end(), buf, buf + n);
  gzclose(f);
  return out;
}

namespace {

class Reader {
 public:
  Reader(const std::vector<char>& bytes, bool swap) : b_(bytes), swap_(swap) {}
  template <typename T> T at(std::size_t offset) const {
    T v;
    char tmp[sizeof(T)];
    std::memcpy(tmp, b_.data() + offset, sizeof(T));
    if (swap_) std::reverse(tmp, tmp + sizeof(T));
    std::memcpy(&v, tmp, sizeof(T));
    return v;
  }

 private:
  const std::vector<char>& b_;
  bool swap_;
};

Mat3 quaternionMatrix(double b, double c, double d) {
  double a = 1.0 - (b * b + c * c + d * d);
  a = a < 1e-7 ? 0.0 : std::sqrt(a);  // as nifti1_io: a tiny negative means a 180-degree rotation
  return {{{a * a + b * b - c * c - d * d, 2 * (b * c - a * d), 2 * (b * d + a * c)},
           {2 * (b * c + a * d), a * a + c * c - b * b - d * d, 2 * (c * d - a * b)},
           {2 * (b * d - a * c), 2 * (c * d + a * b), a * a + d * d - c * c - b * b}}};
}

bool orthogonalColumns(const double m[3][4]) {
  for (int c = 0; c < 3; ++c)
    for (int d = c + 1; d < 3; ++d) {
      double dot = 0, nc = 0, nd = 0;
      for (int r = 0; r < 3; ++r) {
        dot += m[r][c] * m[r][d];
        nc += m[r][c] * m[r][c];
        nd += m[r][d] * m[r][d];
      }
      if (std::abs(dot) > 1e-4 * std::sqrt(nc * nd)) return false;
    }
  return true;
}

double valueAt(const Reader& r, std::size_t offset, int datatype) {
  switch (datatype) {
    case 2: return r.at<uint8_t>(offset);
    case 4: return r.at<int16_t>(offset);
    case 8: return r.at<int32_t>(offset);
    case 16: return r.at<float>(offset);
    case 64: return r.at<double>(offset);
    case 256: return r.at<int8_t>(offset);
    case 512: return r.at<uint16_t>(offset);
    case 768: return r.at<uint32_t>(offset);
  }
  throw std::runtime_error("datatype " + std::to_string(datatype) + " not covered by the reference reader");
}

}  // namespace

NiftiReference readNiftiReference(const std::filesystem::path& path) {
  const std::vector<char> bytes = readMaybeGzipped(path);
  NiftiReference ref;
  int32_t sizeofHdr;
  std::memcpy(&sizeofHdr, bytes.data(), 4);
  const bool native = sizeofHdr == 348 || sizeofHdr == 540;
  ref.bigEndian = !native;  // test machines are little-endian
  const Reader r(bytes, !native);
  ref.version = r.at<int32_t>(0) == 540 ? 2 : 1;

  double pixdim[8], srow[3][4], quat[3], qoffset[3];
  int64_t voxOffset;
  if (ref.version == 1) {
    const int n = r.at<int16_t>(40);
    for (int i = 1; i <= n; ++i) ref.dims.push_back(r.at<int16_t>(40 + 2 * i));
    ref.datatype = r.at<int16_t>(70);
    for (int i = 0; i < 8; ++i) pixdim[i] = r.at<float>(76 + 4 * i);
    voxOffset = static_cast<int64_t>(r.at<float>(108));
    ref.sclSlope = r.at<float>(112);
    ref.sclInter = r.at<float>(116);
    ref.description = std::string(bytes.data() + 148, 80).c_str();
    ref.qformCode = r.at<int16_t>(252);
    ref.sformCode = r.at<int16_t>(254);
    for (int i = 0; i < 3; ++i) quat[i] = r.at<float>(256 + 4 * i);
    for (int i = 0; i < 3; ++i) qoffset[i] = r.at<float>(268 + 4 * i);
    for (int row = 0; row < 3; ++row)
      for (int c = 0; c < 4; ++c) srow[row][c] = r.at<float>(280 + 16 * row + 4 * c);
  } else {
    const int64_t n = r.at<int64_t>(16);
    for (int i = 1; i <= n; ++i) ref.dims.push_back(r.at<int64_t>(16 + 8 * i));
    ref.datatype = r.at<int16_t>(12);
    for (int i = 0; i < 8; ++i) pixdim[i] = r.at<double>(104 + 8 * i);
    voxOffset = r.at<int64_t>(168);
    ref.sclSlope = r.at<double>(176);
    ref.sclInter = r.at<double>(184);
    ref.description = std::string(bytes.data() + 240, 80).c_str();
    ref.qformCode = r.at<int32_t>(344);
    ref.sformCode = r.at<int32_t>(348);
    for (int i = 0; i < 3; ++i) quat[i] = r.at<double>(352 + 8 * i);
    for (int i = 0; i < 3; ++i) qoffset[i] = r.at<double>(376 + 8 * i);
    for (int row = 0; row < 3; ++row)
      for (int c = 0; c < 4; ++c) srow[row][c] = r.at<double>(400 + 32 * row + 8 * c);
  }

  double q[3][4];  // index -> RAS, from the quaternion
  const Mat3 rot = quaternionMatrix(quat[0], quat[1], quat[2]);
  const double qfac = pixdim[0] < 0 ? -1.0 : 1.0;
  for (int row = 0; row < 3; ++row) {
    q[row][0] = rot[row][0] * pixdim[1];
    q[row][1] = rot[row][1] * pixdim[2];
    q[row][2] = rot[row][2] * pixdim[3] * qfac;
    q[row][3] = qoffset[row];
  }
  bool agree = true;
  for (int row = 0; row < 3; ++row)
    for (int c = 0; c < 4; ++c) agree = agree && std::abs(q[row][c] - srow[row][c]) < 1e-4;
  // ITK (hence SimpleITK and nnU-Net) takes the sform only when it is orthogonal and either the qform is
  // unset, the sform is the scanner's (code 1), or the two agree; JHU-WhiteMatter-labels-2mm has a
  // qform and an MNI sform that disagree in z, and ITK takes the qform.
  double m[3][4];
  if (ref.sformCode > 0 && orthogonalColumns(srow) && (ref.qformCode <= 0 || ref.sformCode == 1 || agree)) {
    std::memcpy(m, srow, sizeof m);
  } else if (ref.qformCode > 0) {
    std::memcpy(m, q, sizeof m);
  } else {
    throw std::runtime_error(path.string() + ": neither qform nor sform: not covered by the reference reader");
  }

  Geometry& g = ref.geometry;
  for (int a = 0; a < 3; ++a) g.size[a] = a < static_cast<int>(ref.dims.size()) ? ref.dims[a] : 1;
  for (int c = 0; c < 3; ++c) {
    const double norm = std::sqrt(m[0][c] * m[0][c] + m[1][c] * m[1][c] + m[2][c] * m[2][c]);
    g.spacing[c] = norm;
    for (int row = 0; row < 3; ++row) g.direction[row][c] = (row < 2 ? -1.0 : 1.0) * m[row][c] / norm;
  }
  for (int row = 0; row < 3; ++row) g.origin[row] = (row < 2 ? -1.0 : 1.0) * m[row][3];

  int64_t count = 1;
  for (int64_t d : ref.dims) count *= d;
  const int width = r.at<int16_t>(ref.version == 1 ? 72 : 14) / 8;
  if (voxOffset + count * width > static_cast<int64_t>(bytes.size()))
    throw std::runtime_error(path.string() + ": file shorter than its header says");
  const bool scaled = ref.sclSlope != 0 && !(ref.sclSlope == 1 && ref.sclInter == 0);
  ref.values.resize(static_cast<std::size_t>(count));
  for (int64_t i = 0; i < count; ++i) {
    const double v = valueAt(r, static_cast<std::size_t>(voxOffset + i * width), ref.datatype);
    ref.values[static_cast<std::size_t>(i)] = scaled ? v * ref.sclSlope + ref.sclInter : v;
  }
  return ref;
}

}  // namespace krait::test
