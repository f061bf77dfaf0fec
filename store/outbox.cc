#include "store/outbox.h"

namespace wardsoc {

std::string_view change_kind_name(IncidentChange::Kind kind) {
  return kind == IncidentChange::Kind::kCreated ? "created" : "updated";
}

bool parse_change_kind(std::string_view name, IncidentChange::Kind* out) {
  if (name == "created") {
    *out = IncidentChange::Kind::kCreated;
    return true;
  }
  if (name == "updated") {
    *out = IncidentChange::Kind::kUpdated;
    return true;
  }
  return false;
}

}  // namespace wardsoc
