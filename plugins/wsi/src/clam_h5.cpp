#include "clam_h5.h"

#include <hdf5.h>

#include <filesystem>
#include <functional>
#include <memory>

#include "atomic_file.h"
#include "slide.h"

namespace krait::wsi {
namespace {

// Closes an HDF5 identifier when it leaves scope.
class Handle {
 public:
  Handle(hid_t id, herr_t (*close)(hid_t)) : id_(id), close_(close) {}
  ~Handle() {
    if (id_ >= 0) close_(id_);
  }
  Handle(Handle&& other) noexcept : id_(other.id_), close_(other.close_) { other.id_ = -1; }
  Handle(const Handle&) = delete;
  Handle& operator=(const Handle&) = delete;
  operator hid_t() const { return id_; }
  bool ok() const { return id_ >= 0; }

 private:
  hid_t id_;
  herr_t (*close_)(hid_t);
};

// HDF5 prints its error stack to stderr by default; Krait reports errors itself.
void quietHdf5() {
  static const bool once = [] { return H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr) >= 0; }();
  (void)once;
}

void check(herr_t status, const std::string& path, const std::string& what) {
  if (status < 0) throw SlideError(path, "HDF5 could not " + what);
}

// A resizable dataset chunked by 32 rows, as CLAM's save_hdf5.
void writeDataset(hid_t file, const std::string& path, const char* name, hid_t type, int64_t rows, int64_t cols,
                  const void* data, const std::function<void(hid_t)>& attributes = {}) {
  const hsize_t dims[2] = {static_cast<hsize_t>(rows), static_cast<hsize_t>(cols)};
  const hsize_t maxDims[2] = {H5S_UNLIMITED, static_cast<hsize_t>(cols)};
  const hsize_t chunk[2] = {32, static_cast<hsize_t>(cols)};
  Handle space(H5Screate_simple(2, dims, maxDims), H5Sclose);
  Handle props(H5Pcreate(H5P_DATASET_CREATE), H5Pclose);
  check(H5Pset_chunk(props, 2, chunk), path, "set up the chunks");
  Handle set(H5Dcreate2(file, name, type, space, H5P_DEFAULT, props, H5P_DEFAULT), H5Dclose);
  if (!set.ok()) throw SlideError(path, std::string("HDF5 could not create the dataset '") + name + "'");
  if (rows > 0) check(H5Dwrite(set, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, data), path, std::string("write ") + name);
  if (attributes) attributes(set);
}

template <typename T>
void numberAttribute(hid_t object, const std::string& path, const char* name, hid_t type, const std::vector<T>& values) {
  const hsize_t n = values.size();
  Handle space(values.size() == 1 ? H5Screate(H5S_SCALAR) : H5Screate_simple(1, &n, nullptr), H5Sclose);
  Handle attribute(H5Acreate2(object, name, type, space, H5P_DEFAULT, H5P_DEFAULT), H5Aclose);
  if (!attribute.ok()) throw SlideError(path, std::string("HDF5 could not create the attribute ") + name);
  check(H5Awrite(attribute, type, values.data()), path, std::string("write the attribute ") + name);
}

// h5py writes Python str attributes as variable-length UTF-8 strings.
void stringAttribute(hid_t object, const std::string& path, const char* name, const std::string& value) {
  Handle type(H5Tcopy(H5T_C_S1), H5Tclose);
  H5Tset_size(type, H5T_VARIABLE);
  H5Tset_cset(type, H5T_CSET_UTF8);
  Handle space(H5Screate(H5S_SCALAR), H5Sclose);
  Handle attribute(H5Acreate2(object, name, type, space, H5P_DEFAULT, H5P_DEFAULT), H5Aclose);
  const char* text = value.c_str();
  if (!attribute.ok() || H5Awrite(attribute, type, &text) < 0)
    throw SlideError(path, std::string("HDF5 could not write the attribute ") + name);
}

// CLAM's file written whole through atomic_file.h's staging name.
void writeHdf5(const std::string& path, const std::function<void(hid_t, const std::string&)>& fill) {
  quietHdf5();
  writeAtomically(path, [&](const std::string& staging) {
    Handle file(H5Fcreate(staging.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT), H5Fclose);
    if (!file.ok()) throw SlideError(path, "cannot be written (HDF5 could not create it)");
    fill(file, path);
  });
}

Handle openFile(const std::string& path) {
  quietHdf5();
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) throw SlideError(path, "no such file");
  if (H5Fis_hdf5(path.c_str()) <= 0) throw SlideError(path, "not an HDF5 file");
  Handle file(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), H5Fclose);
  if (!file.ok()) throw SlideError(path, "HDF5 cannot open it");
  return file;
}

