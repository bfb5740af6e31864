#include "dicom_ecg.h"

#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmdata/dctk.h>

#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string_view>
#include <utility>
#include <vector>

namespace krait::ecg {

namespace {

bool isEcgSopClass(const std::string& uid) {
  return uid == UID_TwelveLeadECGWaveformStorage || uid == UID_GeneralECGWaveformStorage ||
         uid == UID_AmbulatoryECGWaveformStorage;
}

std::string trim(const std::string& s) {
  const auto first = s.find_first_not_of(' ');
  return first == std::string::npos ? std::string() : s.substr(first, s.find_last_not_of(' ') - first + 1);
}

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// A string attribute's value ("" when absent or empty).
std::string text(DcmItem& item, const DcmTagKey& tag) {
  OFString v;
  return item.findAndGetOFStringArray(tag, v).good() ? trim(v.c_str()) : std::string();
}

// A DS/FD attribute's (first) value; nothing when absent, empty or not a finite number.
std::optional<double> number(DcmItem& item, const DcmTagKey& tag) {
  Float64 v = 0;
  if (item.findAndGetFloat64(tag, v).bad() || !std::isfinite(v)) return std::nullopt;
  return v;
}

// Shortest text that reads back as the same double: "982", "0.05", "1.25".
std::string formatNumber(double v) {
  char buf[32];
  const auto end = std::to_chars(buf, buf + sizeof buf, v).ptr;
  return std::string(buf, end);
}

// First item of a Code Sequence (PS3.3 8.8, Code Sequence Macro); empty strings when absent.
struct Code {
  std::string value, scheme, meaning;
};

Code code(DcmItem& item, const DcmTagKey& sequence) {
  DcmItem* c = nullptr;
  if (item.findAndGetSequenceItem(sequence, c, 0).bad() || !c) return {};
  return {text(*c, DCM_CodeValue), text(*c, DCM_CodingSchemeDesignator), text(*c, DCM_CodeMeaning)};
}

// The standard leads by the number that DICOM CID 3001 "ECG Leads" gives them in both of its schemes:
// SCP-ECG (scheme SCPECG, code "5.6.3-9-N") and ISO/IEEE 11073 (scheme MDC, code "2:N").
constexpr std::pair<int, const char*> kLeadNumbers[] = {{1, "I"},    {2, "II"},   {61, "III"}, {62, "aVR"},
                                                        {63, "aVL"}, {64, "aVF"}, {3, "V1"},   {4, "V2"},
                                                        {5, "V3"},   {6, "V4"},   {7, "V5"},   {8, "V6"}};

const char* leadByCode(const Code& source) {
  std::string_view rest = source.value;
  if (source.scheme == "SCPECG" && rest.starts_with("5.6.3-9-"))
    rest.remove_prefix(8);
  else if (source.scheme == "MDC" && rest.starts_with("2:"))
    rest.remove_prefix(2);
  else
    return nullptr;
  int n = 0;
  const auto [end, ec] = std::from_chars(rest.data(), rest.data() + rest.size(), n);
  if (ec != std::errc() || end != rest.data() + rest.size()) return nullptr;
  for (const auto& [number, name] : kLeadNumbers)
    if (number == n) return name;
  return nullptr;
}

// Channel Source Sequence (003A,0208) to a lead name: by code, else by a meaning such as "Lead I (Einthoven)" or
// "Lead aVR", else the meaning (or Channel Label (003A,0203)) unchanged.
std::string leadName(DcmItem& channel, unsigned long index) {
  const Code source = code(channel, DCM_ChannelSourceSequence);
  if (const char* lead = leadByCode(source)) return lead;
  std::string m = source.meaning;
  if (lower(m).starts_with("lead ")) m.erase(0, 5);
  m = trim(m.substr(0, m.find('(')));
  for (const auto& [number, name] : kLeadNumbers)
    if (lower(m) == lower(name)) return name;
  if (!source.meaning.empty()) return source.meaning;
  const std::string label = text(channel, DCM_ChannelLabel);
  return label.empty() ? "channel " + std::to_string(index + 1) : label;
}

// Channel Sensitivity Units Sequence (003A,0211) holds UCUM units (DICOM CID 3082): the code value decides, the
// meaning only when there is no code. Nothing for units that are not a voltage.
std::optional<double> microvoltsPerUnit(const Code& unit) {
  const std::string u = unit.value.empty() ? lower(unit.meaning) : unit.value;
  if (u == "uV" || u == "microvolt") return 1.0;
  if (u == "mV" || u == "millivolt") return 1e3;
  if (u == "V" || u == "volt") return 1e6;
  return std::nullopt;
}

// One channel's calibration in microvolts: µV = raw × gain + offset.
struct Channel {
  std::string lead;
  double gain = 0, offset = 0;
  std::optional<double> highPass, lowPass, notch;  // Hz
};

Channel readChannel(DcmItem& item, unsigned long index, const std::string& path, const std::string& where) {
  Channel ch;
  ch.lead = leadName(item, index);
  const std::string what = where + "channel " + std::to_string(index + 1) + " (" + ch.lead + ") ";
  // PS3.3 C.10.9.1.4.2: Channel Sensitivity (003A,0210) is the value of one raw unit, in the units of (003A,0211);
  // Channel Sensitivity Correction Factor (003A,0212) multiplies it; Channel Baseline (003A,0213) is the offset of
  // raw 0 from actual 0 in those same units. Both 1C with the sensitivity; absent ones are taken as 1 and 0.
  const auto sensitivity = number(item, DCM_ChannelSensitivity);
  if (!sensitivity)
    throw FileError(path, what + "has no Channel Sensitivity (003A,0210): the samples are uncalibrated");
  const Code unit = code(item, DCM_ChannelSensitivityUnitsSequence);
  const auto uv = microvoltsPerUnit(unit);
  if (!uv)
    throw FileError(path, what + "has sensitivity units '" + unit.value + "' (" + unit.meaning + "), not uV, mV or V");
  ch.gain = *sensitivity * number(item, DCM_ChannelSensitivityCorrectionFactor).value_or(1.0) * *uv;
  ch.offset = number(item, DCM_ChannelBaseline).value_or(0.0) * *uv;
  // Filter Low Frequency (003A,0220) is the pass band's lower 3 dB point, i.e. the high-pass cut-off; Filter High
  // Frequency (003A,0221) the low-pass one; Notch Filter Frequency (003A,0222) the notch centre.
  ch.highPass = number(item, DCM_FilterLowFrequency);
  ch.lowPass = number(item, DCM_FilterHighFrequency);
  ch.notch = number(item, DCM_NotchFilterFrequency);
  return ch;
}

// One filter setting for the header: the value when every lead that states it agrees, else "I 0.05, II 0.5, ...".
// Devices write 0 for a filter they did not apply.
void putFilter(Record& r, const std::string& key, const std::vector<Channel>& channels,
               std::optional<double> Channel::*setting) {
  std::string single, perLead;
  bool agree = true;
  for (const Channel& ch : channels) {
    if (!(ch.*setting)) continue;
    const std::string v = *(ch.*setting) == 0 ? "off" : formatNumber(*(ch.*setting));
    agree = agree && (single.empty() || single == v);
    single = v;
    perLead += (perLead.empty() ? "" : ", ") + ch.lead + " " + v;
  }
  if (!single.empty()) r.info[key] = agree ? single : perLead;
}

// Waveform Data and Waveform Padding Value as their little-endian byte stream. DCMTK holds OW (16-bit samples,
// PS3.5 8.2) as host-order words and OB (8-bit samples) as bytes.
std::vector<std::uint8_t> littleEndianBytes(DcmElement& e, const std::string& path) {
  const std::string name = DcmTag(e.getTag()).getTagName();
  std::vector<std::uint8_t> out;
  if (e.getLength() == 0) return out;
  if (e.getVR() == EVR_OW) {
    Uint16* words = nullptr;
    if (e.getUint16Array(words).bad() || !words) throw FileError(path, "cannot read " + name);
    for (Uint32 i = 0; i < e.getLength() / 2; ++i) {
      out.push_back(static_cast<std::uint8_t>(words[i] & 0xFF));
      out.push_back(static_cast<std::uint8_t>(words[i] >> 8));
    }
  } else {
    Uint8* bytes = nullptr;
    if (e.getUint8Array(bytes).bad() || !bytes) throw FileError(path, "cannot read " + name);
    out.assign(bytes, bytes + e.getLength());
  }
  return out;
}

int sampleAt(const std::vector<std::uint8_t>& bytes, std::size_t i, bool sixteenBit) {
  if (sixteenBit) return static_cast<std::int16_t>(bytes[2 * i] | bytes[2 * i + 1] << 8);
  return static_cast<std::int8_t>(bytes[i]);
}

// Devices label the recording "RHYTHM" and the average beat they derive from it "MEDIAN BEAT"; without a RHYTHM
// label the longest group is the recording. Nothing when only median beats remain.
std::optional<unsigned long> chooseGroup(DcmSequenceOfItems& groups) {
  std::optional<unsigned long> best;
  Uint32 bestSamples = 0;
  for (unsigned long i = 0; i < groups.card(); ++i) {
    DcmItem& g = *groups.getItem(i);
    const std::string label = lower(text(g, DCM_MultiplexGroupLabel));
    if (label == "rhythm") return i;
    Uint32 samples = 0;
    g.findAndGetUint32(DCM_NumberOfWaveformSamples, samples);
    if (label != "median beat" && (!best || samples > bestSamples)) {
      best = i;
      bestSamples = samples;
    }
  }
  return best;
}

// Patient's Age (0010,1010) is an AS string "nnnD|W|M|Y" (PS3.5 6.2).
std::string age(const std::string& as) {
  if (as.size() != 4 || !std::isdigit(static_cast<unsigned char>(as[0])) ||
      !std::isdigit(static_cast<unsigned char>(as[1])) || !std::isdigit(static_cast<unsigned char>(as[2])))
    return as;
  const std::string n = std::to_string(std::stoi(as.substr(0, 3)));
  switch (as[3]) {
    case 'Y':
      return n;
    case 'M':
      return n + " months";
    case 'W':
      return n + " weeks";
    case 'D':
      return n + " days";
    default:
      return as;
  }
}

std::string sex(const std::string& cs) {
  if (cs == "M") return "Male";
  if (cs == "F") return "Female";
  if (cs == "O") return "Other";
  return cs;
}

// A DT value "YYYYMMDDhhmmss[.ffffff][&ZZXX]" as "YYYY-MM-DD hh:mm:ss[...]"; partial values stay as written.
std::string dateTime(const std::string& dt) {
  if (dt.size() < 14) return dt;
  return dt.substr(0, 4) + "-" + dt.substr(4, 2) + "-" + dt.substr(6, 2) + " " + dt.substr(8, 2) + ":" +
         dt.substr(10, 2) + ":" + dt.substr(12, 2) + dt.substr(14);
}

void readInfo(DcmDataset& ds, Record& r) {
  const auto put = [&](const std::string& key, const std::string& value) {
    if (!value.empty()) r.info[key] = value;
  };
  put("patient id", text(ds, DCM_PatientID));
  put("age", age(text(ds, DCM_PatientAge)));
  put("sex", sex(text(ds, DCM_PatientSex)));
  put("acquired", dateTime(text(ds, DCM_AcquisitionDateTime)));
  put("device", trim(text(ds, DCM_Manufacturer) + " " + text(ds, DCM_ManufacturerModelName)));
}

// A concept name as a header key: capitalised words lower-cased, wave names kept ("RR Interval" -> "RR interval",
// "QTc Interval" -> "QTc interval", "Heart Rate" -> "heart rate").
std::string readableKey(const std::string& meaning) {
  std::string out = meaning;
  for (std::size_t start = 0; start < out.size();) {
    std::size_t end = out.find(' ', start);
    if (end == std::string::npos) end = out.size();
    bool capitalised = end - start > 1 && std::isupper(static_cast<unsigned char>(out[start]));
    for (std::size_t i = start + 1; i < end; ++i)
      capitalised = capitalised && std::islower(static_cast<unsigned char>(out[i]));
    if (capitalised) out[start] = static_cast<char>(std::tolower(static_cast<unsigned char>(out[start])));
    start = end + 1;
  }
  return out.empty() ? "measurement" : out;
}

// Measurement Units Code Sequence (0040,08EA) holds UCUM; beats per minute is written "/min" as the other ECG
// readers write it.
std::string unitSuffix(const Code& unit) {
  const std::string u = unit.value.empty() ? unit.meaning : unit.value;
  if (u.empty()) return {};
  if (u == "{H.B.}/min" || u == "{beats}/min" || u == "{beat}/min" || u == "bpm") return " /min";
  return " " + u;
}

// Referenced Waveform Channels (0040,A0B0) holds (multiplex group, channel) pairs, both counted from 1, channel 0
// meaning all channels (PS3.3 C.10.10). A measurement of one lead of the chosen group is keyed with that lead.
std::string leadSuffix(DcmItem& annotation, unsigned long group, const std::vector<std::string>& leads) {
  Uint16 m = 0, c = 0, more = 0;
  if (annotation.findAndGetUint16(DCM_ReferencedWaveformChannels, m, 0).bad() ||
      annotation.findAndGetUint16(DCM_ReferencedWaveformChannels, c, 1).bad() ||
      annotation.findAndGetUint16(DCM_ReferencedWaveformChannels, more, 2).good())
    return {};
  return m == group + 1 && c >= 1 && c <= leads.size() ? " (" + leads[c - 1] + ")" : std::string();
}

// Waveform Annotation Sequence (0040,B020, PS3.3 C.10.10): numeric items are the device's measurements, text and
// coded items its statements. Items with neither (fiducial points such as "QRS Onset") are not measurements.
void readAnnotations(DcmDataset& ds, unsigned long group, const std::vector<std::string>& leads, Record& r) {
  DcmSequenceOfItems* annotations = nullptr;
  if (ds.findAndGetSequence(DCM_WaveformAnnotationSequence, annotations).bad() || !annotations) return;
  int statements = 0;
  for (unsigned long i = 0; i < annotations->card(); ++i) {
    DcmItem& a = *annotations->getItem(i);
    if (const auto value = number(a, DCM_NumericValue)) {
      const Code name = code(a, DCM_ConceptNameCodeSequence);
      const std::string key =
          readableKey(name.meaning.empty() ? name.value : name.meaning) + leadSuffix(a, group, leads);
      std::string unique = key;
      for (int n = 2; r.measurements.count(unique); ++n) unique = key + " #" + std::to_string(n);
      r.measurements[unique] = formatNumber(*value) + unitSuffix(code(a, DCM_MeasurementUnitsCodeSequence));
      continue;
    }
    std::string statement = text(a, DCM_UnformattedTextValue);
    if (statement.empty()) statement = code(a, DCM_ConceptCodeSequence).meaning;
    if (!statement.empty()) r.measurements["statement " + std::to_string(++statements)] = statement;
  }
}

}  // namespace

bool isDicomEcg(const std::string& path) {
  DcmMetaInfo meta;
  OFString sop;
  return meta.loadFile(path.c_str()).good() && meta.findAndGetOFString(DCM_MediaStorageSOPClassUID, sop).good() &&
         isEcgSopClass(trim(sop.c_str()));
}

Record readDicomEcg(const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) throw FileError(path, "no such file");
  DcmFileFormat file;
  // ERM_fileOnly: a PS3.10 file (128-byte preamble, "DICM", meta header); anything else is not a DICOM file here.
  const OFCondition status = file.loadFile(path.c_str(), EXS_Unknown, EGL_noChange, DCM_MaxReadLength, ERM_fileOnly);
  if (status == EC_FileMetaInfoHeaderMissing) throw FileError(path, "not a DICOM file (no \"DICM\" file header)");
  if (status.bad())
    throw FileError(path, std::string("cannot read the DICOM file (truncated or damaged?): ") + status.text());
  DcmDataset& ds = *file.getDataset();

