// OCSF 1.1 Detection Finding (class_uid 2004, category Findings). The activity follows
// the incident's lifecycle: Create (1) when wardsoc opens it, Update (2) when it grows
// or its status changes, Close (3) once it is resolved or marked a false positive.
// finding_info.uid is the incident id, the same in every activity, so the SIEM can
// join them. Field by field in docs/forwarding.md.
#pragma once

#include <string>

#include "connectors/format/alert_format.h"

namespace wardsoc {

inline constexpr const char* kOcsfVersion = "1.1.0";

std::string render_ocsf(const AlertInput& alert, const FormatOptions& options);

// 1 Create, 2 Update, 3 Close, by the change and the incident's status.
int ocsf_activity_id(const OutboxEntry& entry);

}  // namespace wardsoc
