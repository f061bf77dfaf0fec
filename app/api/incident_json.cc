#include "app/api/incident_json.h"

#include <cctz/civil_time.h>
#include <cctz/time_zone.h>

#include <charconv>

#include "core/incident_view.h"
#include "core/time.h"
#include "store/maintenance.h"
#include "store/store_stats.h"

namespace wardsoc {

using nlohmann::json;

nlohmann::json incident_to_json(const Incident& in) {
  json j;
  put_incident_view(in, j);
  j["first_seen_us"] = in.first_seen_us;
  j["last_seen_us"] = in.last_seen_us;
  j["evidence_omitted"] = in.count > in.evidence_count ? in.count - in.evidence_count : 0;
  j["updated"] = format_rfc3339_utc(in.updated_us);
  return j;
}

nlohmann::json evidence_to_json(const Evidence& e) {
  return json{{"seq", e.seq},
              {"received", format_rfc3339_utc(e.receive_time_us)},
              {"event_time", format_rfc3339_utc(e.event_time_us)},
              {"input", e.input},
              {"peer", e.peer},
              {"line", e.line}};
}

nlohmann::json history_to_json(const HistoryEntry& h) {
  json j{{"seq", h.seq},
         {"time", format_rfc3339_utc(h.time_us)},
         {"actor", h.actor},
         {"to", status_name(h.to)},
         {"note", h.note}};
  j["from"] = h.from ? json(status_name(*h.from)) : json(nullptr);
  return j;
}

nlohmann::json audit_to_json(const AuditEntry& a) {
  return json{{"seq", a.seq},           {"time", format_rfc3339_utc(a.time_us)},
              {"actor", a.actor},       {"action", a.action},
              {"incident", a.incident}, {"detail", a.detail}};
}

nlohmann::json store_stats_to_json(const StoreStats& s) {
  json j;
  j["schema_version"] = s.schema_version;
  j["incidents"] = s.incidents;
  j["incidents_by_status"] = s.by_status;
  j["evidence"] = s.evidence;
  j["history"] = s.history;
  j["audit"] = s.audit;
  j["outbox"] = s.outbox;
  j["dead_letters"] = s.dead_letter;
  j["disk_bytes"] = s.disk_bytes;
  j["family_bytes"] = s.family_bytes;
  j["oldest_last_seen"] =
      s.oldest_last_seen_us ? json(format_rfc3339_utc(s.oldest_last_seen_us)) : json(nullptr);
  j["newest_last_seen"] =
      s.newest_last_seen_us ? json(format_rfc3339_utc(s.newest_last_seen_us)) : json(nullptr);
  return j;
}

nlohmann::json verify_report_to_json(const VerifyReport& r) {
  return json{{"ok", r.problems == r.repaired},
              {"checksums_ok", r.checksums_ok},
              {"problems", r.problems},
              {"repaired", r.repaired},
              {"listed", r.listed},
              {"checked",
               {{"incidents", r.incidents},
                {"index_entries", r.index_entries},
                {"evidence", r.evidence},
                {"history", r.history},
                {"outbox", r.outbox},
                {"dead_letters", r.dead_letters},
                {"audit", r.audit}}}};
}

std::string dump_json(const nlohmann::json& j, int indent) {
  return j.dump(indent, ' ', false, nlohmann::json::error_handler_t::replace);
}

Result<int64_t> parse_time_arg(std::string_view text, std::string_view zone) {
  if (text.empty()) return Error(Errc::kInvalidArgument, "empty time");
  int64_t seconds = 0;
  const auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), seconds);
  if (ec == std::errc() && p == text.data() + text.size()) return seconds * 1'000'000;
  cctz::time_zone tz;
  if (!cctz::load_time_zone(std::string(zone), &tz)) tz = cctz::utc_time_zone();
  using Micros = std::chrono::microseconds;
  std::chrono::time_point<std::chrono::system_clock, Micros> tp;
  const std::string s(text);
  std::string t = s;
  if (!t.empty() && (t.back() == 'Z' || t.back() == 'z')) {
    t.pop_back();
    t += "+00:00";
  }
  for (const char* fmt : {"%Y-%m-%dT%H:%M:%E*S%Ez", "%Y-%m-%d %H:%M:%E*S%Ez"}) {
    if (cctz::parse(fmt, t, tz, &tp)) return static_cast<int64_t>(tp.time_since_epoch().count());
  }
  for (const char* fmt : {"%Y-%m-%dT%H:%M:%E*S", "%Y-%m-%d %H:%M", "%Y-%m-%d"}) {
    if (cctz::parse(fmt, s, tz, &tp)) return static_cast<int64_t>(tp.time_since_epoch().count());
  }
  return Error(Errc::kInvalidArgument,
               "'" + s +
                   "' is not a time (expected e.g. 2026-11-25, 2026-11-25T09:30:00+07:00, "
                   "2026-11-25T02:30:00Z or seconds since 1970)");
}

}  // namespace wardsoc
