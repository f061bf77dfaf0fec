#include <algorithm>

#include "connectors/sink_common.h"

namespace wardsoc {

bool SinkFilter::matches(const Incident& incident) const {
  if (min_severity && incident.severity < *min_severity) return false;
  if (!classes.empty() &&
      std::find(classes.begin(), classes.end(), incident.asset_class) == classes.end()) {
    return false;
  }
  if (!tags.empty()) {
    const bool any = std::any_of(incident.tags.begin(), incident.tags.end(), [&](const auto& t) {
      return std::find(tags.begin(), tags.end(), t) != tags.end();
    });
    if (!any) return false;
  }
  return true;
}

std::string_view outbox_full_policy_name(OutboxFullPolicy p) {
  return p == OutboxFullPolicy::kBlock ? "block" : "alert";
}

}  // namespace wardsoc