  std::string sop = text(ds, DCM_SOPClassUID);
  if (sop.empty()) sop = text(*file.getMetaInfo(), DCM_MediaStorageSOPClassUID);
  if (sop.empty()) throw FileError(path, "no SOP Class UID (0008,0016)");
  if (!isEcgSopClass(sop))
    throw FileError(path, "not an ECG waveform: SOP class " + std::string(dcmFindNameOfUID(sop.c_str(), "unknown")) +
                              " (" + sop + ")");

  DcmSequenceOfItems* groups = nullptr;
  if (ds.findAndGetSequence(DCM_WaveformSequence, groups).bad() || !groups || groups->card() == 0)
    throw FileError(path, "no Waveform Sequence (5400,0100)");
  const auto chosen = chooseGroup(*groups);
  if (!chosen) throw FileError(path, "the Waveform Sequence holds only MEDIAN BEAT groups, no recording");
  DcmItem& group = *groups->getItem(*chosen);
  const std::string label = text(group, DCM_MultiplexGroupLabel);
  const std::string where =
      "multiplex group " + std::to_string(*chosen + 1) + (label.empty() ? "" : " (" + label + ")") + ": ";

  Uint16 channels = 0;
  Uint32 samples = 0;
  group.findAndGetUint16(DCM_NumberOfWaveformChannels, channels);
  group.findAndGetUint32(DCM_NumberOfWaveformSamples, samples);
  if (channels == 0 || samples == 0) throw FileError(path, where + "no channels or no samples");
  const auto rate = number(group, DCM_SamplingFrequency);
  if (!rate || *rate <= 0)
    throw FileError(path, where + "Sampling Frequency (003A,001A) is " + (rate ? formatNumber(*rate) : "missing"));

