#include "rules/ip_network.h"

#include <arpa/inet.h>

#include <charconv>
#include <cstring>

namespace wardsoc {

namespace {
constexpr size_t kMaxAddressText = 64;  // longer than any IPv6 text form with a zone
}  // namespace

std::optional<IpAddress> parse_ip(std::string_view text) {
  if (text.size() >= 2 && text.front() == '[' && text.back() == ']')
    text = text.substr(1, text.size() - 2);
  if (const size_t zone = text.find('%'); zone != std::string_view::npos)
    text = text.substr(0, zone);
  if (text.empty() || text.size() >= kMaxAddressText) return std::nullopt;
  char buf[kMaxAddressText];
  std::memcpy(buf, text.data(), text.size());
  buf[text.size()] = '\0';
  IpAddress a;
  if (text.find(':') == std::string_view::npos) {
    in_addr v4;
    if (inet_pton(AF_INET, buf, &v4) != 1) return std::nullopt;
    a.bytes[10] = 0xff;
    a.bytes[11] = 0xff;
    std::memcpy(a.bytes.data() + 12, &v4, 4);
    a.v4 = true;
    return a;
  }
  in6_addr v6;
  if (inet_pton(AF_INET6, buf, &v6) != 1) return std::nullopt;
  std::memcpy(a.bytes.data(), &v6, 16);
  return a;
}

bool IpNetwork::contains(const IpAddress& a) const {
  int bits = prefix;
  for (size_t i = 0; i < 16 && bits > 0; ++i, bits -= 8) {
    const uint8_t mask = bits >= 8 ? 0xff : static_cast<uint8_t>(0xff << (8 - bits));
    if ((a.bytes[i] & mask) != base.bytes[i]) return false;
  }
  return true;
}

std::optional<IpNetwork> parse_network(std::string_view text, std::string* why) {
  IpNetwork n;
  n.text = std::string(text);
  const size_t slash = text.find('/');
  const auto addr = parse_ip(text.substr(0, slash));
  if (!addr) {
    *why = "'" + std::string(text.substr(0, slash)) + "' is not an IPv4 or IPv6 address";
    return std::nullopt;
  }
  n.base = *addr;
  const int max_prefix = addr->v4 ? 32 : 128;
  int prefix = max_prefix;
  if (slash != std::string_view::npos) {
    const std::string_view p = text.substr(slash + 1);
    auto [end, ec] = std::from_chars(p.data(), p.data() + p.size(), prefix);
    if (p.empty() || ec != std::errc() || end != p.data() + p.size() || prefix < 0 ||
        prefix > max_prefix) {
      *why = "prefix length '" + std::string(p) + "' is not 0.." + std::to_string(max_prefix);
      return std::nullopt;
    }
  }
  n.prefix = addr->v4 ? prefix + 96 : prefix;
  // Clear the host bits so that contains() compares whole bytes.
  int bits = n.prefix;
  for (size_t i = 0; i < 16; ++i, bits -= 8) {
    if (bits >= 8) continue;
    n.base.bytes[i] &= bits <= 0 ? 0 : static_cast<uint8_t>(0xff << (8 - bits));
  }
  return n;
}

}  // namespace wardsoc
