// C-ECHO and C-FIND.
#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmdata/dctk.h>
#include <dcmtk/dcmnet/diutil.h>

#include "pacs_association.h"

namespace krait::io {

namespace {

// What each level asks for besides the keys given: what a person picking a study or series wants to see.
std::vector<std::string> returnKeys(QueryLevel level) {
  switch (level) {
    case QueryLevel::Patient:
      return {"PatientName", "PatientID", "PatientBirthDate", "PatientSex", "NumberOfPatientRelatedStudies"};
    case QueryLevel::Study:
      return {"PatientName", "PatientID", "StudyInstanceUID", "StudyDate", "StudyTime", "StudyDescription",
              "AccessionNumber", "ModalitiesInStudy", "NumberOfStudyRelatedSeries", "NumberOfStudyRelatedInstances"};
    case QueryLevel::Series:
      return {"StudyInstanceUID", "SeriesInstanceUID", "Modality", "SeriesNumber", "SeriesDescription",
              "BodyPartExamined", "NumberOfSeriesRelatedInstances"};
    case QueryLevel::Image:
      return {"StudyInstanceUID", "SeriesInstanceUID", "SOPInstanceUID", "SOPClassUID", "InstanceNumber"};
  }
  return {};
}

const char* levelName(QueryLevel level) {
  switch (level) {
    case QueryLevel::Patient: return "PATIENT";
    case QueryLevel::Study: return "STUDY";
    case QueryLevel::Series: return "SERIES";
    case QueryLevel::Image: return "IMAGE";
  }
  return "";
}

DcmTagKey tagNamed(const std::string& keyword) {
  DcmTag tag;
  if (DcmTag::findTagFromName(keyword.c_str(), tag).bad())
    throw Error(ErrorKind::Usage, "\"" + keyword + "\" is not a DICOM attribute keyword (PatientID, StudyDate, Modality, ...)");
  return tag;  // DcmTag is a DcmTagKey
}

}  // namespace

void pacsEcho(const PacsSettings& settings, const PacsNode& node) {
  PacsAssociation a(settings, node, {{UID_VerificationSOPClass, {UID_LittleEndianImplicitTransferSyntax}}});
  if (OFCondition cond = a.scu().sendECHORequest(a.context(UID_VerificationSOPClass, "verification (C-ECHO)")); cond.bad())
    throw a.failure("C-ECHO failed", cond);
}

std::vector<QueryMatch> pacsFind(const PacsSettings& settings, const PacsNode& node, QueryLevel level, const QueryMatch& keys) {
  DcmDataset query;
  query.putAndInsertString(DCM_QueryRetrieveLevel, levelName(level));
  for (const std::string& k : returnKeys(level)) query.insertEmptyElement(tagNamed(k));
  for (const auto& [keyword, value] : keys)
    if (query.putAndInsertString(tagNamed(keyword), value.c_str()).bad())
      throw Error(ErrorKind::Usage, "\"" + value + "\" is not a valid value of " + keyword);

  // Patients exist only in the Patient Root model; below them Study Root needs no patient key.
  const char* model = level == QueryLevel::Patient ? UID_FINDPatientRootQueryRetrieveInformationModel
                                                   : UID_FINDStudyRootQueryRetrieveInformationModel;
  PacsAssociation a(settings, node, {{model, {UID_LittleEndianExplicitTransferSyntax, UID_LittleEndianImplicitTransferSyntax}}});
  OFList<QRResponse*> responses;
  const OFCondition cond = a.scu().sendFINDRequest(a.context(model, "queries (C-FIND)"), &query, &responses);
  std::vector<QueryMatch> matches;
  Uint16 finalStatus = 0;
  for (QRResponse* r : responses) {
    if (DICOM_PENDING_STATUS(r->m_status) && r->m_dataset) {
      QueryMatch match;
      for (unsigned long i = 0; i < r->m_dataset->card(); ++i) {
        DcmElement* e = r->m_dataset->getElement(i);
        OFString value;
        DcmTag tag = e->getTag();
        if (tag.getTagName() && e->getOFStringArray(value).good() && tag != DCM_QueryRetrieveLevel)
          match[tag.getTagName()] = value.c_str();
      }
      matches.push_back(std::move(match));
    } else {
      finalStatus = r->m_status;
    }
    delete r;
  }
  if (cond.bad()) throw a.failure("C-FIND failed", cond);
  if (finalStatus != STATUS_Success)
    throw pacsError(node, std::string("C-FIND at ") + levelName(level) + " level failed", "status " + std::string(DU_cfindStatusString(finalStatus)));
  return matches;
}

}  // namespace krait::io