  // PS3.3 C.10.9.1.5: SS is 16-bit and SB 8-bit signed two's complement; Waveform Bits Stored (003A,021A) are
  // sign-extended to the allocated width (C.10.9.1.7), so the whole sample is the value.
  const std::string interpretation = text(group, DCM_WaveformSampleInterpretation);
  Uint16 bits = 0;
  group.findAndGetUint16(DCM_WaveformBitsAllocated, bits);
  const bool sixteenBit = interpretation == "SS" && bits == 16;
  if (!sixteenBit && !(interpretation == "SB" && bits == 8))
    throw FileError(path, where + "Waveform Sample Interpretation '" + interpretation + "' with " +
                              std::to_string(bits) + " bits allocated is not supported (only SS/16 and SB/8)");

  DcmSequenceOfItems* definitions = nullptr;
  group.findAndGetSequence(DCM_ChannelDefinitionSequence, definitions);
  if (!definitions || definitions->card() != channels)
    throw FileError(path, where + std::to_string(definitions ? definitions->card() : 0) + " channel definitions for " +
                              std::to_string(channels) + " channels");
  std::vector<Channel> defs;
  for (unsigned long c = 0; c < channels; ++c) defs.push_back(readChannel(*definitions->getItem(c), c, path, where));

  DcmElement* data = nullptr;
  if (group.findAndGetElement(DCM_WaveformData, data).bad() || !data)
    throw FileError(path, where + "no Waveform Data (5400,1010)");
  const std::vector<std::uint8_t> bytes = littleEndianBytes(*data, path);
  const std::uint64_t needed = std::uint64_t{channels} * samples * (bits / 8);
  if (bytes.size() < needed)
    throw FileError(path, where + "Waveform Data (5400,1010) holds " + std::to_string(bytes.size()) +
                              " bytes, fewer than the " + std::to_string(needed) + " of " + std::to_string(channels) +
                              " channels x " + std::to_string(samples) + " samples");

