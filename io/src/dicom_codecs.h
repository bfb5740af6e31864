#pragma once
// Decoders for compressed DICOM pixel data: DCMTK's own (RLE, JPEG baseline/extended/lossless, JPEG-LS),
// registered once, and JPEG 2000 through OpenJPEG, which DCMTK 3.6.7 lacks.
#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmdata/dctk.h>

#include <cstdint>
#include <string>
#include <vector>

namespace krait::io::dicom {

// Registers the decoders and quietens DCMTK's own logging (krait/io/dicom.h's showDicomMessages); call before
// touching any DICOM file.
void registerCodecs();
void showDcmtkMessages(bool show);
bool isJpeg2000(E_TransferSyntax xfer);
// The dataset's Pixel Data element; nullptr when it has none. Throws Error(Input) naming `file` when the element is
// not pixel data to DCMTK (a VR such as SQ in an explicit-VR file makes another class: fuzzing), which the callers'
// DcmPixelData calls would otherwise treat as one.
DcmPixelData* findPixelData(DcmDataset& dataset, const std::string& file);

// One decoded JPEG 2000 frame: samples interleaved by pixel, as signed values of the codestream.
struct J2kFrame {
  std::vector<int32_t> samples;
  int width = 0, height = 0, components = 0;
};

// Decodes frame `frame` (0-based) of the dataset's encapsulated JPEG 2000 pixel data; throws
// Error(Input) naming `file`.
J2kFrame decodeJpeg2000Frame(DcmDataset& dataset, unsigned long frame, unsigned long frames, const std::string& file);

}  // namespace krait::io::dicom
