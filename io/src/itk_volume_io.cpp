#include "itk_volume_io.h"
#include "written_check.h"

#include <itkMetaDataObject.h>
#include <itkMetaImageIO.h>
#include <itkNiftiImageIO.h>
#include <itkNrrdImageIO.h>

#include <cstring>

#include "krait/base/error.h"
#include "nifti_description.h"
#include "nrrd_check.h"
#include "parallel_gzip.h"

namespace fs = std::filesystem;
using IOComponent = itk::IOComponentEnum;

namespace krait::io {

namespace {

itk::ImageIOBase::Pointer makeImageIO(FileFormat format) {
  switch (format) {
    case FileFormat::Nifti: return itk::NiftiImageIO::New().GetPointer();
    case FileFormat::Nrrd: return itk::NrrdImageIO::New().GetPointer();
    case FileFormat::MetaImage: return itk::MetaImageIO::New().GetPointer();
    default: break;
  }
  throw Error(ErrorKind::Internal, "no ITK reader for this format");
}

PixelType pixelTypeFor(IOComponent c, const std::string& path) {
  switch (c) {
    case IOComponent::UCHAR: return PixelType::UInt8;
    case IOComponent::CHAR: return PixelType::Int8;
    case IOComponent::USHORT: return PixelType::UInt16;
    case IOComponent::SHORT: return PixelType::Int16;
    case IOComponent::UINT: return PixelType::UInt32;
    case IOComponent::INT: return PixelType::Int32;
    case IOComponent::FLOAT: return PixelType::Float32;
    case IOComponent::DOUBLE: return PixelType::Float64;
    default: break;
  }
  throw inputError(path, std::string("voxel type ") + itk::ImageIOBase::GetComponentTypeAsString(c) +
                             " is not supported (8/16/32-bit integers, float and double are)");
}

IOComponent componentFor(PixelType t) {
  switch (t) {
    case PixelType::UInt8: return IOComponent::UCHAR;
    case PixelType::Int8: return IOComponent::CHAR;
    case PixelType::UInt16: return IOComponent::USHORT;
    case PixelType::Int16: return IOComponent::SHORT;
    case PixelType::UInt32: return IOComponent::UINT;
    case PixelType::Int32: return IOComponent::INT;
    case PixelType::Float32: return IOComponent::FLOAT;
    case PixelType::Float64: break;
  }
  return IOComponent::DOUBLE;
}

Geometry geometryFrom(const itk::ImageIOBase& io) {
  Geometry g;
  const unsigned dims = io.GetNumberOfDimensions();
  const unsigned spatial = std::min(dims, 3u);
  for (unsigned a = 0; a < spatial; ++a) {
    g.size[a] = static_cast<int64_t>(io.GetDimensions(a));
    g.spacing[a] = io.GetSpacing(a);
    g.origin[a] = io.GetOrigin(a);
    const std::vector<double> column = io.GetDirection(a);
    for (unsigned r = 0; r < spatial; ++r) g.direction[r][a] = column[r];
  }
  return g;
}

// ITK interleaves the components of vector pixels; Krait keeps each channel contiguous.
void deinterleave(const std::vector<char>& src, Volume& dst) {
  const std::size_t channels = static_cast<std::size_t>(dst.components());
  const std::size_t voxels = static_cast<std::size_t>(dst.geometry().voxelCount());
  const std::size_t width = pixelSize(dst.pixelType());
  auto* out = static_cast<char*>(dst.data());
  for (std::size_t v = 0; v < voxels; ++v)
    for (std::size_t c = 0; c < channels; ++c)
      std::memcpy(out + (c * voxels + v) * width, src.data() + (v * channels + c) * width, width);
}

itk::ImageIORegion wholeRegion(const itk::ImageIOBase& io) {
  itk::ImageIORegion region(io.GetNumberOfDimensions());
  for (unsigned a = 0; a < io.GetNumberOfDimensions(); ++a) {
    region.SetIndex(a, 0);
    region.SetSize(a, io.GetDimensions(a));
  }
  return region;
}

}  // namespace

Volume readItkVolume(const fs::path& path, FileFormat format, std::vector<std::string>* notes) {
  const std::string name = path.string();
  try {
    auto io = makeImageIO(format);
    if (!io->CanReadFile(name.c_str()))
      throw inputError(name, std::string("not a readable ") + formatName(format) + " file");
    io->SetFileName(name);
    io->ReadImageInformation();
    const unsigned dims = io->GetNumberOfDimensions();
    const unsigned components = io->GetNumberOfComponents();
    if (dims < 2 || dims > 4)
      throw inputError(name, std::to_string(dims) + "-dimensional images are not supported (2D, 3D or 4D are)");
    if (dims == 4 && components > 1)
      throw inputError(name, "4D images with vector voxels are not supported");
    // A 4D image (time points, modalities) is kept as channels of one 3D volume, in file order.
    const int channels = dims == 4 ? static_cast<int>(io->GetDimensions(3)) : static_cast<int>(components);
    const Geometry geometry = geometryFrom(*io);
    validateGeometry(geometry, name);
    if (format == FileFormat::Nrrd) checkNrrdData(path, io->GetImageSizeInBytes());
    Volume volume(geometry, pixelTypeFor(io->GetComponentType(), name), channels);
    if (static_cast<std::size_t>(io->GetImageSizeInBytes()) != volume.byteSize())
      throw inputError(name, "header and voxel data sizes disagree");
    io->SetIORegion(wholeRegion(*io));
    if (components > 1) {
      std::vector<char> interleaved(volume.byteSize());
      io->Read(interleaved.data());
      deinterleave(interleaved, volume);
    } else {
      io->Read(volume.data());
    }
    if (notes && dims == 4) notes->push_back(name + ": 4D image read as " + std::to_string(channels) + " channels");
    return volume;
  } catch (const itk::ExceptionObject& e) {
    throw inputError(name, std::string("cannot read: ") + e.GetDescription());
  }
}

void writeItkVolume(const Volume& volume, const fs::path& file, FileFormat format, const std::string& shownName,
                    const WriteOptions& options) {
  const Geometry& g = volume.geometry();
  const unsigned dims = volume.components() > 1 ? 4u : 3u;
  const std::string& description = options.description;
  // ITK writes no NIfTI descrip, and compresses on one thread: ITK writes a .nii.gz uncompressed ("m.nii.gz" staged
  // as "m.nii", which needs room for it meanwhile), and Krait sets the descrip and compresses it (parallel_gzip.h).
  const bool gzippedNifti = format == FileFormat::Nifti && file.extension() == ".gz";
  const fs::path written = gzippedNifti ? fs::path(file).replace_extension() : file;
  try {
    auto io = makeImageIO(format);
    io->SetNumberOfDimensions(dims);
    for (unsigned a = 0; a < dims; ++a) {
      std::vector<double> column(dims, 0.0);
      if (a < 3) {
        io->SetDimensions(a, static_cast<unsigned>(g.size[a]));
        io->SetSpacing(a, g.spacing[a]);
        io->SetOrigin(a, g.origin[a]);
        for (unsigned r = 0; r < 3; ++r) column[r] = g.direction[r][a];
      } else {
        io->SetDimensions(a, static_cast<unsigned>(volume.components()));
        io->SetSpacing(a, 1.0);
        io->SetOrigin(a, 0.0);
        column[a] = 1.0;
      }
      io->SetDirection(a, column);
    }
    io->SetPixelType(itk::IOPixelEnum::SCALAR);
    io->SetNumberOfComponents(1);
    io->SetComponentType(componentFor(volume.pixelType()));
    io->SetUseCompression(true);  // NRRD, MetaImage; ITK compresses NIfTI by extension, never .gz here
    // NrrdImageIO and MetaImageIO write this key as a header field of that name.
    if (!description.empty() && format != FileFormat::Nifti)
      itk::EncapsulateMetaData<std::string>(io->GetMetaDataDictionary(), "ITK_FileNotes", description);
    io->SetFileName(written.string());
    io->SetIORegion(wholeRegion(*io));
    io->WriteImageInformation();
    io->Write(volume.data());
  } catch (const itk::ExceptionObject& e) {
    throw outputError(shownName, std::string("cannot write: ") + e.GetDescription());
  }
  checkWrittenVolume(written, format, shownName);
  if (format == FileFormat::Nifti && !description.empty()) setNiftiDescription(written, description, shownName);
  if (!gzippedNifti) return;
  gzipFile(written, file, options.threads, shownName);
  fs::remove(written);  // the staging folder's every file is committed
}

}  // namespace krait::io
