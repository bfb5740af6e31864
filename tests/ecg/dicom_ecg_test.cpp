// The DICOM ECG reader against the real 12-lead file (fixture ecg/waveform_ecg.dcm, a Mortara el250) and its
// pydicom golden (tests/fixtures/ecg/make_dicom_ecg_goldens.py), and against broken copies made here with DCMTK.
#include "dicom_ecg.h"

#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmdata/dctk.h>
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <functional>
#include <nlohmann/json.hpp>
#include <random>
#include <stdexcept>

#include "testdata.h"

namespace fs = std::filesystem;
using krait::ecg::FileError;
using krait::ecg::readDicomEcg;
using krait::ecg::Record;
using krait::test::TempDir;

namespace {

std::string realFile() { return krait::test::testData("ecg/waveform_ecg.dcm").string(); }

const Record& real() {
  static const Record r = readDicomEcg(realFile());
  return r;
}

void require(bool ok, const std::string& what) {
  if (!ok) throw std::runtime_error("test setup: " + what);
}

DcmItem& item(DcmItem& parent, const DcmTagKey& sequence, unsigned long i) {
  DcmItem* found = nullptr;
  require(parent.findAndGetSequenceItem(sequence, found, i).good() && found, "no item " + std::to_string(i));
  return *found;
}

DcmItem& group(DcmDataset& ds, unsigned long i) { return item(ds, DCM_WaveformSequence, i); }
DcmItem& channel(DcmDataset& ds, unsigned long c) { return item(group(ds, 0), DCM_ChannelDefinitionSequence, c); }

// A copy of the real file with `edit` applied, written by DCMTK with a fresh file meta header.
fs::path editedCopy(const TempDir& dir, const std::string& name, const std::function<void(DcmDataset&)>& edit,
                    E_TransferSyntax syntax = EXS_LittleEndianExplicit) {
  DcmFileFormat file;
  require(file.loadFile(realFile().c_str()).good(), "DCMTK cannot read " + realFile());
  edit(*file.getDataset());
  const fs::path out = dir / name;
  const OFCondition saved =
      file.saveFile(out.c_str(), syntax, EET_ExplicitLength, EGL_recalcGL, EPD_noChange, 0, 0, EWM_updateMeta);
  require(saved.good(), "cannot write " + out.string());
  return out;
}

fs::path writeBytes(const fs::path& out, const std::string& bytes) {
  std::ofstream(out, std::ios::binary) << bytes;
  return out;
}

// readDicomEcg(file) throws FileError whose message names the file and contains `reason`.
void expectFileError(const fs::path& file, const std::string& reason) {
  try {
    readDicomEcg(file.string());
    ADD_FAILURE() << "no FileError for " << file;
  } catch (const FileError& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find(file.string()), std::string::npos) << what;
    EXPECT_NE(what.find(reason), std::string::npos) << what;
  }
}

}  // namespace

TEST(DicomEcg, RecognisesEcgFiles) {
  const TempDir dir;
  EXPECT_TRUE(krait::ecg::isDicomEcg(realFile()));
  const fs::path ct = editedCopy(dir, "ct.dcm", [](DcmDataset& ds) {
    require(ds.putAndInsertString(DCM_SOPClassUID, UID_CTImageStorage).good(), "SOP class");
  });
  EXPECT_FALSE(krait::ecg::isDicomEcg(ct.string()));
  EXPECT_FALSE(krait::ecg::isDicomEcg(writeBytes(dir / "text.txt", "not a DICOM file").string()));
  EXPECT_FALSE(krait::ecg::isDicomEcg((dir / "absent.dcm").string()));
}

