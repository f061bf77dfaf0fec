#include "connectors/alert_json.h"

#include <nlohmann/json.hpp>

#include "core/incident_view.h"

namespace wardsoc {

std::string render_alert_json(const OutboxEntry& entry) {
  // ordered_json keeps the documented field order, which people reading the file
  // (and the golden test) rely on.
  using Json = nlohmann::ordered_json;
  Json j = Json::object();
  j["schema"] = kAlertSchema;
  j["action"] = change_kind_name(entry.kind);
  put_incident_view(entry.incident, j);
  return j.dump(-1, ' ', /*ensure_ascii=*/false, Json::error_handler_t::replace);
}

}  // namespace wardsoc
