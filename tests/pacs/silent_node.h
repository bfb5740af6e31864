#pragma once
// A TCP listener on loopback that never answers: connections complete (the kernel's backlog) but no DICOM
// association ever does, so a request to it lasts exactly the node's timeout: the PACS tests' "no answer", and
// the studio staying responsive while a PACS request is under way.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

class SilentNode {
 public:
  SilentNode() {
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof a;
    if (bind(socket_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 || listen(socket_, 4) != 0 ||
        getsockname(socket_, reinterpret_cast<sockaddr*>(&a), &length) != 0)
      port_ = 0;
    else
      port_ = ntohs(a.sin_port);
  }
  ~SilentNode() { close(socket_); }
  SilentNode(const SilentNode&) = delete;
  SilentNode& operator=(const SilentNode&) = delete;
  int port() const { return port_; }

 private:
  int socket_ = ::socket(AF_INET, SOCK_STREAM, 0);
  int port_ = 0;
};
