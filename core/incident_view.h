// The one view of an incident that wardsoc shows outside the store: the fields that the
// HTTP API (and the CLI's --json) and the SOC alert document ("wardsoc.alert/1") have in
// common, built in one place so that the two cannot drift apart. Each adds its own keys
// around it: the alert its schema and action, the API the times in microseconds, the
// evidence left out and when the store last changed the incident.
//
// Header-only because the API builds nlohmann::json and the alert nlohmann::ordered_json
// (whose key order readers of the SOC file rely on); the fields go in the order below.
#pragma once

#include <array>
#include <string_view>

#include "core/incident.h"
#include "core/time.h"

namespace wardsoc {

// The top-level keys put_incident_view() writes, in order (tests pin both users to it).
inline constexpr std::array<std::string_view, 16> kIncidentViewKeys = {
    "id",           "rule",   "title",     "title_vi",      "severity",   "level",
    "tags",         "status", "group_key", "count",         "first_seen", "last_seen",
    "window_start", "source", "fields",    "evidence_count"};

template <class Json>
void put_incident_view(const Incident& in, Json& j) {
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
}

}  // namespace wardsoc
