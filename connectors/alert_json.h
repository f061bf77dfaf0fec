// The alert document: how an incident looks to the city SOC's SIEM in wardsoc's own
// JSON format ("wardsoc.alert/1"), one line per outbox entry. Documented field by
// field in docs/store.md ("SOC file"); other formats (ECS, OCSF, CEF) get their own
// renderers beside this one.
//
// Pure functions, safe from any thread. Bytes that are not valid UTF-8 are replaced
// by U+FFFD so that every document is valid JSON.
#pragma once

#include <string>

#include "store/outbox.h"

namespace wardsoc {

inline constexpr const char* kAlertSchema = "wardsoc.alert/1";

// One JSON object on one line, without the trailing newline.
std::string render_alert_json(const OutboxEntry& entry);

}  // namespace wardsoc
