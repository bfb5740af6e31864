// Every ECG file the plugin reads, by what it is: DICOM waveforms (DCMTK), WFDB records (by hand: no library
// reads them correctly), EDF/BDF (EDFlib), SCP-ECG and HL7 aECG (BioSig). docs/ecg.md has the table.
#pragma once

#include <string>

#include "record.h"

namespace krait::ecg {

// Extensions the readers take, for the plugin's reader registration (';'-separated, lower case).
extern const char* const kEcgExtensions;

// Whether `path` looks like an ECG file the plugin reads (by extension; a DICOM file by its SOP class).
bool isEcgFile(const std::string& path);

// Reads it with the reader for its kind; FileError naming the file when none takes it or it is broken.
Record readEcg(const std::string& path);

}  // namespace krait::ecg
