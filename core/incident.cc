#include "core/incident.h"

#include <array>

#include "core/text.h"

namespace wardsoc {

namespace {
constexpr std::array<std::string_view, 5> kSeverityNames = {"info", "low", "medium", "high",
                                                            "critical"};
constexpr std::array<std::string_view, 5> kStatusNames = {"new", "acknowledged", "in_progress",
                                                          "resolved", "false_positive"};

template <class Enum, size_t N>
bool parse_name(const std::array<std::string_view, N>& names, std::string_view name, Enum* out) {
  for (size_t i = 0; i < N; ++i) {
    if (names[i] == name) {
      *out = static_cast<Enum>(i);
      return true;
    }
  }
  return false;
}
}  // namespace

std::string_view severity_name(Severity s) { return kSeverityNames[static_cast<size_t>(s)]; }
bool parse_severity(std::string_view name, Severity* out) {
  return parse_name(kSeverityNames, name, out);
}

std::string_view status_name(IncidentStatus s) { return kStatusNames[static_cast<size_t>(s)]; }
bool parse_status(std::string_view name, IncidentStatus* out) {
  return parse_name(kStatusNames, name, out);
}

std::string make_incident_id(std::string_view rule_id, std::string_view group_key,
                             int64_t window_start_us) {
  std::string material;
  material.reserve(rule_id.size() + group_key.size() + 24);
  material.append(rule_id);
  material.push_back('\0');
  material.append(group_key);
  material.push_back('\0');
  material.append(std::to_string(window_start_us));
  return xxh3_hex(material);
}

}  // namespace wardsoc
