#include "app/api/incidents_api.h"

#include <unistd.h>

#include <charconv>
#include <filesystem>

#include "app/api/incident_json.h"
#include "core/time.h"
#include "store/maintenance.h"
#include "store/store_stats.h"

namespace wardsoc {

using nlohmann::json;

namespace {

HttpResponse ok_json(const json& j) { return HttpResponse::json(200, dump_json(j)); }

HttpResponse bad_request(const std::string& message) {
  return HttpResponse::error(400, "invalid_argument", message);
}

bool valid_id(std::string_view id) {
  if (id.size() != 16) return false;
  for (char c : id) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

std::optional<uint64_t> parse_uint(const std::string& s) {
  uint64_t v = 0;
  const auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size() || s.empty()) return std::nullopt;
  return v;
}

std::string get(const HttpRequest& r, const std::string& key) {
  auto it = r.query.find(key);
  return it == r.query.end() ? std::string() : it->second;
}

// The query of GET /api/v1/incidents; the error says which parameter is wrong.
Result<IncidentQuery> incident_query(const HttpRequest& r, const std::string& zone) {
  IncidentQuery q;
  static const std::set<std::string> kKnown = {"severity", "status", "rule",  "site",
                                               "asset",    "class",  "since", "until",
                                               "q",        "limit",  "cursor"};
  for (const auto& [k, v] : r.query) {
    if (!kKnown.count(k)) return Error(Errc::kInvalidArgument, "unknown parameter '" + k + "'");
  }
  if (auto s = get(r, "severity"); !s.empty()) {
    Severity v;
    if (!parse_severity(s, &v)) {
      return Error(Errc::kInvalidArgument,
                   "severity: '" + s + "' is not info, low, medium, high or critical");
    }
    q.min_severity = v;
  }
  if (auto s = get(r, "status"); !s.empty()) {
    IncidentStatus v;
    if (!parse_status(s, &v)) {
      return Error(Errc::kInvalidArgument,
                   "status: '" + s +
                       "' is not new, acknowledged, in_progress, resolved or "
                       "false_positive");
    }
    q.status = v;
  }
  if (auto s = get(r, "class"); !s.empty()) {
    AssetClass v;
    if (!parse_asset_class(s, &v)) {
      return Error(Errc::kInvalidArgument,
                   "class: '" + s + "' is not lan, wifi, camera, iot, server or other");
    }
    q.asset_class = v;
  }
  q.rule_id = get(r, "rule");
  q.site = get(r, "site");
  q.asset = get(r, "asset");
  q.text = get(r, "q");
  q.cursor = get(r, "cursor");
  for (const char* key : {"since", "until"}) {
    if (auto s = get(r, key); !s.empty()) {
      auto t = parse_time_arg(s, zone);
      if (!t) return std::move(t).error().with_context(key);
      (std::string(key) == "since" ? q.since_us : q.until_us) = *t;
    }
  }
  if (auto s = get(r, "limit"); !s.empty()) {
    auto n = parse_uint(s);
    if (!n || *n == 0 || *n > kMaxPageSize) {
      return Error(Errc::kInvalidArgument,
                   "limit: expected 1.." + std::to_string(kMaxPageSize) + ", got '" + s + "'");
    }
    q.limit = *n;
  }
  return q;
}

Result<json> parse_body(const HttpRequest& r) {
  try {
    json j = json::parse(r.body.empty() ? std::string("{}") : r.body);
    if (!j.is_object()) return Error(Errc::kInvalidArgument, "the body must be a JSON object");
    return j;
  } catch (const json::exception& e) {
    return Error(Errc::kInvalidArgument, std::string("the body is not JSON: ") + e.what());
  }
}

std::string string_field(const json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

}  // namespace

Router make_api_router(const ApiContext& ctx) {
  Router router;
  Store* store = ctx.store;

  router.add(
      "GET", "/healthz",
      [store, version = ctx.version](const HttpRequest&) {
        const StoreGauges g = store->stats().gauges();
        json j{{"status", g.background_error ? "degraded" : "ok"},
               {"version", version},
               {"store", g.background_error ? "writes stopped (disk full or I/O "
                                              "error, see the log)"
                                            : "ok"}};
        return HttpResponse::json(g.background_error ? 503 : 200, dump_json(j));
      },
      /*is_public=*/true);

  router.add("GET", "/api/v1/incidents", [store, zone = ctx.zone](const HttpRequest& r) {
    auto q = incident_query(r, zone);
    if (!q) return bad_request(q.error().message);
    auto page = store->list_incidents(*q);
    if (!page) return HttpResponse::from_error(page.error());
    json list = json::array();
    for (const auto& in : page->incidents) list.push_back(incident_to_json(in));
    return ok_json(json{{"incidents", std::move(list)}, {"next_cursor", page->next_cursor}});
  });

  router.add("GET", "/api/v1/incidents/{id}", [store](const HttpRequest& r) {
    const std::string& id = r.params.at("id");
    if (!valid_id(id)) return bad_request("'" + id + "' is not an incident id (16 hex digits)");
    auto in = store->get_incident(id);
    if (!in) return HttpResponse::from_error(in.error());
    if (!in->has_value())
      return HttpResponse::error(404, "not_found", "no incident with id '" + id + "'");
    auto ev = store->evidence(id);
    if (!ev) return HttpResponse::from_error(ev.error());
    auto hist = store->history(id);
    if (!hist) return HttpResponse::from_error(hist.error());
    json evidence = json::array();
    for (const auto& e : *ev) evidence.push_back(evidence_to_json(e));
    json history = json::array();
    for (const auto& h : *hist) history.push_back(history_to_json(h));
    return ok_json(json{{"incident", incident_to_json(**in)},
                        {"evidence", std::move(evidence)},
                        {"history", std::move(history)}});
  });

  router.add(
      "POST", "/api/v1/incidents/{id}/transition",
      [store, sinks = ctx.sinks](const HttpRequest& r) {
        const std::string& id = r.params.at("id");
        if (!valid_id(id)) {
          return bad_request("'" + id + "' is not an incident id (16 hex digits)");
        }
        auto body = parse_body(r);
        if (!body) return bad_request(body.error().message);
        TransitionRequest t;
        t.id = id;
        const std::string status = string_field(*body, "status");
        if (!parse_status(status, &t.to)) {
          return bad_request("status: '" + status +
                             "' is not acknowledged, in_progress, resolved or false_positive");
        }
        t.actor = string_field(*body, "actor");
        t.note = string_field(*body, "note");
        if (const std::string ex = string_field(*body, "expected_status"); !ex.empty()) {
          IncidentStatus s;
          if (!parse_status(ex, &s))
            return bad_request("expected_status: '" + ex + "' is not a status");
          t.expected_from = s;
        }
        auto done = store->transition(t, sinks);
        if (!done) return HttpResponse::from_error(done.error());
        return ok_json(json{{"incident", incident_to_json(*done)}});
      });

  router.add("GET", "/api/v1/stats/incidents", [store, zone = ctx.zone](const HttpRequest& r) {
    CountQuery q;
    q.zone = zone;
    const std::string bucket = get(r, "bucket").empty() ? "day" : get(r, "bucket");
    const std::string by = get(r, "by").empty() ? "severity" : get(r, "by");
    if (bucket == "hour") {
      q.bucket = CountBucket::kHour;
    } else if (bucket != "day") {
      return bad_request("bucket: '" + bucket + "' is not hour or day");
    }
    if (by == "rule") {
      q.by = CountBy::kRule;
    } else if (by == "site") {
      q.by = CountBy::kSite;
    } else if (by != "severity") {
      return bad_request("by: '" + by + "' is not severity, rule or site");
    }
    const int64_t now = now_us();
    q.until_us = now;
    q.since_us =
        now - (q.bucket == CountBucket::kHour ? int64_t{24} : int64_t{7 * 24}) * 3600 * 1'000'000;
    for (const char* key : {"since", "until"}) {
      if (auto s = get(r, key); !s.empty()) {
        auto t = parse_time_arg(s, zone);
        if (!t) return bad_request(std::string(key) + ": " + t.error().message);
        (std::string(key) == "since" ? q.since_us : q.until_us) = *t;
      }
    }
    auto rows = store->count_incidents(q);
    if (!rows) return HttpResponse::from_error(rows.error());
    json buckets = json::array();
    uint64_t total = 0;
    for (const auto& row : *rows) {
      uint64_t sum = 0;
      for (const auto& [k, n] : row.counts) sum += n;
      total += sum;
      buckets.push_back(json{{"start", format_rfc3339_utc(row.start_us)},
                             {"start_us", row.start_us},
                             {"counts", row.counts},
                             {"total", sum}});
    }
    return ok_json(json{{"bucket", bucket},
                        {"by", by},
                        {"zone", zone},
                        {"since", format_rfc3339_utc(q.since_us)},
                        {"until", format_rfc3339_utc(q.until_us)},
                        {"total", total},
                        {"buckets", std::move(buckets)}});
  });

  router.add("GET", "/api/v1/audit", [store](const HttpRequest& r) {
    uint64_t after = 0;
    size_t limit = 100;
    if (auto s = get(r, "after"); !s.empty()) {
      auto n = parse_uint(s);
      if (!n) return bad_request("after: '" + s + "' is not a number");
      after = *n;
    }
    if (auto s = get(r, "limit"); !s.empty()) {
      auto n = parse_uint(s);
      if (!n || *n == 0 || *n > 10000) return bad_request("limit: expected 1..10000");
      limit = *n;
    }
    auto entries = store->audit_log(after, limit);
    if (!entries) return HttpResponse::from_error(entries.error());
    json list = json::array();
    for (const auto& a : *entries) list.push_back(audit_to_json(a));
    return ok_json(json{{"entries", std::move(list)}});
  });

  router.add("GET", "/api/v1/db/stats", [store](const HttpRequest&) {
    auto st = store->stats().scan();
    if (!st) return HttpResponse::from_error(st.error());
    json j = store_stats_to_json(*st);
    j["path"] = store->path();
    return ok_json(j);
  });

  router.add("POST", "/api/v1/db/backup", [store, data_dir = ctx.data_dir](const HttpRequest& r) {
    auto body = parse_body(r);
    if (!body) return bad_request(body.error().message);
    const std::string dir = string_field(*body, "dir");
    if (dir.empty() || !std::filesystem::path(dir).is_absolute()) {
      return bad_request("dir: an absolute path of the backup directory is required");
    }
    if (!data_dir.empty()) {
      if (Status in = check_backup_outside(dir, data_dir, "data directory"); !in.ok()) {
        return HttpResponse::from_error(in.error());
      }
    }
    uint32_t keep = 0;
    if (auto it = body->find("keep"); it != body->end() && it->is_number_unsigned()) {
      keep = it->get<uint32_t>();
    }
    std::string actor = string_field(*body, "actor");
    if (actor.empty()) actor = "api";
    auto info = store->maintenance().backup(dir, actor, keep);
    if (!info) return HttpResponse::from_error(info.error());
    return ok_json(json{{"id", info->id},
                        {"time", format_rfc3339_utc(info->time_us)},
                        {"size_bytes", info->size_bytes},
                        {"files", info->files},
                        {"dir", dir}});
  });

  // Which wardsoc answers: the CLI checks that it is the one holding the data directory
  // it was told to use before going through this API.
  router.add("GET", "/api/v1/instance", [store, ctx](const HttpRequest&) {
    std::error_code ec;
    auto absolute = [&ec](const std::string& p) {
      const auto a = std::filesystem::weakly_canonical(std::filesystem::absolute(p, ec), ec);
      return ec ? p : a.string();
    };
    return ok_json(json{{"pid", static_cast<int64_t>(::getpid())},
                        {"version", ctx.version},
                        {"data_dir", ctx.data_dir.empty() ? "" : absolute(ctx.data_dir)},
                        {"db_path", absolute(store->path())}});
  });

  router.add("POST", "/api/v1/db/verify", [store](const HttpRequest& r) {
    auto body = parse_body(r);
    if (!body) return bad_request(body.error().message);
    bool repair = false;
    if (auto it = body->find("repair"); it != body->end() && it->is_boolean())
      repair = it->get<bool>();
    auto report = store->maintenance().verify(repair);
    if (!report) return HttpResponse::from_error(report.error());
    return ok_json(verify_report_to_json(*report));
  });

  if (ctx.metrics) {
    router.add("GET", "/metrics", [render = ctx.metrics](const HttpRequest&) {
      HttpResponse resp;
      resp.content_type = "text/plain; version=0.0.4; charset=utf-8";
      resp.body = render();
      return resp;
    });
  }
  return router;
}

}  // namespace wardsoc
