#pragma once
// A real Orthanc (Debian's `Orthanc` binary) for one test: its own configuration, AE title, DICOM and HTTP ports
// on loopback and storage in a temporary folder; started in the constructor (which waits until its REST API
// answers) and stopped, with its folder removed, in the destructor. The REST API is the test's independent view
// of what the PACS holds.
#include <sys/types.h>

#include <filesystem>
#include <string>

#include <nlohmann/json.hpp>

#include "testdata.h"

namespace krait::test {

struct OrthancOptions {
  std::string aeTitle = "ORTHANC";
  std::string kraitAeTitle = "KRAIT";  // the one calling AE title Orthanc knows, at kraitStorePort for C-MOVE
  int kraitStorePort = 0;
  // TLS: PEM files; remoteCertificateRequired asks Krait for a client certificate signed by `trusted`.
  std::filesystem::path tlsCertificate, tlsKey, tlsTrusted;
  bool remoteCertificateRequired = false;
};

class OrthancServer {
 public:
  explicit OrthancServer(const OrthancOptions& options = {});
  ~OrthancServer();
  OrthancServer(const OrthancServer&) = delete;
  OrthancServer& operator=(const OrthancServer&) = delete;

  int dicomPort() const { return dicomPort_; }
  const std::string& aeTitle() const { return options_.aeTitle; }

  // REST: GET returns the body (throws on a status other than 200); POST of a file's bytes.
  std::string get(const std::string& path) const;
  nlohmann::json getJson(const std::string& path) const { return nlohmann::json::parse(get(path)); }
  nlohmann::json post(const std::string& path, const std::string& body) const;
  // Uploads every file of a folder; returns the Orthanc ids of the instances.
  std::vector<std::string> upload(const std::filesystem::path& folder) const;

 private:
  OrthancOptions options_;
  TempDir dir_;
  int dicomPort_ = 0, httpPort_ = 0;
  pid_t pid_ = -1;
};

// A TCP port nothing listens on at the moment of the call (the kernel's pick for a socket bound to port 0).
int freePort();

}  // namespace krait::test
