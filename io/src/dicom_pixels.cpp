#include "dicom_pixels.h"

#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmdata/dcpixseq.h>
#include <dcmtk/dcmdata/dcpxitem.h>

#include <algorithm>
#include <cmath>
#include <cstring>

#include "dicom_codecs.h"
#include "dicom_tags.h"
#include "krait/base/error.h"

namespace krait::io::dicom {

namespace {

// Stored sample `index` of a native frame: the bits [highBit-bitsStored+1, highBit] of the allocated
// cell, sign-extended when PixelRepresentation says so.
double storedSample(const uint8_t* buf, std::size_t index, const PixelLayout& l) {
  if (l.bitsAllocated == 1) return (buf[index / 8] >> (index % 8)) & 1;
  uint32_t cell = 0;
  switch (l.bitsAllocated) {
    case 8: cell = buf[index]; break;
    case 16: cell = static_cast<uint32_t>(buf[2 * index] | (buf[2 * index + 1] << 8)); break;
    default: std::memcpy(&cell, buf + 4 * index, 4); break;  // little-endian machines only, like the rest of Krait
  }
  const int shift = l.highBit + 1 - l.bitsStored;
  const uint64_t mask = (uint64_t{1} << l.bitsStored) - 1;
  const uint64_t v = (static_cast<uint64_t>(cell) >> shift) & mask;
  if (l.isSigned && (v >> (l.bitsStored - 1)) & 1) return static_cast<double>(static_cast<int64_t>(v) - static_cast<int64_t>(mask) - 1);
  return static_cast<double>(v);
}

// Interleaved (pixel-major) or by-plane samples -> (channel, pixel).
std::vector<double> toChannelMajor(std::vector<double> samples, int channels, bool byPlane) {
  if (channels == 1 || byPlane) return samples;
  const std::size_t n = samples.size() / static_cast<std::size_t>(channels);
  std::vector<double> out(samples.size());
  for (std::size_t p = 0; p < n; ++p)
    for (int c = 0; c < channels; ++c) out[static_cast<std::size_t>(c) * n + p] = samples[p * static_cast<std::size_t>(channels) + static_cast<std::size_t>(c)];
  return out;
}

void ybrFullToRgb(std::vector<double>& v, double maxValue) {
  const std::size_t n = v.size() / 3;
  const double half = (maxValue + 1) / 2;
  for (std::size_t p = 0; p < n; ++p) {
    const double y = v[p], cb = v[n + p] - half, cr = v[2 * n + p] - half;
    v[p] = std::clamp(std::round(y + 1.402 * cr), 0.0, maxValue);
    v[n + p] = std::clamp(std::round(y - 0.344136 * cb - 0.714136 * cr), 0.0, maxValue);
    v[2 * n + p] = std::clamp(std::round(y + 1.772 * cb), 0.0, maxValue);
  }
}

struct Palette {
  std::vector<uint8_t> entries[3];
  long firstMapped = 0;
};

Palette readPalette(DcmDataset& ds, const std::string& file) {
  static const DcmTagKey descriptors[3] = {DCM_RedPaletteColorLookupTableDescriptor, DCM_GreenPaletteColorLookupTableDescriptor,
                                           DCM_BluePaletteColorLookupTableDescriptor};
  static const DcmTagKey data[3] = {DCM_RedPaletteColorLookupTableData, DCM_GreenPaletteColorLookupTableData,
                                    DCM_BluePaletteColorLookupTableData};
  Palette p;
  for (int c = 0; c < 3; ++c) {
    const std::vector<double> d = getNumbers(ds, descriptors[c]);
    const Uint16* words = nullptr;
    unsigned long count = 0;
    if (d.size() != 3 || ds.findAndGetUint16Array(data[c], words, &count).bad() || !words)
      throw inputError(file, "PALETTE COLOR image without a usable palette");
    const std::size_t size = d[0] == 0 ? 65536 : static_cast<std::size_t>(d[0]);
    p.firstMapped = static_cast<long>(d[1]);
    // Krait keeps palette images as 8-bit RGB: 16-bit entries keep their high byte. 8-bit entries come
    // either one per 16-bit word or packed two per word.
    if (d[2] == 8 && count * 2 == size) {
      for (unsigned long i = 0; i < count; ++i) {
        p.entries[c].push_back(words[i] & 0xFF);
        p.entries[c].push_back(words[i] >> 8);
      }
    } else {
      for (unsigned long i = 0; i < count; ++i) p.entries[c].push_back(d[2] == 8 ? words[i] & 0xFF : words[i] >> 8);
    }
    if (p.entries[c].empty()) throw inputError(file, "PALETTE COLOR image with an empty palette");
  }
  return p;
}

std::vector<double> applyPalette(const std::vector<double>& index, const Palette& p) {
  const std::size_t n = index.size();
  std::vector<double> rgb(3 * n);
  for (int c = 0; c < 3; ++c) {
    const auto& lut = p.entries[c];
    for (std::size_t i = 0; i < n; ++i) {
      const long at = std::clamp(static_cast<long>(index[i]) - p.firstMapped, 0L, static_cast<long>(lut.size()) - 1);
      rgb[static_cast<std::size_t>(c) * n + i] = lut[static_cast<std::size_t>(at)];
    }
  }
  return rgb;
}

// DCMTK 3.6.7's RLE decoder follows a fragment's segment offsets without checking them against the fragment: an
// offset past its end reads out of bounds and crashes (found by fuzzing, tests/fuzz/fuzz_dicom). Every fragment's
// RLE header (16 little-endian 32-bit values: the segment count, then the segments' offsets) is checked first.
void checkRleFragments(DcmDataset& dataset, const std::string& file) {
  DcmPixelData* pixelData = findPixelData(dataset, file);
  if (!pixelData) return;
  const DcmRepresentationParameter* parameter = nullptr;
  DcmPixelSequence* sequence = nullptr;
  if (pixelData->getEncapsulatedRepresentation(EXS_RLELossless, parameter, sequence).bad() ||
      !sequence)
    return;  // DCMTK's own decoding says what is wrong
  for (unsigned long i = 1; i < sequence->card(); ++i) {  // item 0 is the basic offset table
    DcmPixelItem* item = nullptr;
    Uint8* bytes = nullptr;
    if (sequence->getItem(item, i).bad() || !item || item->getUint8Array(bytes).bad() || !bytes) continue;
    const Uint32 length = item->getLength();
    const std::string fragment = "RLE fragment " + std::to_string(i);
    if (length < 64) throw inputError(file, fragment + " is shorter than its 64-byte header");
    const auto value = [&](int k) {
      return static_cast<Uint32>(bytes[4 * k] | (bytes[4 * k + 1] << 8) | (bytes[4 * k + 2] << 16) | (bytes[4 * k + 3] << 24));
    };
    const Uint32 segments = value(0);
    if (segments < 1 || segments > 15)
      throw inputError(file, fragment + " has " + std::to_string(segments) + " segments (RLE allows 1 to 15)");
    for (int s = 1; s <= static_cast<int>(segments); ++s)
      if (value(s) < 64 || value(s) >= length || (s > 1 && value(s) < value(s - 1)))
        throw inputError(file, fragment + ": segment " + std::to_string(s) + " starts at byte " + std::to_string(value(s)) +
                                   ", outside the fragment's " + std::to_string(length) + " bytes or before the one before it");
  }
}

}  // namespace

PixelLayout readPixelLayout(DcmDataset& ds, const std::string& file) {
  if (ds.tagExists(DCM_FloatPixelData) || ds.tagExists(DCM_DoubleFloatPixelData))
    throw inputError(file, "float pixel data (parametric maps) is not supported");
  if (!ds.tagExists(DCM_PixelData))
    throw inputError(file, "has no pixel data (a structured report, RTSTRUCT, waveform or other non-image object)");
  PixelLayout l;
  l.rows = getInt(ds, DCM_Rows, 0);
  l.columns = getInt(ds, DCM_Columns, 0);
  l.samplesPerPixel = getInt(ds, DCM_SamplesPerPixel, 1);
  l.bitsAllocated = getInt(ds, DCM_BitsAllocated, 0);
  l.bitsStored = getInt(ds, DCM_BitsStored, l.bitsAllocated);
  l.highBit = getInt(ds, DCM_HighBit, l.bitsStored - 1);
  l.isSigned = getInt(ds, DCM_PixelRepresentation, 0) == 1;
  l.photometric = getString(ds, DCM_PhotometricInterpretation);
  if (l.rows <= 0 || l.columns <= 0) throw inputError(file, "pixel data without valid Rows/Columns");
  if (l.bitsAllocated != 1 && l.bitsAllocated != 8 && l.bitsAllocated != 16 && l.bitsAllocated != 32)
    throw inputError(file, "BitsAllocated " + std::to_string(l.bitsAllocated) + " is not supported");
  if (l.bitsStored < 1 || l.bitsStored > l.bitsAllocated || l.highBit < l.bitsStored - 1 || l.highBit >= l.bitsAllocated)
    throw inputError(file, "inconsistent BitsStored/HighBit");
  if (l.samplesPerPixel != 1 && l.samplesPerPixel != 3)
    throw inputError(file, std::to_string(l.samplesPerPixel) + " samples per pixel are not supported");
  if (ds.getOriginalXfer() == EXS_RLELossless) checkRleFragments(ds, file);  // once per file, before any frame
  return l;
}

std::vector<double> FrameDecoder::decode(unsigned long frame) {
  const std::size_t pixels = static_cast<std::size_t>(layout.rows) * static_cast<std::size_t>(layout.columns);
  std::vector<double> samples;
  std::string colourModel = layout.photometric;
  bool byPlane = false;
  if (isJpeg2000(dataset.getOriginalXfer())) {
    // The codestream's own signedness can disagree with PixelRepresentation (J2K_pixelrep_mismatch.dcm:
    // unsigned codestream, signed header, -2000 HU padding). Like GDCM and pydicom, Krait reads the
    // BitsStored low bits under the header's rules.
    const J2kFrame j = decodeJpeg2000Frame(dataset, frame, frames, file);
    if (static_cast<std::size_t>(j.width) * static_cast<std::size_t>(j.height) != pixels || j.components != layout.samplesPerPixel)
      throw inputError(file, "JPEG 2000 frame size does not match Rows/Columns/SamplesPerPixel");
    const int64_t full = int64_t{1} << layout.bitsStored;
    samples.reserve(j.samples.size());
    for (int32_t v : j.samples) {
      const int64_t low = static_cast<int64_t>(v) & (full - 1);
      samples.push_back(static_cast<double>(layout.isSigned && low >= full / 2 ? low - full : low));
    }
    if (j.components == 3) colourModel = "RGB";  // OpenJPEG undoes the RCT/ICT colour transform
  } else {
    DcmPixelData* pixelData = findPixelData(dataset, file);
    if (!pixelData) throw inputError(file, "has no pixel data");
    Uint32 frameSize = 0;
    if (pixelData->getUncompressedFrameSize(&dataset, frameSize).bad()) throw inputError(file, "cannot size the pixel data");
    std::vector<uint8_t> buffer(frameSize + (frameSize & 1));
    OFString model;
    const OFCondition c = pixelData->getUncompressedFrame(&dataset, static_cast<Uint32>(frame), nextFragment, buffer.data(),
                                                          static_cast<Uint32>(buffer.size()), model);
    if (c.bad())
      throw inputError(file, std::string("cannot decode pixel data in ") + DcmXfer(dataset.getOriginalXfer()).getXferName() +
                                 " (" + c.text() + ")");
    if (!model.empty()) colourModel = model.c_str();
    // Decoders record how they laid out colour planes (RLE decodes by plane).
    byPlane = getInt(dataset, DCM_PlanarConfiguration, 0) == 1;
    const std::size_t count = pixels * static_cast<std::size_t>(layout.samplesPerPixel);
    if (layout.bitsAllocated != 1 && buffer.size() < count * static_cast<std::size_t>(layout.bitsAllocated / 8))
      throw inputError(file, "pixel data is shorter than Rows x Columns x frames");
    samples.resize(count);
    for (std::size_t i = 0; i < count; ++i) samples[i] = storedSample(buffer.data(), i, layout);
  }

  if (colourModel == "YBR_FULL_422" && samples.size() != pixels * 3)
    throw inputError(file, "uncompressed YBR_FULL_422 pixel data is not supported");
  std::vector<double> values = toChannelMajor(std::move(samples), layout.samplesPerPixel, byPlane);
  if (colourModel == "YBR_FULL" || colourModel == "YBR_FULL_422")
    ybrFullToRgb(values, std::pow(2.0, layout.bitsStored) - 1);
  if (layout.photometric == "PALETTE COLOR") values = applyPalette(values, readPalette(dataset, file));
  return values;
}

}  // namespace krait::io::dicom