  // Waveform Padding Value (5400,100A) marks samples with no valid input (PS3.3 C.10.9.1.6). They are not
  // signal: 0 µV keeps the lead usable by filters and the model (NaN would poison both), and info counts them.
  std::optional<int> padding;
  DcmElement* pad = nullptr;
  if (group.findAndGetElement(DCM_WaveformPaddingValue, pad).good() && pad) {
    const auto p = littleEndianBytes(*pad, path);
    if (p.size() >= bits / 8u) padding = sampleAt(p, 0, sixteenBit);
  }

  Record r;
  r.source = path;
  r.samplingRateHz = *rate;
  for (const Channel& ch : defs) r.leads.push_back(ch.lead);
  r.microvolts.assign(channels, std::vector<float>(samples, 0.0f));
  std::size_t padded = 0;
  // Interleaved channel-fastest: C1S1, C2S1, ..., CnS1, C1S2, ... (PS3.3 C.10.9.1.7).
  for (std::size_t s = 0, i = 0; s < samples; ++s) {
    for (std::size_t c = 0; c < channels; ++c, ++i) {
      const int raw = sampleAt(bytes, i, sixteenBit);
      if (raw == padding)
        ++padded;
      else
        r.microvolts[c][s] = static_cast<float>(raw * defs[c].gain + defs[c].offset);
    }
  }

  readInfo(ds, r);
  if (!label.empty()) r.info["multiplex group"] = label;
  if (padded) r.info["padded samples"] = std::to_string(padded);
  putFilter(r, "high-pass filter Hz", defs, &Channel::highPass);
  putFilter(r, "low-pass filter Hz", defs, &Channel::lowPass);
  putFilter(r, "notch filter Hz", defs, &Channel::notch);
  readAnnotations(ds, *chosen, r.leads, r);
  return r;
}

}  // namespace krait::ecg
