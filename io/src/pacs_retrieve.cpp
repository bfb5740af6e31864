// C-GET (the instances come back on the query's own association) and C-MOVE (the node opens an association to
// Krait's storage SCP, which listens only while the move runs). Both store into a hidden folder beside the
// output, which is moved in only when every instance arrived: a broken retrieve adds nothing.
#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmdata/dctk.h>
#include <dcmtk/dcmnet/diutil.h>
#include <dcmtk/dcmnet/dstorscp.h>

#include <atomic>
#include <map>
#include <random>
#include <set>
#include <thread>

#include "pacs_association.h"

namespace fs = std::filesystem;

namespace krait::io {

namespace {

// A hidden folder inside the output folder (same file system: the final moves are renames), removed with
// whatever it still holds when the retrieve ends.
class StagingFolder {
 public:
  explicit StagingFolder(const fs::path& folder) {
    std::error_code ec;
    fs::create_directories(folder, ec);
    if (ec) throw outputError(folder.string(), "cannot be created: " + ec.message());
    std::random_device random;
    path_ = folder / (".krait-retrieve-" + std::to_string(random()));
    if (!fs::create_directory(path_, ec)) throw outputError(folder.string(), "cannot be written: " + (ec ? ec.message() : "name taken"));
  }
  ~StagingFolder() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  StagingFolder(const StagingFolder&) = delete;
  StagingFolder& operator=(const StagingFolder&) = delete;
  const fs::path& path() const { return path_; }

  // SOP Instance UID -> file, for every file that arrived.
  std::map<std::string, fs::path> instances() const {
    std::map<std::string, fs::path> found;
    for (const auto& entry : fs::directory_iterator(path_)) {
      DcmFileFormat file;
      OFString uid;
      if (file.loadFile(entry.path().c_str(), EXS_Unknown, EGL_noChange, 0, ERM_metaOnly).bad() ||
          file.getMetaInfo()->findAndGetOFString(DCM_MediaStorageSOPInstanceUID, uid).bad() || uid.empty())
        throw inputError(entry.path().string(), "a retrieved file without a SOP Instance UID in its meta header");
      found[uid.c_str()] = entry.path();
    }
    return found;
  }

  // Moves every file in as <SOPInstanceUID>.dcm (an instance retrieved before is replaced by its new copy).
  static std::vector<fs::path> moveInto(const std::map<std::string, fs::path>& instances, const fs::path& folder) {
    std::vector<fs::path> moved;
    for (const auto& [uid, file] : instances) {
      moved.push_back(folder / (uid + ".dcm"));
      fs::rename(file, moved.back());
    }
    return moved;
  }

 private:
  fs::path path_;
};

DcmDataset seriesKeys(const std::string& studyUid, const std::string& seriesUid) {
  DcmDataset keys;
  keys.putAndInsertString(DCM_QueryRetrieveLevel, "SERIES");
  keys.putAndInsertString(DCM_StudyInstanceUID, studyUid.c_str());
  keys.putAndInsertString(DCM_SeriesInstanceUID, seriesUid.c_str());
  return keys;
}

// The sub-operation counts of the last response, and its status; frees the responses.
struct Outcome {
  Uint16 status = 0;
  int completed = 0, failed = 0, warnings = 0;
};

Outcome outcomeOf(OFList<RetrieveResponse*>& responses) {
  Outcome o;
  for (RetrieveResponse* r : responses) {
    o.status = r->m_status;
    o.completed = r->m_numberOfCompletedSubops;
    o.failed = r->m_numberOfFailedSubops;
    o.warnings = r->m_numberOfWarningSubops;
    delete r;
  }
  responses.clear();
  return o;
}

// The node's final status, then every instance the series holds (as C-FIND listed it) against what arrived.
RetrieveResult finish(const PacsNode& node, const std::string& what, const Outcome& o, const char* statusText,
                      const std::set<std::string>& expected, const StagingFolder& staging, const fs::path& folder) {
  if (o.failed > 0 || (o.status != STATUS_Success && o.status != STATUS_GET_Warning_SubOperationsCompleteOneOrMoreFailures))
    throw pacsError(node, what + " failed", "status " + std::string(statusText) + ", " + std::to_string(o.failed) +
                                                " instance(s) not sent, " + std::to_string(o.completed) + " sent; nothing was kept");
  const std::map<std::string, fs::path> arrived = staging.instances();
  std::size_t missing = 0;
  for (const std::string& uid : expected) missing += arrived.count(uid) == 0;
  if (missing > 0)
    throw pacsError(node, what + " incomplete", std::to_string(missing) + " of the series' " + std::to_string(expected.size()) +
                                                   " instance(s) did not arrive; nothing was kept");
  return {StagingFolder::moveInto(arrived, folder), o.warnings};
}

RetrieveResult get(const PacsSettings& settings, const PacsNode& node, DcmDataset& keys, const std::set<std::string>& expected,
                   const fs::path& folder) {
  const StagingFolder staging(folder);
  // The storage classes Krait takes back, in the SCP role on this association (PS3.4 C.4.3): at most 127
  // contexts besides C-GET's own.
  std::vector<PresentationContext> contexts{
      {UID_GETStudyRootQueryRetrieveInformationModel, {UID_LittleEndianExplicitTransferSyntax, UID_LittleEndianImplicitTransferSyntax}}};
  for (int i = 0; i < numberOfDcmLongSCUStorageSOPClassUIDs && contexts.size() < 128; ++i)
    contexts.push_back({dcmLongSCUStorageSOPClassUIDs[i], acceptedTransferSyntaxes(), ASC_SC_ROLE_SCP});
  PacsAssociation a(settings, node, contexts, [&](DcmSCU& scu) {
    scu.setStorageMode(DCMSCU_STORAGE_DISK);
    scu.setStorageDir(staging.path().c_str());
  });
  OFList<RetrieveResponse*> responses;
  const OFCondition cond = a.scu().sendCGETRequest(a.context(UID_GETStudyRootQueryRetrieveInformationModel, "retrieval (C-GET)"), &keys, &responses);
  const Outcome o = outcomeOf(responses);
  if (cond.bad()) throw a.failure("C-GET failed; nothing was kept", cond);
  return finish(node, "C-GET", o, DU_cgetStatusString(o.status), expected, staging, folder);
}

// Krait's storage SCP for one C-MOVE: it accepts associations called with Krait's AE title only, stores into
// the staging folder, and stops within a second of being told to.
class MoveDestination : public DcmStorageSCP {
 public:
  MoveDestination(const PacsSettings& settings, const fs::path& folder) : ae_(settings.aeTitle) {
    setAETitle(settings.aeTitle.c_str());
    setPort(static_cast<Uint16>(settings.storePort));
    setOutputDirectory(folder.c_str());
    setDirectoryGenerationMode(DGM_NoSubdirectory);
    setFilenameGenerationMode(FGM_SOPInstanceUID);
    setConnectionBlockingMode(DUL_NOBLOCK);
    setConnectionTimeout(1);
    OFList<OFString> syntaxes;
    for (const std::string& t : acceptedTransferSyntaxes()) syntaxes.push_back(t.c_str());
    for (int i = 0; i < numberOfDcmAllStorageSOPClassUIDs; ++i) addPresentationContext(dcmAllStorageSOPClassUIDs[i], syntaxes);
  }
  std::atomic<bool> stop{false};

