#include "dicom_codecs.h"

#include <dcmtk/dcmdata/dccodec.h>
#include <dcmtk/oflog/oflog.h>
#include <dcmtk/dcmdata/dcpixseq.h>
#include <dcmtk/dcmdata/dcpxitem.h>
#include <dcmtk/dcmdata/dcrledrg.h>
#include <dcmtk/dcmjpeg/djdecode.h>
#include <dcmtk/dcmjpls/djdecode.h>
#include <openjpeg.h>

#include <atomic>
#include <cstring>
#include <memory>
#include <mutex>

#include "krait/base/error.h"

namespace krait::io::dicom {

namespace {

std::atomic<bool> dicomMessages{false};

// DCMTK reports on stderr every oddity it tolerates and every file it cannot parse (one file of the test
// catalogue yields a million lines for its zero padding; `krait info /etc` over a thousand): Krait reports what
// matters in its own messages, and shows DCMTK's only when asked.
void configureDcmtkLog() { OFLog::configure(dicomMessages ? OFLogger::WARN_LOG_LEVEL : OFLogger::OFF_LOG_LEVEL); }

}  // namespace

void showDcmtkMessages(bool show) {
  dicomMessages = show;
  configureDcmtkLog();
}

void registerCodecs() {
  static std::once_flag once;
  std::call_once(once, [] {
    configureDcmtkLog();
    DcmRLEDecoderRegistration::registerCodecs();
    DJDecoderRegistration::registerCodecs();  // lossy YCbCr is converted to RGB, as DICOM viewers show it
    DJLSDecoderRegistration::registerCodecs();
  });
}

bool isJpeg2000(E_TransferSyntax xfer) {
  return xfer == EXS_JPEG2000LosslessOnly || xfer == EXS_JPEG2000 || xfer == EXS_JPEG2000MulticomponentLosslessOnly ||
         xfer == EXS_JPEG2000Multicomponent;
}

DcmPixelData* findPixelData(DcmDataset& dataset, const std::string& file) {
  DcmElement* element = nullptr;
  if (dataset.findAndGetElement(DCM_PixelData, element).bad() || !element) return nullptr;
  auto* pixels = dynamic_cast<DcmPixelData*>(element);
  if (!pixels)
    throw inputError(file, std::string("its Pixel Data element is not pixel data (VR ") + DcmVR(element->getVR()).getVRName() + ")");
  return pixels;
}

namespace {

struct MemoryStream {
  const uint8_t* data;
  OPJ_SIZE_T size;
  OPJ_SIZE_T offset;
};

OPJ_SIZE_T readStream(void* buffer, OPJ_SIZE_T n, void* user) {
  auto* s = static_cast<MemoryStream*>(user);
  if (s->offset >= s->size) return static_cast<OPJ_SIZE_T>(-1);
  const OPJ_SIZE_T count = std::min(n, s->size - s->offset);
  std::memcpy(buffer, s->data + s->offset, count);
  s->offset += count;
  return count;
}

OPJ_OFF_T skipStream(OPJ_OFF_T n, void* user) {
  auto* s = static_cast<MemoryStream*>(user);
  const OPJ_OFF_T target = std::clamp<OPJ_OFF_T>(static_cast<OPJ_OFF_T>(s->offset) + n, 0, static_cast<OPJ_OFF_T>(s->size));
  const OPJ_OFF_T moved = target - static_cast<OPJ_OFF_T>(s->offset);
  s->offset = static_cast<OPJ_SIZE_T>(target);
  return moved;
}

OPJ_BOOL seekStream(OPJ_OFF_T n, void* user) {
  auto* s = static_cast<MemoryStream*>(user);
  if (n < 0 || static_cast<OPJ_SIZE_T>(n) > s->size) return OPJ_FALSE;
  s->offset = static_cast<OPJ_SIZE_T>(n);
  return OPJ_TRUE;
}

// The compressed bytes of one frame: one fragment per frame is the common case; a single frame may span
// several fragments; otherwise DCMTK's offset-table logic finds where each frame starts.
std::vector<uint8_t> frameBytes(DcmDataset& ds, unsigned long frame, unsigned long frames, const std::string& file) {
  DcmPixelData* pixels = findPixelData(ds, file);
  if (!pixels) throw inputError(file, "has no pixel data");
  DcmPixelSequence* sequence = nullptr;
  if (pixels->getEncapsulatedRepresentation(ds.getOriginalXfer(), nullptr, sequence).bad() || !sequence)
    throw inputError(file, "JPEG 2000 pixel data is not encapsulated");
  const unsigned long fragments = sequence->card() - 1;  // item 0 is the offset table
  unsigned long first = frame + 1, last = frame + 1;
  if (frames == 1) {
    first = 1;
    last = fragments;
  } else if (fragments != frames) {
    Uint32 start = 0, next = 0;
    if (DcmCodec::determineStartFragment(frame, static_cast<Sint32>(frames), sequence, start).bad())
      throw inputError(file, "cannot locate JPEG 2000 frame " + std::to_string(frame + 1));
    if (frame + 1 == frames || DcmCodec::determineStartFragment(frame + 1, static_cast<Sint32>(frames), sequence, next).bad())
      next = fragments + 1;
    first = start;
    last = next - 1;
  }
  std::vector<uint8_t> bytes;
  for (unsigned long i = first; i <= last; ++i) {
    DcmPixelItem* item = nullptr;
    Uint8* data = nullptr;
    if (sequence->getItem(item, i).bad() || item->getUint8Array(data).bad()) throw inputError(file, "corrupt JPEG 2000 fragment");
    bytes.insert(bytes.end(), data, data + item->getLength());
  }
  return bytes;
}

}  // namespace

J2kFrame decodeJpeg2000Frame(DcmDataset& ds, unsigned long frame, unsigned long frames, const std::string& file) {
  const std::vector<uint8_t> bytes = frameBytes(ds, frame, frames, file);
  // A JP2 file starts with a signature box; a bare codestream starts with the SOC marker.
  const bool jp2 = bytes.size() > 12 && bytes[4] == 'j' && bytes[5] == 'P';
  std::unique_ptr<opj_codec_t, decltype(&opj_destroy_codec)> codec(opj_create_decompress(jp2 ? OPJ_CODEC_JP2 : OPJ_CODEC_J2K),
                                                                   &opj_destroy_codec);
  opj_dparameters_t params;
  opj_set_default_decoder_parameters(&params);
  MemoryStream mem{bytes.data(), static_cast<OPJ_SIZE_T>(bytes.size()), 0};
  std::unique_ptr<opj_stream_t, decltype(&opj_stream_destroy)> stream(opj_stream_create(1 << 16, OPJ_TRUE), &opj_stream_destroy);
  opj_stream_set_user_data(stream.get(), &mem, nullptr);
  opj_stream_set_user_data_length(stream.get(), bytes.size());
  opj_stream_set_read_function(stream.get(), readStream);
  opj_stream_set_skip_function(stream.get(), skipStream);
  opj_stream_set_seek_function(stream.get(), seekStream);
  opj_image_t* raw = nullptr;
  if (!opj_setup_decoder(codec.get(), &params) || !opj_read_header(stream.get(), codec.get(), &raw))
    throw inputError(file, "JPEG 2000 header cannot be decoded");
  std::unique_ptr<opj_image_t, decltype(&opj_image_destroy)> image(raw, &opj_image_destroy);
  if (!opj_decode(codec.get(), stream.get(), image.get()) || !opj_end_decompress(codec.get(), stream.get()))
    throw inputError(file, "JPEG 2000 data cannot be decoded (truncated or corrupt)");

  J2kFrame out;
  out.components = static_cast<int>(image->numcomps);
  out.width = static_cast<int>(image->comps[0].w);
  out.height = static_cast<int>(image->comps[0].h);
  for (int c = 1; c < out.components; ++c)
    if (static_cast<int>(image->comps[c].w) != out.width || static_cast<int>(image->comps[c].h) != out.height)
      throw inputError(file, "JPEG 2000 components of different sizes are not supported");
  const std::size_t pixels = static_cast<std::size_t>(out.width) * static_cast<std::size_t>(out.height);
  out.samples.resize(pixels * static_cast<std::size_t>(out.components));
  for (int c = 0; c < out.components; ++c)
    for (std::size_t p = 0; p < pixels; ++p) out.samples[p * static_cast<std::size_t>(out.components) + static_cast<std::size_t>(c)] = image->comps[c].data[p];
  return out;
}

}  // namespace krait::io::dicom