TEST(DicomEcg, MatchesPydicomGolden) {
  std::ifstream in(fs::path(KRAIT_FIXTURES) / "ecg" / "dicom_ecg_golden.json");
  ASSERT_TRUE(in) << "missing tests/fixtures/ecg/dicom_ecg_golden.json";
  const auto golden = nlohmann::json::parse(in);
  const Record& r = real();
  EXPECT_EQ(r.samplingRateHz, golden["sampling_rate_hz"].get<double>());
  ASSERT_EQ(r.samples(), golden["samples"].get<std::size_t>());
  ASSERT_EQ(r.leads.size(), golden["leads"].size());
  for (std::size_t c = 0; c < r.leads.size(); ++c) {
    const auto& g = golden["leads"][c];
    EXPECT_EQ(r.leads[c], g["name"].get<std::string>());
    const auto first = g["first"].get<std::vector<double>>();
    for (std::size_t s = 0; s < first.size(); ++s)
      EXPECT_NEAR(r.microvolts[c][s], first[s], 1e-3) << r.leads[c] << " sample " << s;
    double sum = 0, squares = 0;
    for (float v : r.microvolts[c]) {
      sum += v;
      squares += double{v} * v;
    }
    const double goldenSum = g["sum"].get<double>(), goldenSquares = g["sum_of_squares"].get<double>();
    EXPECT_NEAR(sum, goldenSum, 1e-9 * std::max(1.0, std::abs(goldenSum))) << r.leads[c];
    EXPECT_NEAR(squares, goldenSquares, 1e-9 * goldenSquares) << r.leads[c];
  }
}

TEST(DicomEcg, ReadsTheRhythmGroupOfTwelveStandardLeads) {
  const Record& r = real();
  EXPECT_EQ(r.source, realFile());
  EXPECT_EQ(r.samplingRateHz, 1000.0);
  EXPECT_EQ(r.samples(), 10000u);  // 10 s
  const std::vector<std::string> standard{"I", "II", "III", "aVR", "aVL", "aVF", "V1", "V2", "V3", "V4", "V5", "V6"};
  EXPECT_EQ(r.leads, standard);
  for (const auto& lead : r.microvolts) EXPECT_EQ(lead.size(), r.samples());
  EXPECT_EQ(r.info.at("multiplex group"), "RHYTHM");
  EXPECT_EQ(r.info.count("padded samples"), 0u);
}

TEST(DicomEcg, HeaderInfo) {
  const Record& r = real();
  EXPECT_EQ(r.info.at("patient id"), "642341");
  EXPECT_EQ(r.info.at("age"), "42");
  EXPECT_EQ(r.info.at("sex"), "Female");
  EXPECT_EQ(r.info.at("acquired"), "2013-01-25 10:59:19");
  EXPECT_EQ(r.info.at("device"), "Mortara Instrument, Inc. el250");
  EXPECT_EQ(r.info.at("high-pass filter Hz"), "0.05");
  EXPECT_EQ(r.info.at("low-pass filter Hz"), "300");
  EXPECT_EQ(r.info.at("notch filter Hz"), "off");
  for (const auto& [key, value] : r.info) {  // the patient's name and birth date stay out
    EXPECT_EQ(value.find("Anonymous"), std::string::npos) << key;
    EXPECT_EQ(value.find("19710123"), std::string::npos) << key;
  }
}

TEST(DicomEcg, MachineMeasurementsAndStatements) {
  const auto& m = real().measurements;
  EXPECT_EQ(m.at("RR interval"), "982 ms");
  EXPECT_EQ(m.at("PR interval"), "161 ms");
  EXPECT_EQ(m.at("QRS duration"), "75 ms");
  EXPECT_EQ(m.at("QT interval"), "368 ms");
  EXPECT_EQ(m.at("QTc interval"), "370 ms");
  EXPECT_EQ(m.at("P axis"), "74 deg");
  EXPECT_EQ(m.at("QRS axis"), "52 deg");
  EXPECT_EQ(m.at("T axis"), "57 deg");
  EXPECT_EQ(m.at("statement 1"), "RITMO SINUSALE");
  EXPECT_EQ(m.at("statement 2"), "ECG NORMALE");
  EXPECT_EQ(m.count("QRS onset"), 0u);  // fiducial points are not measurements
}

