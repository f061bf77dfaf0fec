#include "connectors/format/captured_fields.h"

#include <arpa/inet.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>

#include "core/text.h"

namespace wardsoc {

namespace {

constexpr std::array<std::string_view, 4> kSourceKeys = {"src_ip", "source_ip", "src", "rhost"};
constexpr std::array<std::string_view, 3> kSourcePortKeys = {"src_port", "source_port", "sport"};
constexpr std::array<std::string_view, 3> kDestKeys = {"dst_ip", "dest_ip", "dst"};
constexpr std::array<std::string_view, 3> kDestPortKeys = {"dst_port", "dest_port", "dport"};
constexpr std::array<std::string_view, 4> kUserKeys = {"user", "username", "user_name", "ruser"};
constexpr std::array<std::string_view, 2> kTargetUserKeys = {"target_user", "dst_user"};

template <size_t N>
const std::string* first_of(const std::map<std::string, std::string>& fields,
                            const std::array<std::string_view, N>& keys, std::string* used) {
  for (auto k : keys) {
    auto it = fields.find(std::string(k));
    if (it != fields.end() && !it->second.empty()) {
      *used = it->first;
      return &it->second;
    }
  }
  return nullptr;
}

CapturedAddress address(const std::string& text) {
  CapturedAddress a;
  a.value = text;
  unsigned char buf[sizeof(struct in6_addr)];
  if (inet_pton(AF_INET, text.c_str(), buf) == 1) {
    a.kind = CapturedAddress::Kind::kIpv4;
  } else if (inet_pton(AF_INET6, text.c_str(), buf) == 1) {
    a.kind = CapturedAddress::Kind::kIpv6;
  }
  return a;
}

std::optional<uint16_t> port(const std::string& text) {
  unsigned v = 0;
  auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || p != text.data() + text.size() || v > 65535) return std::nullopt;
  return static_cast<uint16_t>(v);
}

struct Tactic {
  std::string_view tag;
  std::string_view id;
  std::string_view name;
};
// MITRE ATT&CK Enterprise tactics, by Sigma's tag spelling.
constexpr std::array<Tactic, 14> kTactics = {{
    {"reconnaissance", "TA0043", "Reconnaissance"},
    {"resource_development", "TA0042", "Resource Development"},
    {"initial_access", "TA0001", "Initial Access"},
    {"execution", "TA0002", "Execution"},
    {"persistence", "TA0003", "Persistence"},
    {"privilege_escalation", "TA0004", "Privilege Escalation"},
    {"defense_evasion", "TA0005", "Defense Evasion"},
    {"credential_access", "TA0006", "Credential Access"},
    {"discovery", "TA0007", "Discovery"},
    {"lateral_movement", "TA0008", "Lateral Movement"},
    {"collection", "TA0009", "Collection"},
    {"command_and_control", "TA0011", "Command and Control"},
    {"exfiltration", "TA0010", "Exfiltration"},
    {"impact", "TA0040", "Impact"},
}};

// "t1110" or "t1110.001"
bool technique_id(std::string_view s, std::string* out) {
  if (s.size() != 5 && s.size() != 9) return false;
  if (s[0] != 't') return false;
  for (size_t i = 1; i < 5; ++i) {
    if (!std::isdigit(static_cast<unsigned char>(s[i]))) return false;
  }
  if (s.size() == 9) {
    if (s[5] != '.') return false;
    for (size_t i = 6; i < 9; ++i) {
      if (!std::isdigit(static_cast<unsigned char>(s[i]))) return false;
    }
  }
  *out = "T" + std::string(s.substr(1));
  return true;
}

}  // namespace

CapturedFields map_captured_fields(const std::map<std::string, std::string>& fields) {
  CapturedFields out;
  std::vector<std::string> used;
  std::string key;
  if (const auto* v = first_of(fields, kSourceKeys, &key)) {
    out.source = address(*v);
    used.push_back(key);
  }
  if (const auto* v = first_of(fields, kSourcePortKeys, &key)) {
    if ((out.source_port = port(*v))) used.push_back(key);
  }
  if (const auto* v = first_of(fields, kDestKeys, &key)) {
    out.destination = address(*v);
    used.push_back(key);
  }
  if (const auto* v = first_of(fields, kDestPortKeys, &key)) {
    if ((out.destination_port = port(*v))) used.push_back(key);
  }
  if (const auto* v = first_of(fields, kUserKeys, &key)) {
    out.user = *v;
    used.push_back(key);
  }
  if (const auto* v = first_of(fields, kTargetUserKeys, &key)) {
    out.target_user = *v;
    used.push_back(key);
  }
  for (const auto& [k, v] : fields) {
    if (std::find(used.begin(), used.end(), k) == used.end()) out.other.emplace(k, v);
  }
  return out;
}

AttackTags attack_tags(const std::vector<std::string>& tags) {
  AttackTags out;
  auto add = [](std::vector<AttackRef>& list, AttackRef ref) {
    for (const auto& r : list) {
      if (r.id == ref.id) return;
    }
    list.push_back(std::move(ref));
  };
  for (const auto& tag : tags) {
    const std::string t = ascii_lower(tag);
    if (t.rfind("attack.", 0) != 0) continue;
    const std::string_view rest = std::string_view(t).substr(7);
    std::string id;
    if (technique_id(rest, &id)) {
      add(out.techniques, {id, ""});
      continue;
    }
    for (const auto& tactic : kTactics) {
      if (rest == tactic.tag) add(out.tactics, {std::string(tactic.id), std::string(tactic.name)});
    }
  }
  return out;
}

int cef_severity(Severity s) {
  switch (s) {
    case Severity::kInfo:
      return 1;
    case Severity::kLow:
      return 3;
    case Severity::kMedium:
      return 5;
    case Severity::kHigh:
      return 8;
    case Severity::kCritical:
      return 10;
  }
  return 5;
}

int ecs_severity(Severity s) {
  switch (s) {
    case Severity::kInfo:
      return 1;
    case Severity::kLow:
      return 21;
    case Severity::kMedium:
      return 47;
    case Severity::kHigh:
      return 73;
    case Severity::kCritical:
      return 99;
  }
  return 47;
}

int ocsf_severity_id(Severity s) {
  switch (s) {
    case Severity::kInfo:
      return 1;
    case Severity::kLow:
      return 2;
    case Severity::kMedium:
      return 3;
    case Severity::kHigh:
      return 4;
    case Severity::kCritical:
      return 5;
  }
  return 0;
}

std::string_view ocsf_severity_name(Severity s) {
  switch (s) {
    case Severity::kInfo:
      return "Informational";
    case Severity::kLow:
      return "Low";
    case Severity::kMedium:
      return "Medium";
    case Severity::kHigh:
      return "High";
    case Severity::kCritical:
      return "Critical";
  }
  return "Unknown";
}

int syslog_severity(Severity s) {
  switch (s) {
    case Severity::kInfo:
      return 6;
    case Severity::kLow:
      return 5;
    case Severity::kMedium:
      return 4;
    case Severity::kHigh:
      return 3;
    case Severity::kCritical:
      return 2;
  }
  return 4;
}

int64_t micros_to_millis(int64_t us) {
  // Floor, so that a time before the epoch does not round towards it.
  return us >= 0 ? us / 1000 : -((-us + 999) / 1000);
}

}  // namespace wardsoc
