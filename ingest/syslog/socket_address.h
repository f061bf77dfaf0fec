// Socket addresses as people read them: the sender of an event ("10.0.3.17", an
// IPv4-mapped IPv6 address shown as IPv4) and a listening endpoint ("127.0.0.1:5514",
// "[::1]:5514").
//
// Thread safety: pure functions.
#pragma once

#include <sys/socket.h>

#include <cstddef>
#include <string>
#include <string_view>

namespace wardsoc {

// Writes the address (no port) into buf and returns a view of it; empty for families
// other than IPv4 and IPv6. 64 bytes are always enough.
inline constexpr size_t kPeerTextMax = 64;
std::string_view peer_address_text(const sockaddr* addr, char (&buf)[kPeerTextMax]);

// "host:port", with the host in brackets for IPv6.
std::string endpoint_text(const sockaddr* addr);

// Whether a and b hold the same address (ports ignored).
bool same_address(const sockaddr_storage& a, const sockaddr_storage& b);

}  // namespace wardsoc