TEST(DicomEcg, ReadsImplicitAndBigEndianCopies) {
  // DCMTK holds OW data in host byte order whatever the file's; the reader must not depend on either.
  const TempDir dir;
  for (const E_TransferSyntax syntax : {EXS_LittleEndianImplicit, EXS_BigEndianExplicit}) {
    const fs::path copy = editedCopy(dir, "copy.dcm", [](DcmDataset&) {}, syntax);
    const Record r = readDicomEcg(copy.string());
    EXPECT_EQ(r.leads, real().leads) << DcmXfer(syntax).getXferName();
    EXPECT_EQ(r.microvolts, real().microvolts) << DcmXfer(syntax).getXferName();
  }
}

TEST(DicomEcg, BaselineIsInPhysicalUnits) {
  // Lead I re-expressed in mV with a 0.5 mV baseline: PS3.3 gives raw × 0.00125 mV + 0.5 mV.
  const TempDir dir;
  const fs::path file = editedCopy(dir, "mv.dcm", [](DcmDataset& ds) {
    DcmItem& ch = channel(ds, 0);
    DcmItem& unit = item(ch, DCM_ChannelSensitivityUnitsSequence, 0);
    require(ch.putAndInsertString(DCM_ChannelSensitivity, "0.00125").good() &&
                ch.putAndInsertString(DCM_ChannelBaseline, "0.5").good() &&
                unit.putAndInsertString(DCM_CodeValue, "mV").good() &&
                unit.putAndInsertString(DCM_CodeMeaning, "millivolt").good(),
            "units");
  });
  const Record r = readDicomEcg(file.string());
  for (std::size_t s = 0; s < r.samples(); ++s)
    ASSERT_NEAR(r.microvolts[0][s], real().microvolts[0][s] + 500.0, 1e-3) << s;
  EXPECT_EQ(r.microvolts[1], real().microvolts[1]);
}

TEST(DicomEcg, ReadsEightBitSignedSamples) {
  const TempDir dir;
  const std::size_t n = 12 * 10000;
  const auto rawAt = [](std::size_t i) { return static_cast<Sint8>(static_cast<int>(i % 251) - 125); };
  const fs::path file = editedCopy(dir, "sb.dcm", [&](DcmDataset& ds) {
    DcmItem& g = group(ds, 0);
    std::vector<Uint8> bytes(n);
    for (std::size_t i = 0; i < n; ++i) bytes[i] = static_cast<Uint8>(rawAt(i));
    require(g.putAndInsertUint16(DCM_WaveformBitsAllocated, 8).good() &&
                g.putAndInsertString(DCM_WaveformSampleInterpretation, "SB").good() &&
                g.putAndInsertUint8Array(DCM_WaveformData, bytes.data(), n).good(),
            "8-bit data");
  });
  const Record r = readDicomEcg(file.string());
  for (std::size_t i = 0; i < n; ++i) ASSERT_EQ(r.microvolts[i % 12][i / 12], rawAt(i) * 1.25f) << i;
}

TEST(DicomEcg, PaddingSamplesBecomeZero) {
  // Raw 80 (100 µV, lead I's first sample) declared as the Waveform Padding Value.
  const TempDir dir;
  const fs::path file = editedCopy(dir, "padded.dcm", [](DcmDataset& ds) {
    const Uint16 padding = 80;
    require(group(ds, 0).putAndInsertUint16Array(DCM_WaveformPaddingValue, &padding, 1).good(), "padding");
  });
  const Record r = readDicomEcg(file.string());
  std::size_t expected = 0;
  for (std::size_t c = 0; c < r.leads.size(); ++c) {
    for (std::size_t s = 0; s < r.samples(); ++s) {
      const bool pad = real().microvolts[c][s] == 100.0f;
      expected += pad;
      ASSERT_EQ(r.microvolts[c][s], pad ? 0.0f : real().microvolts[c][s]) << c << " " << s;
    }
  }
  ASSERT_GT(expected, 0u);
  EXPECT_EQ(r.info.at("padded samples"), std::to_string(expected));
}

