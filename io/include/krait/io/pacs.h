#pragma once
// A PACS over DIMSE, through DCMTK's dcmnet (and dcmtls for TLS): C-ECHO, C-FIND, C-GET, C-MOVE to Krait's own
// storage SCP, and C-STORE. Every failure is an Error(Network) whose message names the node, its address and
// what went wrong (refused connection, rejected association, a status from the node, a timeout); a retrieve
// leaves its output folder as it was unless every instance arrived, and a send says which files the node refused.
#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

namespace krait::io {

// One remote DICOM node.
struct PacsNode {
  std::string name;              // the key in the configuration
  std::string aeTitle;           // the node's (called) AE title
  std::string host;
  int port = 104;
  std::string retrieve = "get";  // "get": C-GET on the query's association; "move": C-MOVE to Krait's storage SCP
  int timeoutSeconds = 30;       // connection, association and each DIMSE message
  // TLS (DICOM PS3.15 BCP 195 profile) when `tls`; the node's certificate must chain to `tlsTrusted` (PEM).
  // `tlsCertificate` and `tlsKey` (PEM) identify Krait to nodes that ask for a client certificate.
  bool tls = false;
  std::string tlsTrusted, tlsCertificate, tlsKey;

  std::string address() const;  // "ORTHANC@127.0.0.1:4242"
};

// Krait's side and the nodes it knows: a JSON file (docs/pacs.md).
struct PacsSettings {
  std::string aeTitle = "KRAIT";  // Krait's (calling) AE title, also its storage SCP's
  int storePort = 0;              // the storage SCP's port for C-MOVE; the node must know KRAIT at this port
  std::string defaultNode;        // the node used when none is named; "" with one node: that one
  std::map<std::string, PacsNode> nodes;
  std::filesystem::path file;  // where the settings came from

  // Throws Error(Input) naming the file for a missing, unreadable or invalid file (an unknown key included).
  static PacsSettings load(const std::filesystem::path& file);
  // The node called `name` ("" for the default one); throws Error(Usage) naming the nodes there are.
  const PacsNode& node(const std::string& name) const;
};

// --pacs-config when given, else $KRAIT_PACS_CONFIG, else $XDG_CONFIG_HOME/krait/pacs.json
// (~/.config/krait/pacs.json).
std::filesystem::path pacsSettingsFile(const std::string& override = "");

enum class QueryLevel { Patient, Study, Series, Image };
QueryLevel queryLevelNamed(const std::string& name);  // patient, study, series, image; else Error(Usage)

// A match: attribute keyword (PatientID, StudyInstanceUID, ...) -> value as the node returned it.
using QueryMatch = std::map<std::string, std::string>;

// C-FIND (Study Root, or Patient Root at patient level) at `level` with the given keys (keyword -> value, DICOM
// matching: wildcards * and ?, date ranges); every level's usual attributes are asked for. Throws Error(Usage)
// for an unknown keyword, Error(Network) when the node cannot be reached or fails the query.
std::vector<QueryMatch> pacsFind(const PacsSettings& settings, const PacsNode& node, QueryLevel level,
                                 const QueryMatch& keys);

// C-ECHO; throws Error(Network) when the node cannot be reached or does not answer success.
void pacsEcho(const PacsSettings& settings, const PacsNode& node);

struct RetrieveResult {
  std::vector<std::filesystem::path> files;  // the instances now in the output folder
  int warnings = 0;                          // sub-operations the node reported with a warning
};

// Retrieves one series (C-GET or C-MOVE, as the node says) into `folder` (created when missing). Files appear
// only when every instance arrived; otherwise nothing is added and Error(Network) says how many failed.
RetrieveResult pacsRetrieveSeries(const PacsSettings& settings, const PacsNode& node, const std::string& studyUid,
                                  const std::string& seriesUid, const std::filesystem::path& folder);

// C-STORE of each file on one association. Throws Error(Input) naming a file that is not DICOM (before anything
// is sent) and Error(Network) naming the files the node did not store.
void pacsSend(const PacsSettings& settings, const PacsNode& node, const std::vector<std::filesystem::path>& files);

}  // namespace krait::io
