// C-STORE: every file is checked before the association opens, so a folder with a stray non-DICOM file sends
// nothing rather than half of it.
#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmdata/dctk.h>
#include <dcmtk/dcmnet/diutil.h>

#include <set>

#include "pacs_association.h"

namespace fs = std::filesystem;

namespace krait::io {

namespace {

struct Instance {
  fs::path file;
  std::string sopClass, transferSyntax;
};

Instance describe(const fs::path& file) {
  DcmFileFormat f;
  if (OFCondition cond = f.loadFile(file.c_str(), EXS_Unknown, EGL_noChange, 0, ERM_metaOnly); cond.bad())
    throw inputError(file.string(), std::string("is not a DICOM file: ") + cond.text());
  OFString sopClass, syntax;
  f.getMetaInfo()->findAndGetOFString(DCM_MediaStorageSOPClassUID, sopClass);
  f.getMetaInfo()->findAndGetOFString(DCM_TransferSyntaxUID, syntax);
  if (sopClass.empty() || syntax.empty())
    throw inputError(file.string(), "has no SOP class or transfer syntax in its meta header (a DICOM file, not a bare dataset, is sent)");
  return {file, sopClass.c_str(), syntax.c_str()};
}

}  // namespace

void pacsSend(const PacsSettings& settings, const PacsNode& node, const std::vector<fs::path>& files) {
  if (files.empty()) throw Error(ErrorKind::Usage, "nothing to send");
  std::vector<Instance> instances;
  for (const fs::path& f : files) instances.push_back(describe(f));

  // One context per SOP class and stored transfer syntax, with the uncompressed ones as fallbacks that
  // DcmSCU converts to when the node does not take the stored one.
  std::set<std::pair<std::string, std::string>> wanted;
  for (const Instance& i : instances) wanted.insert({i.sopClass, i.transferSyntax});
  std::vector<PresentationContext> contexts;
  for (const auto& [sopClass, syntax] : wanted) {
    PresentationContext c{sopClass, {syntax}};
    for (const char* plain : {UID_LittleEndianExplicitTransferSyntax, UID_LittleEndianImplicitTransferSyntax})
      if (syntax != plain) c.transferSyntaxes.push_back(plain);
    contexts.push_back(std::move(c));
  }
  if (contexts.size() > 128) throw Error(ErrorKind::Usage, "more than 128 kinds of instance to send on one association");
  PacsAssociation a(settings, node, contexts);
  a.scu().setDatasetConversionMode(OFTrue);

  std::string refused;
  int failures = 0;
  for (const Instance& i : instances) {
    Uint16 status = 0;
    const OFCondition cond = a.scu().sendSTORERequest(0, i.file.c_str(), nullptr, status);
    if (cond.bad()) throw a.failure("C-STORE of " + i.file.string() + " failed", cond);
    // Warnings (0xB000, 0xB006, 0xB007: coerced or elements discarded) still mean the node stored it.
    if (status != STATUS_Success && (status & 0xF000) != 0xB000) {
      ++failures;
      refused += "\n  " + i.file.string() + ": " + DU_cstoreStatusString(status);
    }
  }
  if (failures > 0)
    throw pacsError(node, "did not store " + std::to_string(failures) + " of " + std::to_string(instances.size()) + " file(s)", refused);
}

}  // namespace krait::io
