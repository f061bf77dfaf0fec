// `wardsoc incidents list|show|ack|start|resolve|false-positive`: operators on the box.
// When `wardsoc run` holds the data directory the commands go through its HTTP API
// (the only writer; readers would see a stale view); otherwise they open the store
// themselves. Either way they print the same thing.
#include <cstdio>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "app/api/cli_access.h"
#include "app/api/http_server.h"
#include "app/api/incident_json.h"
#include "app/api/incidents_api.h"
#include "app/commands.h"
#include "app/config.h"
#include "core/time.h"
#include "store/store.h"

namespace wardsoc {

using nlohmann::json;

std::string StoreLocation::resolve() const {
  if (!data_dir.empty()) return data_dir;
  if (!config_path.empty()) {
    auto cfg = load_config_file(config_path);
    if (cfg.ok()) return cfg->data_dir;
  }
  auto cfg = parse_config(embedded_default_config(), "<embedded default>");
  return cfg.ok() ? cfg->data_dir : "./var";
}

namespace {

int fail(const char* cmd, const Error& e) {
  std::fprintf(stderr, "wardsoc incidents %s: %s\n", cmd, e.message.c_str());
  return e.code == Errc::kInvalidArgument || e.code == Errc::kNotFound ? kExitUsage : kExitFailure;
}

std::string local_time(int64_t us) { return format_local_short(us); }

std::string str(const json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

bool valid_id(const std::string& id) {
  if (id.size() != 16) return false;
  for (char c : id) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

void print_table(const json& incidents) {
  std::printf("%-16s  %-16s  %-8s  %-14s  %6s  %-28s  %-20s  %s\n", "ID", "LAST SEEN (UTC+7)",
              "SEVERITY", "STATUS", "COUNT", "RULE", "KEY", "TITLE");
  for (const auto& in : incidents) {
    const std::string title = str(in, "title_vi").empty() ? str(in, "title") : str(in, "title_vi");
    std::printf("%-16s  %-16s  %-8s  %-14s  %6llu  %-28s  %-20s  %s\n", str(in, "id").c_str(),
                local_time(in.value("last_seen_us", int64_t{0})).c_str(),
                str(in, "severity").c_str(), str(in, "status").c_str(),
                static_cast<unsigned long long>(in.value("count", uint64_t{0})),
                in["rule"].value("id", "").c_str(), str(in, "group_key").c_str(), title.c_str());
  }
}

// Reading goes on without the API (a read-only view of what was durable when the
// command started); writing does not.
void note_direct(const Error& why) {
  std::fprintf(stderr, "note: %s; reading the store directly instead\n", why.message.c_str());
}

Status check_list_arguments(const IncidentsListOptions& o) {
  Severity sev;
  if (!o.severity.empty() && !parse_severity(o.severity, &sev)) {
    return Error(Errc::kInvalidArgument, "--severity: unknown severity '" + o.severity +
                                             "' (expected info, low, medium, high or critical)");
  }
  IncidentStatus st;
  if (!o.status.empty() && !parse_status(o.status, &st)) {
    return Error(Errc::kInvalidArgument,
                 "--status: unknown status '" + o.status +
                     "' (expected new, acknowledged, in_progress, resolved or false_positive)");
  }
  AssetClass cls;
  if (!o.asset_class.empty() && !parse_asset_class(o.asset_class, &cls)) {
    return Error(Errc::kInvalidArgument,
                 "--class: unknown class '" + o.asset_class +
                     "' (expected lan, wifi, camera, iot, server or other)");
  }
  for (const auto& [name, value] : {std::pair{"--since", o.since}, std::pair{"--until", o.until}}) {
    if (value.empty()) continue;
    if (auto t = parse_time_arg(value, "Asia/Ho_Chi_Minh"); !t) {
      return std::move(t).error().with_context(name);
    }
  }
  if (o.limit == 0 || o.limit > kMaxPageSize) {
    return Error(Errc::kInvalidArgument, "--limit: expected 1.." + std::to_string(kMaxPageSize));
  }
  return ok_status();
}

}  // namespace

int cmd_incidents_list(const IncidentsListOptions& opts) {
  // Check the arguments here too, so mistakes are reported the same way in both paths.
  std::map<std::string, std::string> params;
  auto add = [&](const char* k, const std::string& v) {
    if (!v.empty()) params[k] = v;
  };
  add("severity", opts.severity);
  add("status", opts.status);
  add("rule", opts.rule);
  add("site", opts.site);
  add("asset", opts.asset);
  add("class", opts.asset_class);
  add("since", opts.since);
  add("until", opts.until);
  add("q", opts.text);
  add("cursor", opts.cursor);
  params["limit"] = std::to_string(opts.limit);

  if (auto bad = check_list_arguments(opts); !bad) return fail("list", bad.error());
  auto t = resolve_target(opts.where);
  if (!t) return fail("list", t.error());

  json page;
  bool direct = !t->holder;
  if (t->holder) {
    std::string target = "/api/v1/incidents?";
    for (const auto& [k, v] : params) target += k + "=" + url_encode(v) + "&";
    target.pop_back();
    auto body = call_api(*t, "GET", target);
    if (!body && body.error().code == Errc::kUnavailable) {
      note_direct(body.error());
      direct = true;
    } else if (!body) {
      return fail("list", body.error());
    } else {
      page = json::parse(*body);
    }
  }
  if (direct) {
    HttpRequest req;
    req.query = params;
    // The same parsing and the same JSON as the API, on a store opened here.
    auto store = Store::OpenReadOnly(t->db_path);
    if (!store) return fail("list", store.error());
    ApiContext ctx;
    ctx.store = store->get();
    ctx.zone = t->zone;
    const Router router = make_api_router(ctx);
    const auto m = router.match("GET", "/api/v1/incidents");
    const HttpResponse r = (*m.handler)(req);
    if (r.status != 200) {
      const auto err = json::parse(r.body)["error"];
      return fail("list", Error(r.status == 400 ? Errc::kInvalidArgument : Errc::kInternal,
                                err.value("message", "")));
    }
    page = json::parse(r.body);
  }
  const json& incidents = page["incidents"];
  if (opts.json) {
    for (const auto& in : incidents) std::printf("%s\n", dump_json(in).c_str());
    return kExitOk;
  }
  if (incidents.empty()) {
    std::printf("no incidents\n");
    return kExitOk;
  }
  print_table(incidents);
  if (const std::string next = str(page, "next_cursor"); !next.empty()) {
    std::printf("(more incidents: --cursor %s, or raise --limit)\n", next.c_str());
  }
  return kExitOk;
}

int cmd_incidents_show(const IncidentsShowOptions& opts) {
  if (!valid_id(opts.id)) {
    return fail("show",
                Error(Errc::kInvalidArgument, "'" + opts.id +
                                                  "' is not an incident id (16 hex digits, as "
                                                  "`wardsoc incidents list` shows them)"));
  }
  auto t = resolve_target(opts.where);
  if (!t) return fail("show", t.error());
  json doc;
  bool direct = !t->holder;
  if (t->holder) {
    auto body = call_api(*t, "GET", "/api/v1/incidents/" + opts.id);
    if (!body && body.error().code == Errc::kUnavailable) {
      note_direct(body.error());
      direct = true;
    } else if (!body) {
      return fail("show", body.error());
    } else {
      doc = json::parse(*body);
    }
  }
  if (direct) {
    auto store = Store::OpenReadOnly(t->db_path);
    if (!store) return fail("show", store.error());
    auto in = (*store)->get_incident(opts.id);
    if (!in) return fail("show", in.error());
    if (!in->has_value()) {
      std::fprintf(stderr, "wardsoc incidents show: no incident with id '%s'\n", opts.id.c_str());
      return kExitFailure;
    }
    auto ev = (*store)->evidence(opts.id);
    if (!ev) return fail("show", ev.error());
    auto hist = (*store)->history(opts.id);
    if (!hist) return fail("show", hist.error());
    doc["incident"] = incident_to_json(**in);
    doc["evidence"] = json::array();
    for (const auto& e : *ev) doc["evidence"].push_back(evidence_to_json(e));
    doc["history"] = json::array();
    for (const auto& h : *hist) doc["history"].push_back(history_to_json(h));
  }
  if (opts.json) {
    std::printf("%s\n", dump_json(doc).c_str());
    return kExitOk;
  }
  const json& i = doc["incident"];
  auto us = [&](const char* k) { return i.value(k, int64_t{0}); };
  std::printf("incident   %s\n", str(i, "id").c_str());
  std::printf("title      %s\n", str(i, "title").c_str());
  if (!str(i, "title_vi").empty()) std::printf("tiêu đề    %s\n", str(i, "title_vi").c_str());
  std::printf("rule       %s (version %s)\n", i["rule"].value("id", "").c_str(),
              i["rule"].value("version", "").c_str());
  std::printf("severity   %s (level %d)\n", str(i, "severity").c_str(), i.value("level", 0));
  std::printf("status     %s\n", str(i, "status").c_str());
  std::printf("key        %s\n", str(i, "group_key").c_str());
  std::printf("count      %llu\n", static_cast<unsigned long long>(i.value("count", uint64_t{0})));
  std::printf("first seen %s (%s)\n", local_time(us("first_seen_us")).c_str(),
              str(i, "first_seen").c_str());
  std::printf("last seen  %s (%s)\n", local_time(us("last_seen_us")).c_str(),
              str(i, "last_seen").c_str());
  const json& src = i["source"];
  std::printf("source     host=%s class=%s input=%s%s%s\n", src.value("host", "").c_str(),
              src.value("class", "").c_str(), src.value("input", "").c_str(),
              src.value("asset", "").empty() ? "" : (" asset=" + src.value("asset", "")).c_str(),
              src.value("site", "").empty() ? "" : (" site=" + src.value("site", "")).c_str());
  for (const auto& [k, v] : i["fields"].items()) {
    std::printf("field      %s = %s\n", k.c_str(),
                v.is_string() ? v.get<std::string>().c_str() : "");
  }
  std::printf("history\n");
  for (const auto& h : doc["history"]) {
    const std::string from = h["from"].is_string() ? h["from"].get<std::string>() + " -> " : "";
    std::printf("  %s  %-24s %s%s%s%s\n", str(h, "time").c_str(), str(h, "actor").c_str(),
                from.c_str(), str(h, "to").c_str(), str(h, "note").empty() ? "" : ": ",
                str(h, "note").c_str());
  }
  const uint64_t omitted = i.value("evidence_omitted", uint64_t{0});
  std::printf(
      "evidence   %zu line(s) kept%s\n", doc["evidence"].size(),
      omitted ? (", " + std::to_string(omitted) + " more event(s) only counted").c_str() : "");
  for (const auto& e : doc["evidence"]) std::printf("  %s\n", str(e, "line").c_str());
  return kExitOk;
}

int cmd_incidents_transition(const IncidentsTransitionOptions& opts) {
  const std::string cmd = opts.status == "acknowledged"  ? "ack"
                          : opts.status == "in_progress" ? "start"
                          : opts.status == "resolved"    ? "resolve"
                                                         : "false-positive";
  if (!valid_id(opts.id)) {
    return fail(cmd.c_str(),
                Error(Errc::kInvalidArgument, "'" + opts.id +
                                                  "' is not an incident id (16 hex digits, as "
                                                  "`wardsoc incidents list` shows them)"));
  }
  auto t = resolve_target(opts.where);
  if (!t) return fail(cmd.c_str(), t.error());
  TransitionRequest req;
  req.id = opts.id;
  parse_status(opts.status, &req.to);
  req.actor = opts.actor.empty() ? default_actor() : opts.actor;
  req.note = opts.note;

  json incident;
  auto via_api = [&]() -> Status {
    json body{{"status", opts.status}, {"actor", req.actor}, {"note", req.note}};
    auto reply =
        call_api(*t, "POST", "/api/v1/incidents/" + opts.id + "/transition", dump_json(body));
    if (!reply) return std::move(reply).error();
    incident = json::parse(*reply)["incident"];
    return ok_status();
  };
  Status done = ok_status();
  if (t->holder) {
    done = via_api();
  } else {
    StoreOptions so;
    so.path = t->db_path;
    auto store = Store::Open(so);
    if (!store && store.error().code == Errc::kBusy) {
      t->holder = Store::lock_holder(t->db_path);  // wardsoc started meanwhile
      done = via_api();
    } else if (!store) {
      done = std::move(store).error();
    } else {
      // The SOC learns of it when wardsoc runs next: the update waits in each sink's outbox.
      auto r = (*store)->transition(req, t->sinks);
      if (r) {
        incident = incident_to_json(*r);
      } else {
        done = std::move(r).error();
      }
    }
  }
  if (!done) return fail(cmd.c_str(), done.error());
  if (opts.json) {
    std::printf("%s\n", dump_json(incident).c_str());
  } else {
    std::printf("incident %s is now %s (by %s)\n", opts.id.c_str(), str(incident, "status").c_str(),
                req.actor.c_str());
  }
  return kExitOk;
}

}  // namespace wardsoc
