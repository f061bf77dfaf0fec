// The JSON of incidents, evidence, history and audit entries as the HTTP API serves
// them and `wardsoc incidents ... --json` prints them (one shape for both). Field names
// follow the SOC alert document (docs/store.md) where they overlap, plus what the
// police dashboard needs (times in microseconds too, evidence not kept, history).
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "core/incident.h"
#include "store/lifecycle.h"
#include "store/maintenance.h"
#include "store/store.h"
#include "store/store_stats.h"

namespace wardsoc {

nlohmann::json incident_to_json(const Incident& incident);
nlohmann::json evidence_to_json(const Evidence& evidence);
nlohmann::json history_to_json(const HistoryEntry& entry);
nlohmann::json audit_to_json(const AuditEntry& entry);
nlohmann::json store_stats_to_json(const StoreStats& stats);
nlohmann::json verify_report_to_json(const VerifyReport& report);

// dump() that never throws on bytes that are not UTF-8 (they become U+FFFD).
std::string dump_json(const nlohmann::json& j, int indent = -1);

// "2026-11-25T09:59:29Z", "2026-11-25T16:59:29+07:00", "2026-11-25" (midnight in
// `zone`), or an integer of seconds since the epoch. Microseconds since the epoch.
Result<int64_t> parse_time_arg(std::string_view text, std::string_view zone);

}  // namespace wardsoc