TEST(DicomEcg, ChoosesTheRhythmGroupNeverTheMedianBeat) {
  const TempDir dir;
  // The label decides, not the order or the length.
  const fs::path relabelled = editedCopy(dir, "relabelled.dcm", [](DcmDataset& ds) {
    require(group(ds, 0).putAndInsertString(DCM_MultiplexGroupLabel, "OTHER").good() &&
                group(ds, 1).putAndInsertString(DCM_MultiplexGroupLabel, "RHYTHM").good(),
            "labels");
  });
  EXPECT_EQ(readDicomEcg(relabelled.string()).samples(), 1200u);
  // Without labels, the longest group.
  const fs::path unlabelled = editedCopy(dir, "unlabelled.dcm", [](DcmDataset& ds) {
    delete group(ds, 0).remove(DCM_MultiplexGroupLabel);
    delete group(ds, 1).remove(DCM_MultiplexGroupLabel);
  });
  EXPECT_EQ(readDicomEcg(unlabelled.string()).samples(), 10000u);
  // Only the median beat left: no recording.
  const fs::path medianOnly = editedCopy(dir, "median.dcm", [](DcmDataset& ds) {
    DcmSequenceOfItems* groups = nullptr;
    require(ds.findAndGetSequence(DCM_WaveformSequence, groups).good() && groups, "groups");
    delete groups->remove(0ul);
  });
  expectFileError(medianOnly, "MEDIAN BEAT");
}

TEST(DicomEcg, BrokenFilesThrowFileErrorNamingTheFile) {
  const TempDir dir;
  const std::string bytes = krait::test::fileBytes(realFile());
  ASSERT_EQ(bytes.size(), 291088u);
  expectFileError(writeBytes(dir / "truncated.dcm", bytes.substr(0, 200000)), "truncated");
  expectFileError(dir / "absent.dcm", "no such file");

  std::mt19937 random(7);
  std::string noise(4096, '\0');
  for (char& b : noise) b = static_cast<char>(random());
  expectFileError(writeBytes(dir / "random.bin", noise), "not a DICOM file");

  DcmFileFormat ct;  // a valid DICOM file of another SOP class
  char uid[100];
  ct.getDataset()->putAndInsertString(DCM_SOPClassUID, UID_CTImageStorage);
  ct.getDataset()->putAndInsertString(DCM_SOPInstanceUID, dcmGenerateUniqueIdentifier(uid));
  ct.getDataset()->putAndInsertString(DCM_PatientID, "x");
  ASSERT_TRUE(ct.saveFile((dir / "ct.dcm").c_str(), EXS_LittleEndianExplicit).good());
  expectFileError(dir / "ct.dcm", "not an ECG waveform");

  const auto broken = [&](const std::string& name, const std::function<void(DcmDataset&)>& edit,
                          const std::string& reason) { expectFileError(editedCopy(dir, name, edit), reason); };
  broken("no_data.dcm", [](DcmDataset& ds) { delete group(ds, 0).remove(DCM_WaveformData); }, "no Waveform Data");
  broken("short_data.dcm", [](DcmDataset& ds) {
    const std::vector<Uint16> half(12 * 5000, 0);
    require(group(ds, 0).putAndInsertUint16Array(DCM_WaveformData, half.data(), half.size()).good(), "data");
  }, "holds 120000 bytes, fewer than the 240000");
  broken("no_waveforms.dcm", [](DcmDataset& ds) { delete ds.remove(DCM_WaveformSequence); }, "no Waveform Sequence");
  broken("zero_rate.dcm", [](DcmDataset& ds) {
    require(group(ds, 0).putAndInsertString(DCM_SamplingFrequency, "0").good(), "rate");
  }, "Sampling Frequency (003A,001A) is 0");
  broken("no_sensitivity.dcm", [](DcmDataset& ds) { delete channel(ds, 3).remove(DCM_ChannelSensitivity); },
         "channel 4 (aVR) has no Channel Sensitivity");
  broken("mmhg.dcm", [](DcmDataset& ds) {
    DcmItem& unit = item(channel(ds, 0), DCM_ChannelSensitivityUnitsSequence, 0);
    require(unit.putAndInsertString(DCM_CodeValue, "mm[Hg]").good(), "units");
  }, "units 'mm[Hg]'");
  broken("unsigned.dcm", [](DcmDataset& ds) {
    require(group(ds, 0).putAndInsertString(DCM_WaveformSampleInterpretation, "US").good(), "interpretation");
  }, "'US' with 16 bits allocated is not supported");
}
