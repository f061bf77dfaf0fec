// Incident: what the ward police see and what the city SOC receives. Detect creates and
// updates incidents; the store keeps them; connectors forward them. An incident's id is
// deterministic (rule id + group key + window start), so replaying the same events after
// a crash produces the same incident, and sinks can use the id to deduplicate.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "core/event.h"

namespace wardsoc {

enum class Severity : uint8_t { kInfo, kLow, kMedium, kHigh, kCritical };

std::string_view severity_name(Severity s);  // "info" ... "critical"
bool parse_severity(std::string_view name, Severity* out);

enum class IncidentStatus : uint8_t { kNew, kAcknowledged, kInProgress, kResolved, kFalsePositive };

std::string_view status_name(IncidentStatus s);  // "new", "acknowledged", ...
bool parse_status(std::string_view name, IncidentStatus* out);

// One raw log line kept as evidence for an incident.
struct Evidence {
  uint32_t seq = 0;  // 0-based order of arrival within the incident
  int64_t receive_time_us = 0;
  int64_t event_time_us = 0;
  std::string input;  // input name
  std::string peer;   // sender address, if any
  std::string line;   // raw bytes, untouched
};

struct Incident {
  std::string id;  // 16 lowercase hex digits, see make_incident_id()
  std::string rule_id;
  std::string rule_version;  // hash of the rule's definition when it fired
  std::string title;
  std::string title_vi;  // Vietnamese title for the police dashboard ("" if the rule has none)
  Severity severity = Severity::kMedium;
  int level = 0;  // 0..15, finer than severity
  std::vector<std::string> tags;
  std::string group_key;
  int64_t window_start_us = 0;
  int64_t first_seen_us = 0;
  int64_t last_seen_us = 0;
  uint64_t count = 0;  // matching events folded into this incident
  IncidentStatus status = IncidentStatus::kNew;
  std::string asset;  // source asset name ("" when unknown)
  std::string site;   // where the asset is ("" when unknown)
  AssetClass asset_class = AssetClass::kOther;
  std::string host;                           // host as the device reported it
  std::string input;                          // input name the first event came from
  std::map<std::string, std::string> fields;  // captured fields of the first events
  uint64_t evidence_count = 0;                // evidence lines kept in the store
  int64_t updated_us = 0;                     // when the store last changed it
};

// id = hex(XXH3_64(rule_id \0 group_key \0 window_start_us as decimal)).
std::string make_incident_id(std::string_view rule_id, std::string_view group_key,
                             int64_t window_start_us);

// What detect hands to the store for one batch: the incident as it now stands plus the
// evidence lines this batch added to it.
struct IncidentChange {
  enum class Kind : uint8_t { kCreated, kUpdated };
  Kind kind = Kind::kCreated;
  Incident incident;
  std::vector<Evidence> new_evidence;
};

}  // namespace wardsoc
