#include "connectors/format/ocsf.h"

#include <nlohmann/json.hpp>

#include "connectors/format/captured_fields.h"
#include "core/time.h"

namespace wardsoc {

namespace {
using Json = nlohmann::ordered_json;

bool closed(IncidentStatus s) {
  return s == IncidentStatus::kResolved || s == IncidentStatus::kFalsePositive;
}

struct FindingStatus {
  int id;
  const char* name;
};
// OCSF finding status: 1 New, 2 In Progress, 3 Suppressed, 4 Resolved.
FindingStatus ocsf_status(IncidentStatus s) {
  switch (s) {
    case IncidentStatus::kNew:
      return {1, "New"};
    case IncidentStatus::kAcknowledged:
      return {2, "In Progress"};
    case IncidentStatus::kInProgress:
      return {2, "In Progress"};
    case IncidentStatus::kResolved:
      return {4, "Resolved"};
    case IncidentStatus::kFalsePositive:
      return {3, "Suppressed"};
  }
  return {0, "Unknown"};
}

// OCSF device type_id: 1 Server, 7 IOT, 99 Other, 0 Unknown.
std::pair<int, const char*> device_type(AssetClass c) {
  switch (c) {
    case AssetClass::kServer:
      return {1, "Server"};
    case AssetClass::kCamera:
      return {7, "IOT"};
    case AssetClass::kIot:
      return {7, "IOT"};
    case AssetClass::kLan:
      return {99, "Other"};
    case AssetClass::kWifi:
      return {99, "Other"};
    case AssetClass::kOther:
      return {0, "Unknown"};
  }
  return {0, "Unknown"};
}

Json endpoint(const CapturedAddress& a, const std::optional<uint16_t>& port) {
  Json j = Json::object();
  if (a.is_ip()) {
    j["ip"] = a.value;
  } else {
    j["hostname"] = a.value;
  }
  if (port) j["port"] = *port;
  return j;
}

Json observable(const char* name, int type_id, const char* type, const std::string& value) {
  return Json{{"name", name}, {"type_id", type_id}, {"type", type}, {"value", value}};
}
}  // namespace

int ocsf_activity_id(const OutboxEntry& entry) {
  if (closed(entry.incident.status)) return 3;
  return entry.kind == IncidentChange::Kind::kCreated ? 1 : 2;
}

std::string render_ocsf(const AlertInput& alert, const FormatOptions& options) {
  const OutboxEntry& e = alert.entry;
  const Incident& in = e.incident;
  const CapturedFields f = map_captured_fields(in.fields);
  const int activity = ocsf_activity_id(e);
  static constexpr const char* kActivityNames[] = {"Unknown", "Create", "Update", "Close"};
  const FindingStatus status = ocsf_status(in.status);

  Json j = Json::object();
  j["activity_id"] = activity;
  j["activity_name"] = kActivityNames[activity];
  j["category_uid"] = 2;
  j["category_name"] = "Findings";
  j["class_uid"] = 2004;
  j["class_name"] = "Detection Finding";
  j["type_uid"] = 2004 * 100 + activity;
  j["type_name"] = std::string("Detection Finding: ") + kActivityNames[activity];
  j["time"] = micros_to_millis(e.enqueued_us);
  j["start_time"] = micros_to_millis(in.first_seen_us);
  j["end_time"] = micros_to_millis(in.last_seen_us);
  j["count"] = in.count;
  j["severity_id"] = ocsf_severity_id(in.severity);
  j["severity"] = ocsf_severity_name(in.severity);
  j["status_id"] = status.id;
  j["status"] = status.name;
  j["status_detail"] = status_name(in.status);
  j["message"] = in.title;

  Json product = Json{{"name", "wardsoc"}, {"vendor_name", options.vendor}};
  if (!options.product_version.empty()) product["version"] = options.product_version;
  Json metadata = Json{{"version", kOcsfVersion},
                       {"product", std::move(product)},
                       {"correlation_uid", in.id},
                       {"labels", in.tags},
                       {"modified_time", micros_to_millis(in.updated_us)}};
  if (!in.host.empty() || !in.asset.empty()) metadata["profiles"] = Json::array({"host"});
  j["metadata"] = std::move(metadata);

  Json info = Json{{"uid", in.id},
                   {"title", in.title},
                   {"analytic", Json{{"uid", in.rule_id},
                                     {"name", in.title},
                                     {"type_id", 1},
                                     {"type", "Rule"},
                                     {"version", in.rule_version}}},
                   {"types", in.tags},
                   {"created_time", micros_to_millis(in.first_seen_us)},
                   {"first_seen_time", micros_to_millis(in.first_seen_us)},
                   {"last_seen_time", micros_to_millis(in.last_seen_us)},
                   {"modified_time", micros_to_millis(in.updated_us)}};
  if (!in.title_vi.empty()) info["desc"] = in.title_vi;
  const AttackTags attack = attack_tags(in.tags);
  if (!attack.empty()) {
    // One ATT&CK object per technique, each with the rule's tactic when it names one;
    // a rule that names tactics only gets one object per tactic.
    Json attacks = Json::array();
    const Json tactic = attack.tactics.empty()
                            ? Json()
                            : Json{{"uid", attack.tactics[0].id}, {"name", attack.tactics[0].name}};
    for (const auto& t : attack.techniques) {
      Json a = Json{{"technique", Json{{"uid", t.id}}}, {"version", "14"}};
      if (!tactic.is_null()) a["tactic"] = tactic;
      attacks.push_back(std::move(a));
    }
    if (attack.techniques.empty()) {
      for (const auto& t : attack.tactics) {
        attacks.push_back(
            Json{{"tactic", Json{{"uid", t.id}, {"name", t.name}}}, {"version", "14"}});
      }
    }
    info["attacks"] = std::move(attacks);
  }
  j["finding_info"] = std::move(info);

  if (!in.host.empty() || !in.asset.empty()) {
    const auto [type_id, type_name] = device_type(in.asset_class);
    Json device = Json::object();
    if (!in.host.empty()) device["hostname"] = in.host;
    if (!in.asset.empty()) device["name"] = in.asset;
    device["type_id"] = type_id;
    device["type"] = type_name;
    if (!in.site.empty()) device["location"] = Json{{"desc", in.site}};
    j["device"] = std::move(device);
  }

  Json evidence = Json::object();
  if (f.source) evidence["src_endpoint"] = endpoint(*f.source, f.source_port);
  if (f.destination) evidence["dst_endpoint"] = endpoint(*f.destination, f.destination_port);
  if (!f.user.empty()) evidence["actor"] = Json{{"user", Json{{"name", f.user}}}};
  if (!evidence.empty()) j["evidences"] = Json::array({std::move(evidence)});

  Json observables = Json::array();
  if (f.source && f.source->is_ip()) {
    observables.push_back(
        observable("evidences[0].src_endpoint.ip", 2, "IP Address", f.source->value));
  }
  if (f.destination && f.destination->is_ip()) {
    observables.push_back(
        observable("evidences[0].dst_endpoint.ip", 2, "IP Address", f.destination->value));
  }
  if (!f.user.empty()) {
    observables.push_back(observable("evidences[0].actor.user.name", 4, "User Name", f.user));
  }
  if (!in.host.empty())
    observables.push_back(observable("device.hostname", 1, "Hostname", in.host));
  if (!observables.empty()) j["observables"] = std::move(observables);

  if (!alert.original.empty()) j["raw_data"] = alert.original;

  Json fields = Json::object();
  for (const auto& [k, v] : in.fields) fields[k] = v;
  j["unmapped"] = Json{{"wardsoc", Json{{"action", change_kind_name(e.kind)},
                                        {"level", in.level},
                                        {"group_key", in.group_key},
                                        {"title_vi", in.title_vi},
                                        {"site", in.site},
                                        {"asset_class", asset_class_name(in.asset_class)},
                                        {"input", in.input},
                                        {"window_start", format_rfc3339_utc(in.window_start_us)},
                                        {"evidence_count", in.evidence_count},
                                        {"fields", std::move(fields)}}}};
  return j.dump(-1, ' ', /*ensure_ascii=*/false, Json::error_handler_t::replace);
}

}  // namespace wardsoc
