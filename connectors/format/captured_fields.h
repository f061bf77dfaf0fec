// What the formats need to know about an incident beyond its own fields: which
// captured fields (named groups of the rule's patterns) are the source address, port
// and user in the vocabulary of ECS, OCSF and CEF; which tags name MITRE ATT&CK
// tactics and techniques (Sigma's convention: attack.credential_access,
// attack.t1110.001); and the severity scales each format uses. One table here, so the
// three formats agree and docs/forwarding.md can list it once.
//
// Pure functions, safe from any thread.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/incident.h"

namespace wardsoc {

// An address as a capture gave it: an IP (v4 or v6) or something else (a host name).
struct CapturedAddress {
  std::string value;
  enum class Kind { kIpv4, kIpv6, kName } kind = Kind::kName;
  bool is_ip() const { return kind != Kind::kName; }
};

// Captured fields that map to standard fields, by the first alias present:
//   source address: src_ip, source_ip, src, rhost      source port: src_port, source_port, sport
//   destination:    dst_ip, dest_ip, dst               destination port: dst_port, dest_port, dport
//   user:           user, username, user_name, ruser   target user: target_user, dst_user
// Everything else stays in `other`.
struct CapturedFields {
  std::optional<CapturedAddress> source;
  std::optional<uint16_t> source_port;
  std::optional<CapturedAddress> destination;
  std::optional<uint16_t> destination_port;
  std::string user;
  std::string target_user;
  std::map<std::string, std::string> other;  // not mapped above, by name
};

CapturedFields map_captured_fields(const std::map<std::string, std::string>& fields);

// An ATT&CK tactic ("TA0006", "Credential Access") or technique ("T1110.001").
struct AttackRef {
  std::string id;
  std::string name;  // tactics only; techniques are named by id
};
struct AttackTags {
  std::vector<AttackRef> tactics;
  std::vector<AttackRef> techniques;
  bool empty() const { return tactics.empty() && techniques.empty(); }
};
// Tags "attack.<tactic_name>" and "attack.tNNNN[.NNN]" (case-insensitive); others ignored.
AttackTags attack_tags(const std::vector<std::string>& tags);

// Severity on each format's scale (docs/forwarding.md "Severity"):
int cef_severity(Severity s);      // 0..10: info 1, low 3, medium 5, high 8, critical 10
int ecs_severity(Severity s);      // 0..100: info 1, low 21, medium 47, high 73, critical 99
int ocsf_severity_id(Severity s);  // 1 Informational .. 5 Critical
std::string_view ocsf_severity_name(Severity s);
int syslog_severity(Severity s);  // RFC 5424: info 6, low 5, medium 4, high 3, critical 2

int64_t micros_to_millis(int64_t us);

}  // namespace wardsoc
