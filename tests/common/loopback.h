// A plain TCP connection to a test server on 127.0.0.1, for requests an HTTP
// client library would not send (malformed heads, idle or half-closed
// connections).
//
// Thread safety: none needed; each call opens its own socket.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdint>

namespace kjit::testing {

// A connected socket to 127.0.0.1:`port`, or -1 when the connect fails; the caller closes it.
inline int connect_loopback(int port) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<std::uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

}  // namespace kjit::testing
