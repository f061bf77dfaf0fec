#include "ingest/syslog/socket_address.h"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <cstring>

namespace wardsoc {

std::string_view peer_address_text(const sockaddr* addr, char (&buf)[kPeerTextMax]) {
  const char* text = nullptr;
  if (addr->sa_family == AF_INET) {
    const auto* v4 = reinterpret_cast<const sockaddr_in*>(addr);
    text = inet_ntop(AF_INET, &v4->sin_addr, buf, kPeerTextMax);
  } else if (addr->sa_family == AF_INET6) {
    const auto* v6 = reinterpret_cast<const sockaddr_in6*>(addr);
    // A dual-stack socket reports IPv4 senders as ::ffff:a.b.c.d; the asset table and
    // the police know them as a.b.c.d.
    if (IN6_IS_ADDR_V4MAPPED(&v6->sin6_addr)) {
      text = inet_ntop(AF_INET, &v6->sin6_addr.s6_addr[12], buf, kPeerTextMax);
    } else {
      text = inet_ntop(AF_INET6, &v6->sin6_addr, buf, kPeerTextMax);
    }
  }
  return text == nullptr ? std::string_view() : std::string_view(text);
}

std::string endpoint_text(const sockaddr* addr) {
  char buf[kPeerTextMax];
  const std::string_view host = peer_address_text(addr, buf);
  uint16_t port = 0;
  if (addr->sa_family == AF_INET) {
    port = ntohs(reinterpret_cast<const sockaddr_in*>(addr)->sin_port);
  } else if (addr->sa_family == AF_INET6) {
    port = ntohs(reinterpret_cast<const sockaddr_in6*>(addr)->sin6_port);
  }
  const bool bracket = addr->sa_family == AF_INET6 && host.find(':') != std::string_view::npos;
  std::string out;
  if (bracket) out += '[';
  out += host;
  if (bracket) out += ']';
  out += ':';
  out += std::to_string(port);
  return out;
}

bool same_address(const sockaddr_storage& a, const sockaddr_storage& b) {
  if (a.ss_family != b.ss_family) return false;
  if (a.ss_family == AF_INET) {
    return std::memcmp(&reinterpret_cast<const sockaddr_in&>(a).sin_addr,
                       &reinterpret_cast<const sockaddr_in&>(b).sin_addr, sizeof(in_addr)) == 0;
  }
  if (a.ss_family == AF_INET6) {
    return std::memcmp(&reinterpret_cast<const sockaddr_in6&>(a).sin6_addr,
                       &reinterpret_cast<const sockaddr_in6&>(b).sin6_addr, sizeof(in6_addr)) == 0;
  }
  return false;
}

}  // namespace wardsoc
