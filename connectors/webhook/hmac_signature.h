// The webhook's request signature, so the SOC can check that an alert comes from this
// wardsoc and was not replayed: HMAC-SHA256 with the shared secret over
//   timestamp "." body
// sent as "X-Wardsoc-Timestamp: <unix seconds>" and
// "X-Wardsoc-Signature: sha256=<lowercase hex>". The receiver recomputes it over the
// raw body and refuses timestamps too far from its clock (docs/forwarding.md shows
// how, in a few lines of Python).
#pragma once

#include <string>
#include <string_view>

namespace wardsoc {

// Lowercase hex of HMAC-SHA256(secret, message).
std::string hmac_sha256_hex(std::string_view secret, std::string_view message);

// The X-Wardsoc-Signature value: "sha256=" + hmac_sha256_hex(secret, timestamp "." body).
std::string webhook_signature(std::string_view secret, std::string_view timestamp,
                              std::string_view body);

}  // namespace wardsoc