// A 2-D dataset's shape; throws naming the file when it is missing or not 2-D.
std::array<int64_t, 2> shapeOf(hid_t set, const std::string& path, const char* name) {
  Handle space(H5Dget_space(set), H5Sclose);
  hsize_t dims[2] = {0, 0};
  if (H5Sget_simple_extent_ndims(space) != 2 || H5Sget_simple_extent_dims(space, dims, nullptr) != 2)
    throw SlideError(path, std::string("the dataset '") + name + "' is not two-dimensional");
  return {static_cast<int64_t>(dims[0]), static_cast<int64_t>(dims[1])};
}

Coords readCoords(hid_t file, const std::string& path) {
  if (H5Lexists(file, "coords", H5P_DEFAULT) <= 0) throw SlideError(path, "has no 'coords' dataset (not a CLAM file)");
  Handle set(H5Dopen2(file, "coords", H5P_DEFAULT), H5Dclose);
  const auto shape = shapeOf(set, path, "coords");
  if (shape[1] != 2) throw SlideError(path, "'coords' has " + std::to_string(shape[1]) + " columns, not 2 (x, y)");
  Coords coords(static_cast<size_t>(shape[0]));
  if (shape[0] > 0) check(H5Dread(set, H5T_NATIVE_INT64, H5S_ALL, H5S_ALL, H5P_DEFAULT, coords.data()), path, "read 'coords' as integers");
  return coords;
}

template <typename T>
bool readAttribute(hid_t object, const char* name, hid_t type, T* values, size_t count) {
  if (H5Aexists(object, name) <= 0) return false;
  Handle attribute(H5Aopen(object, name, H5P_DEFAULT), H5Aclose);
  Handle space(H5Aget_space(attribute), H5Sclose);
  if (static_cast<size_t>(H5Sget_simple_extent_npoints(space)) != count) return false;
  return H5Aread(attribute, type, values) >= 0;
}

std::string readStringAttribute(hid_t object, const char* name) {
  if (H5Aexists(object, name) <= 0) return "";
  Handle attribute(H5Aopen(object, name, H5P_DEFAULT), H5Aclose);
  Handle stored(H5Aget_type(attribute), H5Tclose);
  if (H5Tget_class(stored) != H5T_STRING) return "";
  if (H5Tis_variable_str(stored) > 0) {
    char* text = nullptr;
    Handle type(H5Tcopy(H5T_C_S1), H5Tclose);
    H5Tset_size(type, H5T_VARIABLE);
    H5Tset_cset(type, H5Tget_cset(stored));
    if (H5Aread(attribute, type, &text) < 0 || !text) return "";
    std::string value = text;
    H5free_memory(text);
    return value;
  }
  std::string value(H5Tget_size(stored), '\0');
  if (H5Aread(attribute, stored, value.data()) < 0) return "";
  return value.substr(0, value.find('\0'));
}

}  // namespace

