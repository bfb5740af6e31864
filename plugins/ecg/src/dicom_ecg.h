// DICOM ECG waveform reader (PS3.3 A.34: 12-lead, General and Ambulatory ECG Waveform Storage), with DCMTK.
#pragma once

#include <string>

#include "record.h"

namespace krait::ecg {

// True when `path` is a DICOM Part 10 file whose Media Storage SOP Class is 12-lead ECG
// (1.2.840.10008.5.1.4.1.1.9.1.1), General ECG (…9.1.2) or Ambulatory ECG (…9.1.3) Waveform Storage.
// Reads only the file meta header; never throws.
bool isDicomEcg(const std::string& path);

// Reads one multiplex group of the Waveform Sequence (5400,0100): the one labelled "RHYTHM", else the first with
// the most samples, never one labelled "MEDIAN BEAT". Leads keep the file's order and take standard names
// ("I", "aVR", "V1", ...) where the Channel Source code is a standard lead; samples are in microvolts by
// PS3.3 C.10.9.1.4.2: raw × Channel Sensitivity × Correction Factor + Channel Baseline. Samples equal to the
// Waveform Padding Value (5400,100A) mark absent input: they become 0 µV and info["padded samples"] counts them.
// info: "patient id", "age" (years, or "6 months"/"3 weeks"/"5 days"), "sex", "acquired", "device",
// "multiplex group", "high-pass filter Hz", "low-pass filter Hz", "notch filter Hz" ("off" where the file says 0;
// "I 0.05, II 0.5, ..." when leads differ). The patient's name and birth date are not read.
// measurements: numeric annotations (Waveform Annotation Sequence (0040,B020)) under readable keys
// ("RR interval" -> "982 ms", "QRS axis" -> "52 deg", "heart rate" -> "61 /min"), a lead in brackets when the
// annotation names one channel; free-text and coded statements as "statement 1", "statement 2", ... in file
// order. Throws FileError (naming the file and the reason) for anything it cannot read.
Record readDicomEcg(const std::string& path);

}  // namespace krait::ecg
