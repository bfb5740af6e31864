#include "ecg_reader.h"

#include <algorithm>
#include <cctype>
#include <filesystem>

#include "biosig_reader.h"
#include "dicom_ecg.h"
#include "edf_reader.h"
#include "wfdb_reader.h"

namespace krait::ecg {
namespace {

std::string extension(const std::string& path) {
  std::string e = std::filesystem::path(path).extension().string();
  std::transform(e.begin(), e.end(), e.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return e;
}

}  // namespace

const char* const kEcgExtensions = ".dcm;.hea;.edf;.bdf;.scp;.xml";

bool isEcgFile(const std::string& path) {
  const std::string e = extension(path);
  if (e == ".hea" || e == ".edf" || e == ".bdf" || e == ".scp") return true;
  // DICOM files often have no extension; HL7 aECG is XML like many other files: both are told by content.
  if (isDicomEcg(path)) return true;
  return e == ".xml";
}

Record readEcg(const std::string& path) {
  const std::string e = extension(path);
  if (e == ".hea") return readWfdb(path);
  if (e == ".edf" || e == ".bdf") return readEdf(path);
  if (e == ".scp" || e == ".xml") return readWithBiosig(path);
  if (isDicomEcg(path)) return readDicomEcg(path);
  if (e == ".dcm") return readDicomEcg(path);  // says why it is not an ECG
  if (e == ".dat" || e == ".mat")
    throw FileError(path, "is a WFDB signal file: give its header, " + std::filesystem::path(path).replace_extension(".hea").string());
  throw FileError(path, "is not an ECG file Krait reads (DICOM ECG waveforms, WFDB .hea, EDF/BDF, SCP-ECG, HL7 aECG .xml)");
}

}  // namespace krait::ecg
