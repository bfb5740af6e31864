#include "orthanc_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <stdexcept>
#include <thread>

namespace fs = std::filesystem;
using nlohmann::json;

namespace krait::test {

namespace {

// One HTTP/1.0 exchange with Orthanc on loopback: the status code and the body.
std::pair<int, std::string> http(int port, const std::string& method, const std::string& path, const std::string& body = "") {
  const int s = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<uint16_t>(port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(s, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
    close(s);
    return {0, ""};
  }
  const std::string request = method + " " + path + " HTTP/1.0\r\nHost: 127.0.0.1\r\nContent-Length: " +
                              std::to_string(body.size()) + "\r\n\r\n" + body;
  for (std::size_t sent = 0; sent < request.size();) {
    const ssize_t n = send(s, request.data() + sent, request.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) break;
    sent += static_cast<std::size_t>(n);
  }
  std::string reply;
  char buf[65536];
  for (ssize_t n; (n = recv(s, buf, sizeof buf, 0)) > 0;) reply.append(buf, static_cast<std::size_t>(n));
  close(s);
  const auto headerEnd = reply.find("\r\n\r\n");
  if (reply.compare(0, 5, "HTTP/") != 0 || headerEnd == std::string::npos) return {0, ""};
  return {std::stoi(reply.substr(reply.find(' ') + 1, 3)), reply.substr(headerEnd + 4)};
}

}  // namespace

int freePort() {
  const int s = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bind(s, reinterpret_cast<sockaddr*>(&a), sizeof a);
  socklen_t len = sizeof a;
  getsockname(s, reinterpret_cast<sockaddr*>(&a), &len);
  close(s);
  return ntohs(a.sin_port);
}

OrthancServer::OrthancServer(const OrthancOptions& options) : options_(options) {
  dicomPort_ = freePort();
  httpPort_ = freePort();
  json config{{"Name", "krait-test"},
              {"StorageDirectory", (dir_ / "storage").string()},
              {"IndexDirectory", (dir_ / "storage").string()},
              {"DicomAet", options.aeTitle},
              {"DicomPort", dicomPort_},
              {"HttpPort", httpPort_},
              {"HttpServerEnabled", true},
              {"RemoteAccessAllowed", false},
              {"AuthenticationEnabled", false},
              {"Plugins", json::array()},
              {"DicomCheckCalledAet", true},
              // Only the AE title registered below may do anything: an unknown caller is rejected.
              {"DicomAlwaysAllowEcho", false},
              {"DicomAlwaysAllowStore", false},
              {"DicomAlwaysAllowFind", false},
              {"DicomAlwaysAllowGet", false},
              {"DicomAlwaysAllowMove", false},
              {"DicomCheckModalityHost", true},
              {"DicomModalities", {{"krait", {options.kraitAeTitle, "127.0.0.1", options.kraitStorePort ? options.kraitStorePort : 104}}}},
              {"DicomScuTimeout", 5},
              {"StorageCompression", false},
              {"SaveJobs", false}};
  if (!options.tlsCertificate.empty()) {
    config["DicomTlsEnabled"] = true;
    config["DicomTlsCertificate"] = options.tlsCertificate.string();
    config["DicomTlsPrivateKey"] = options.tlsKey.string();
    config["DicomTlsTrustedCertificates"] = options.tlsTrusted.string();
    config["DicomTlsRemoteCertificateRequired"] = options.remoteCertificateRequired;
  }
  std::ofstream(dir_ / "orthanc.json") << config.dump(2);

  pid_ = fork();
  if (pid_ == 0) {
    if (!freopen((dir_ / "orthanc.log").c_str(), "w", stdout) || !freopen((dir_ / "orthanc.log").c_str(), "a", stderr)) _exit(127);
    const std::string cfg = (dir_ / "orthanc.json").string();
    execl("/usr/sbin/Orthanc", "Orthanc", cfg.c_str(), static_cast<char*>(nullptr));
    _exit(127);
  }
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (http(httpPort_, "GET", "/system").first != 200) {
    int status = 0;
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      throw std::runtime_error("Orthanc exited while starting (is Debian's orthanc installed?): " + fileBytes(dir_ / "orthanc.log"));
    }
    if (std::chrono::steady_clock::now() > deadline) throw std::runtime_error("Orthanc did not answer in 30 s: " + fileBytes(dir_ / "orthanc.log"));
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
}

OrthancServer::~OrthancServer() {
  if (pid_ > 0) {
    kill(pid_, SIGTERM);
    int status = 0;
    waitpid(pid_, &status, 0);
  }
}

std::string OrthancServer::get(const std::string& path) const {
  const auto [status, body] = http(httpPort_, "GET", path);
  if (status != 200) throw std::runtime_error("Orthanc GET " + path + ": HTTP " + std::to_string(status));
  return body;
}

json OrthancServer::post(const std::string& path, const std::string& body) const {
  const auto [status, reply] = http(httpPort_, "POST", path, body);
  if (status != 200) throw std::runtime_error("Orthanc POST " + path + ": HTTP " + std::to_string(status) + " " + reply);
  return json::parse(reply);
}

std::vector<std::string> OrthancServer::upload(const fs::path& folder) const {
  std::vector<std::string> ids;
  for (const auto& e : fs::directory_iterator(folder))
    if (e.is_regular_file()) ids.push_back(post("/instances", fileBytes(e.path())).at("ID").get<std::string>());
  return ids;
}

}  // namespace krait::test
