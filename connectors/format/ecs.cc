#include "connectors/format/ecs.h"

#include <nlohmann/json.hpp>

#include "connectors/alert_json.h"
#include "connectors/format/captured_fields.h"
#include "core/time.h"

namespace wardsoc {

namespace {
using Json = nlohmann::ordered_json;

Json address_object(const CapturedAddress& a, const std::optional<uint16_t>& port) {
  Json j = Json::object();
  if (a.is_ip()) j["ip"] = a.value;
  j["address"] = a.value;
  if (!a.is_ip()) j["domain"] = a.value;
  if (port) j["port"] = *port;
  return j;
}
}  // namespace

std::string render_ecs(const AlertInput& alert, const FormatOptions& options) {
  const OutboxEntry& e = alert.entry;
  const Incident& in = e.incident;
  const CapturedFields f = map_captured_fields(in.fields);

  Json j = Json::object();
  j["@timestamp"] = format_rfc3339_utc(in.last_seen_us);
  j["ecs"] = Json{{"version", kEcsVersion}};
  j["message"] = in.title;

  Json event = Json::object();
  event["kind"] = "alert";
  event["category"] = Json::array({"intrusion_detection"});
  event["type"] = Json::array({"info"});
  event["action"] = change_kind_name(e.kind);
  event["id"] = in.id;
  event["severity"] = ecs_severity(in.severity);
  event["risk_score"] = ecs_severity(in.severity);
  event["start"] = format_rfc3339_utc(in.first_seen_us);
  event["end"] = format_rfc3339_utc(in.last_seen_us);
  event["created"] = format_rfc3339_utc(e.enqueued_us);
  event["dataset"] = "wardsoc.alert";
  event["module"] = "wardsoc";
  if (!alert.original.empty()) event["original"] = alert.original;
  j["event"] = std::move(event);

  j["rule"] = Json{
      {"id", in.rule_id}, {"name", in.title}, {"version", in.rule_version}, {"ruleset", "wardsoc"}};
  if (f.source) j["source"] = address_object(*f.source, f.source_port);
  if (f.destination) j["destination"] = address_object(*f.destination, f.destination_port);
  if (!f.user.empty() || !f.target_user.empty()) {
    Json user = Json::object();
    if (!f.user.empty()) user["name"] = f.user;
    if (!f.target_user.empty()) user["target"] = Json{{"name", f.target_user}};
    j["user"] = std::move(user);
  }
  if (!in.host.empty()) j["host"] = Json{{"name", in.host}};

  Json observer = Json::object();
  if (!in.asset.empty()) observer["name"] = in.asset;
  if (!in.host.empty()) observer["hostname"] = in.host;
  observer["type"] = asset_class_name(in.asset_class);
  if (!in.site.empty()) observer["geo"] = Json{{"name", in.site}};
  j["observer"] = std::move(observer);

  Json agent = Json{{"type", "wardsoc"}};
  if (!options.instance.empty()) agent["name"] = options.instance;
  if (!options.product_version.empty()) agent["version"] = options.product_version;
  j["agent"] = std::move(agent);
  if (!options.vendor.empty()) j["organization"] = Json{{"name", options.vendor}};

  const AttackTags attack = attack_tags(in.tags);
  if (!attack.empty()) {
    Json threat = Json{{"framework", "MITRE ATT&CK"}};
    if (!attack.tactics.empty()) {
      Json ids = Json::array(), names = Json::array();
      for (const auto& t : attack.tactics) {
        ids.push_back(t.id);
        names.push_back(t.name);
      }
      threat["tactic"] = Json{{"id", ids}, {"name", names}};
    }
    if (!attack.techniques.empty()) {
      Json ids = Json::array();
      for (const auto& t : attack.techniques) ids.push_back(t.id);
      threat["technique"] = Json{{"id", ids}};
    }
    j["threat"] = std::move(threat);
  }
  j["tags"] = in.tags;

  Json fields = Json::object();
  for (const auto& [k, v] : in.fields) fields[k] = v;
  j["wardsoc"] = Json{{"schema", kAlertSchema},
                      {"incident", Json{{"id", in.id},
                                        {"status", status_name(in.status)},
                                        {"severity", severity_name(in.severity)},
                                        {"level", in.level},
                                        {"count", in.count},
                                        {"group_key", in.group_key},
                                        {"title_vi", in.title_vi},
                                        {"window_start", format_rfc3339_utc(in.window_start_us)},
                                        {"evidence_count", in.evidence_count}}},
                      {"source", Json{{"asset", in.asset},
                                      {"site", in.site},
                                      {"class", asset_class_name(in.asset_class)},
                                      {"input", in.input}}},
                      {"fields", std::move(fields)}};
  return j.dump(-1, ' ', /*ensure_ascii=*/false, Json::error_handler_t::replace);
}

}  // namespace wardsoc
