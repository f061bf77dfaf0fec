#include "connectors/alert_json.h"

#include <nlohmann/json.hpp>

#include "core/time.h"

namespace wardsoc {

std::string render_alert_json(const OutboxEntry& entry) {
  // ordered_json keeps the documented field order, which people reading the file
  // (and the golden test) rely on.
  using Json = nlohmann::ordered_json;
  const Incident& in = entry.incident;
  Json j = Json::object();
  j["schema"] = kAlertSchema;
  j["action"] = change_kind_name(entry.kind);
  j["id"] = in.id;
  j["rule"] = Json{{"id", in.rule_id}, {"version", in.rule_version}};
  j["title"] = in.title;
  j["title_vi"] = in.title_vi;
  j["severity"] = severity_name(in.severity);
  j["level"] = in.level;
  j["tags"] = in.tags;
  j["status"] = status_name(in.status);
  j["group_key"] = in.group_key;
  j["count"] = in.count;
  j["first_seen"] = format_rfc3339_utc(in.first_seen_us);
  j["last_seen"] = format_rfc3339_utc(in.last_seen_us);
  j["window_start"] = format_rfc3339_utc(in.window_start_us);
  j["source"] = Json{{"asset", in.asset},
                     {"site", in.site},
                     {"class", asset_class_name(in.asset_class)},
                     {"host", in.host},
                     {"input", in.input}};
  Json fields = Json::object();
  for (const auto& [k, v] : in.fields) fields[k] = v;
  j["fields"] = std::move(fields);
  j["evidence_count"] = in.evidence_count;
  return j.dump(-1, ' ', /*ensure_ascii=*/false, Json::error_handler_t::replace);
}

}  // namespace wardsoc
