// ECS (Elastic Common Schema 8.11) alert document: event.kind "alert", the rule in
// rule.*, where it happened in host.* and observer.* (the device that reported it,
// with its site as observer.geo.name), captured fields as source.*, destination.* and
// user.*, ATT&CK tags as threat.*, and everything wardsoc knows that ECS has no field
// for under wardsoc.*. event.id is the incident id, the same for every update, so an
// index keyed by it keeps the latest state. Field by field in docs/forwarding.md.
#pragma once

#include <string>

#include "connectors/format/alert_format.h"

namespace wardsoc {

inline constexpr const char* kEcsVersion = "8.11.0";

std::string render_ecs(const AlertInput& alert, const FormatOptions& options);

}  // namespace wardsoc