void writePatchFile(const std::string& path, const PatchFile& p) {
  std::vector<int64_t> flat;
  flat.reserve(p.coords.size() * 2);
  for (const auto& c : p.coords) flat.insert(flat.end(), c.begin(), c.end());
  writeHdf5(path, [&](hid_t file, const std::string& where) {
    writeDataset(file, where, "coords", H5T_NATIVE_INT64, static_cast<int64_t>(p.coords.size()), 2, flat.data(),
                 [&](hid_t set) {
                   numberAttribute<int64_t>(set, where, "patch_size", H5T_NATIVE_INT64, {p.patchSize});
                   numberAttribute<int64_t>(set, where, "patch_level", H5T_NATIVE_INT64, {p.patchLevel});
                   numberAttribute<double>(set, where, "downsample", H5T_NATIVE_DOUBLE, {p.downsample[0], p.downsample[1]});
                   numberAttribute<int64_t>(set, where, "downsampled_level_dim", H5T_NATIVE_INT64, {p.levelDim[0], p.levelDim[1]});
                   numberAttribute<int64_t>(set, where, "level_dim", H5T_NATIVE_INT64, {p.levelDim[0], p.levelDim[1]});
                   stringAttribute(set, where, "name", p.name);
                   stringAttribute(set, where, "save_path", p.savePath);
                   numberAttribute<double>(set, where, "krait_target_mpp", H5T_NATIVE_DOUBLE, {p.targetMpp});
                   numberAttribute<int64_t>(set, where, "krait_level0_patch_size", H5T_NATIVE_INT64, {p.level0Size});
                 });
  });
}

PatchFile readPatchFile(const std::string& path) {
  Handle file = openFile(path);
  PatchFile p;
  p.coords = readCoords(file, path);
  Handle set(H5Dopen2(file, "coords", H5P_DEFAULT), H5Dclose);
  int64_t size = 0, level = 0;
  if (!readAttribute(set, "patch_size", H5T_NATIVE_INT64, &size, 1) || size < 1)
    throw SlideError(path, "'coords' has no patch_size attribute (not a CLAM patch file)");
  readAttribute(set, "patch_level", H5T_NATIVE_INT64, &level, 1);
  p.patchSize = size;
  p.patchLevel = static_cast<int>(level);
  readAttribute(set, "downsample", H5T_NATIVE_DOUBLE, p.downsample.data(), 2);
  readAttribute(set, "level_dim", H5T_NATIVE_INT64, p.levelDim.data(), 2);
  readAttribute(set, "krait_target_mpp", H5T_NATIVE_DOUBLE, &p.targetMpp, 1);
  if (!readAttribute(set, "krait_level0_patch_size", H5T_NATIVE_INT64, &p.level0Size, 1))
    p.level0Size = p.patchSize * static_cast<int64_t>(p.downsample[0]);  // CLAM's ref_patch_size
  p.name = readStringAttribute(set, "name");
  p.savePath = readStringAttribute(set, "save_path");
  return p;
}

void writeFeatureFile(const std::string& path, const FeatureFile& f) {
  if (static_cast<int64_t>(f.features.size()) != f.count * f.dim || static_cast<int64_t>(f.coords.size()) != f.count)
    throw SlideError(path, "features and coords disagree in size");
  std::vector<int32_t> flat;
  flat.reserve(f.coords.size() * 2);
  for (const auto& c : f.coords)
    for (const int64_t v : c) flat.push_back(static_cast<int32_t>(v));
  writeHdf5(path, [&](hid_t file, const std::string& where) {
    writeDataset(file, where, "features", H5T_NATIVE_FLOAT, f.count, f.dim, f.features.data());
    writeDataset(file, where, "coords", H5T_NATIVE_INT32, f.count, 2, flat.data());
  });
}

FeatureFile readFeatureFile(const std::string& path) {
  Handle file = openFile(path);
  if (H5Lexists(file, "features", H5P_DEFAULT) <= 0) throw SlideError(path, "has no 'features' dataset (not a CLAM feature file)");
  Handle set(H5Dopen2(file, "features", H5P_DEFAULT), H5Dclose);
  const auto shape = shapeOf(set, path, "features");
  FeatureFile f;
  f.count = shape[0], f.dim = shape[1];
  f.features.resize(static_cast<size_t>(f.count * f.dim));
  if (!f.features.empty()) check(H5Dread(set, H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL, H5P_DEFAULT, f.features.data()), path, "read 'features' as float32");
  f.coords = readCoords(file, path);
  if (static_cast<int64_t>(f.coords.size()) != f.count)
    throw SlideError(path, std::to_string(f.count) + " feature rows but " + std::to_string(f.coords.size()) + " coords");
  return f;
}

}  // namespace krait::wsi
