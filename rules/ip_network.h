// IP addresses and networks (CIDR) as rule conditions and named lists use them: parse
// "203.0.113.7", "2001:db8::/32", "10.0.0.0/8" once at load time, then test captured
// field values against them on the hot path without allocating. Plain values; any thread.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace wardsoc {

// An address in IPv6 form (IPv4 is kept as ::ffff:a.b.c.d), so one comparison covers both.
struct IpAddress {
  std::array<uint8_t, 16> bytes{};
  bool v4 = false;
};

// Parses "a.b.c.d" or an IPv6 address (with an optional "%zone" that is ignored, and
// optional surrounding brackets). nullopt when the text is not an address.
std::optional<IpAddress> parse_ip(std::string_view text);

struct IpNetwork {
  IpAddress base;    // host bits cleared
  int prefix = 0;    // in IPv6 bits: an IPv4 /24 is stored as /120
  std::string text;  // as written, for messages

  bool contains(const IpAddress& a) const;
};

// "10.0.0.0/8", "2001:db8::/32", or a plain address (a /32 or /128 network). On failure
// returns nullopt and says why in *why.
std::optional<IpNetwork> parse_network(std::string_view text, std::string* why);

}  // namespace wardsoc