 protected:
  OFBool stopAfterConnectionTimeout() override { return stop.load(); }
  OFBool stopAfterCurrentAssociation() override { return stop.load(); }
  OFBool checkCalledAETitleAccepted(const OFString& called) override { return called == ae_.c_str(); }

 private:
  std::string ae_;
};

RetrieveResult move(const PacsSettings& settings, const PacsNode& node, DcmDataset& keys, const std::set<std::string>& expected,
                    const fs::path& folder) {
  if (settings.storePort == 0)
    throw Error(ErrorKind::Usage, settings.file.string() + ": node " + node.name + " retrieves with C-MOVE, which needs \"store_port\" "
                                  "(the port of Krait's storage SCP, known to the node as " + settings.aeTitle + ")");
  const StagingFolder staging(folder);
  MoveDestination destination(settings, staging.path());
  if (OFCondition cond = destination.openListenPort(); cond.bad())
    throw Error(ErrorKind::Network, "Krait's storage SCP cannot listen on port " + std::to_string(settings.storePort) +
                                        " (store_port in " + settings.file.string() + "): " + cond.text());
  std::thread listener([&destination] { destination.acceptAssociations(); });
  struct Join {  // the listener stops and is joined on every way out
    MoveDestination& d;
    std::thread& t;
    ~Join() {
      d.stop = true;
      t.join();
    }
  } join{destination, listener};

  PacsAssociation a(settings, node, {{UID_MOVEStudyRootQueryRetrieveInformationModel, {UID_LittleEndianExplicitTransferSyntax, UID_LittleEndianImplicitTransferSyntax}}});
  OFList<RetrieveResponse*> responses;
  const OFCondition cond = a.scu().sendMOVERequest(a.context(UID_MOVEStudyRootQueryRetrieveInformationModel, "retrieval (C-MOVE)"),
                                                   settings.aeTitle.c_str(), &keys, &responses);
  const Outcome o = outcomeOf(responses);
  if (cond.bad()) throw a.failure("C-MOVE failed; nothing was kept", cond);
  if (o.status == STATUS_MOVE_Failed_MoveDestinationUnknown)
    throw pacsError(node, "C-MOVE refused", "the node does not know the move destination " + settings.aeTitle +
                                                " (add it to its modalities at this host, port " + std::to_string(settings.storePort) + ")");
  return finish(node, "C-MOVE", o, DU_cmoveStatusString(o.status), expected, staging, folder);
}

}  // namespace

RetrieveResult pacsRetrieveSeries(const PacsSettings& settings, const PacsNode& node, const std::string& studyUid,
                                  const std::string& seriesUid, const fs::path& folder) {
  if (studyUid.empty() || seriesUid.empty()) throw Error(ErrorKind::Usage, "retrieving a series needs its study and series UIDs");
  // What the series holds, first: a series the node does not have is said as such, and completeness is
  // checked instance by instance rather than trusted to the node's counts.
  std::set<std::string> expected;
  for (const QueryMatch& m : pacsFind(settings, node, QueryLevel::Image, {{"StudyInstanceUID", studyUid}, {"SeriesInstanceUID", seriesUid}}))
    if (const auto it = m.find("SOPInstanceUID"); it != m.end() && !it->second.empty()) expected.insert(it->second);
  if (expected.empty()) throw pacsError(node, "has no series " + seriesUid + " in study " + studyUid, "nothing was retrieved");
  DcmDataset keys = seriesKeys(studyUid, seriesUid);
  return node.retrieve == "move" ? move(settings, node, keys, expected, folder) : get(settings, node, keys, expected, folder);
}

}  // namespace krait::io
