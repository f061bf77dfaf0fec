// `wardsoc sinks status|dead-letters`: how alerts are getting to the city SOC, for the
// ward's IT staff on the box. Reads the store without its write lock, so it works while
// `wardsoc run` delivers; it shows what each sink's forwarder last recorded (state,
// last error, when it last delivered), how many alerts wait in its outbox and since
// when, and the alerts a sink refused for good with the reason.
#include <cstdio>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <set>

#include "app/commands.h"
#include "app/config.h"
#include "connectors/alert_json.h"
#include "core/time.h"
#include "store/outbox_queue.h"
#include "store/store.h"
#include "store/store_stats.h"

namespace wardsoc {

namespace {

using Json = nlohmann::ordered_json;

Result<std::unique_ptr<Store>> open_store_read_only(const StoreLocation& where) {
  const std::string dir = where.resolve();
  const auto db = std::filesystem::path(dir) / "db";
  if (!std::filesystem::exists(db)) {
    return Error(Errc::kNotFound, "no store at '" + db.string() +
                                      "' (has `wardsoc run` been started with data_dir " + dir +
                                      "? use --data-dir or --config)");
  }
  return Store::OpenReadOnly(db.string());
}

// The sinks the configuration names (the given file, or the embedded default).
Result<std::vector<SinkConfig>> configured_sinks(const StoreLocation& where) {
  auto cfg = where.config_path.empty()
                 ? parse_config(embedded_default_config(), "<embedded default>")
                 : load_config_file(where.config_path);
  if (!cfg.ok()) return std::move(cfg).error();
  return cfg->sinks;
}

std::string ago(int64_t us, int64_t now) {
  if (us <= 0) return "-";
  int64_t s = (now - us) / kMicrosPerSecond;
  if (s < 0) s = 0;
  char buf[64];
  if (s < 60) {
    std::snprintf(buf, sizeof buf, "%llds ago", static_cast<long long>(s));
  } else if (s < 3600) {
    std::snprintf(buf, sizeof buf, "%lldm ago", static_cast<long long>(s / 60));
  } else if (s < 86400) {
    std::snprintf(buf, sizeof buf, "%lldh%02lldm ago", static_cast<long long>(s / 3600),
                  static_cast<long long>(s / 60 % 60));
  } else {
    std::snprintf(buf, sizeof buf, "%lldd%02lldh ago", static_cast<long long>(s / 86400),
                  static_cast<long long>(s / 3600 % 24));
  }
  return buf;
}

struct SinkRow {
  std::string name;
  std::string type = "-";
  std::string format = "-";
  std::string destination;
  bool configured = false;
  uint64_t queued = 0;
  int64_t oldest_us = 0;  // enqueue time of the oldest queued alert
  uint64_t dead = 0;
  Json health;  // what the forwarder last recorded; null if never
};

// "1 failed attempt", "2 failed attempts".
std::string count_of(uint64_t n, const char* one, const char* many) {
  return std::to_string(n) + " " + (n == 1 ? one : many);
}

std::string state_text(const SinkRow& r, int64_t now) {
  if (!r.configured) return "NOT CONFIGURED (alerts kept in its outbox)";
  if (r.health.is_null()) return "never started";
  const std::string state = r.health.value("state", "");
  const int64_t updated = r.health.value("updated_us", int64_t{0});
  std::string text;
  if (state == "failing") {
    // The record is rewritten at every attempt: its time is the last attempt's.
    text = "FAILING since " + format_local_short(r.health.value("failing_since_us", int64_t{0})) +
           " (" +
           count_of(r.health.value("failed_attempts", uint64_t{0}), "failed attempt",
                    "failed attempts") +
           ", the last " + ago(updated, now) + ")";
  } else if (state == "delivering") {
    text = "delivering";
  } else {
    text = state;  // starting, stopped
  }
  const std::string level = r.health.value("level", "ok");
  if (level == "full") {
    text += ", OUTBOX FULL";
  } else if (level == "warning") {
    text += ", outbox filling";
  }
  if (state != "failing") text += " (as of " + ago(updated, now) + ")";
  return text;
}

}  // namespace

int cmd_sinks_status(const SinksOptions& opts) {
  auto sinks = configured_sinks(opts.where);
  if (!sinks.ok()) {
    std::fprintf(stderr, "wardsoc sinks status: %s\n", sinks.error().message.c_str());
    return kExitUsage;
  }
  auto store = open_store_read_only(opts.where);
  if (!store.ok()) {
    std::fprintf(stderr, "wardsoc sinks status: %s\n", store.error().message.c_str());
    return kExitUsage;
  }
  auto health = (*store)->outbox().health();
  if (!health.ok()) {
    std::fprintf(stderr, "wardsoc sinks status: %s\n", health.error().message.c_str());
    return kExitFailure;
  }
  const StoreGauges gauges = (*store)->stats().gauges();

  // Configured sinks first, in config order; then queues the store holds for sinks the
  // configuration no longer names (their alerts wait there until the sink comes back).
  std::vector<SinkRow> rows;
  std::set<std::string> seen;
  for (const auto& s : *sinks) {
    SinkRow r;
    r.name = sink_name(s);
    r.type = sink_type_name(s);
    r.format = alert_format_name(sink_common(s).format);
    r.destination = sink_destination(s);
    r.configured = true;
    rows.push_back(std::move(r));
    seen.insert(sink_name(s));
  }
  for (const auto& [name, n] : gauges.outbox) {
    if (n > 0 && !seen.count(name)) {
      SinkRow r;
      r.name = name;
      rows.push_back(std::move(r));
      seen.insert(name);
    }
  }
  for (auto& r : rows) {
    if (auto q = gauges.outbox.find(r.name); q != gauges.outbox.end()) r.queued = q->second;
    if (r.queued > 0) {
      auto first = (*store)->outbox().read(r.name, 1);
      if (first.ok() && !first->empty()) r.oldest_us = first->front().enqueued_us;
    }
    if (auto d = (*store)->outbox().dead_letter_count(r.name); d.ok()) r.dead = *d;
    if (auto h = health->find(r.name); h != health->end()) {
      r.health = Json::parse(h->second, nullptr, /*allow_exceptions=*/false);
      if (r.health.is_discarded()) r.health = Json();
    }
  }

  const int64_t now = now_us();
  if (opts.json) {
    for (const auto& r : rows) {
      Json j = {{"sink", r.name},
                {"type", r.type},
                {"format", r.format},
                {"destination", r.destination},
                {"configured", r.configured},
                {"queued", r.queued},
                {"oldest_queued", r.oldest_us > 0 ? Json(format_rfc3339_utc(r.oldest_us)) : Json()},
                {"dead_letters", r.dead},
                {"health", r.health}};
      std::printf("%s\n", j.dump(-1, ' ', false, Json::error_handler_t::replace).c_str());
    }
    return kExitOk;
  }
  if (rows.empty()) {
    std::printf("no sinks configured and no queued alerts\n");
    return kExitOk;
  }
  for (const auto& r : rows) {
    std::printf("%s  (%s, %s) %s\n", r.name.c_str(), r.type.c_str(), r.format.c_str(),
                r.destination.c_str());
    std::printf("  state         %s\n", state_text(r, now).c_str());
    std::printf("  queued        %llu alert(s)%s\n", static_cast<unsigned long long>(r.queued),
                r.oldest_us > 0 ? (", oldest enqueued " + ago(r.oldest_us, now)).c_str() : "");
    if (!r.health.is_null()) {
      const std::string err = r.health.value("last_error", "");
      if (r.health.value("state", "") == "failing" && !err.empty()) {
        std::printf("  last error    %s\n", err.c_str());
      }
      std::printf("  last delivery %s\n",
                  ago(r.health.value("last_delivery_us", int64_t{0}), now).c_str());
      if (r.health.contains("retries")) {
        std::printf("  retries       %llu since wardsoc started (wardsoc_sink_retries_total)\n",
                    static_cast<unsigned long long>(r.health.value("retries", uint64_t{0})));
      }
      std::printf("  outbox bound  %llu (warning at %llu, when full: %s)\n",
                  static_cast<unsigned long long>(r.health.value("max_entries", uint64_t{0})),
                  static_cast<unsigned long long>(r.health.value("warn_entries", uint64_t{0})),
                  r.health.value("when_full", "alert").c_str());
    }
    std::printf("  dead letters  %llu%s\n", static_cast<unsigned long long>(r.dead),
                r.dead > 0 ? ("  (wardsoc sinks dead-letters " + r.name + ")").c_str() : "");
  }
  return kExitOk;
}

int cmd_sinks_dead_letters(const SinksOptions& opts) {
  auto store = open_store_read_only(opts.where);
  if (!store.ok()) {
    std::fprintf(stderr, "wardsoc sinks dead-letters: %s\n", store.error().message.c_str());
    return kExitUsage;
  }
  // A sink name that is neither configured nor known to the store is a typo: say so
  // rather than report it empty.
  const auto total = (*store)->outbox().dead_letter_count(opts.sink);
  if (total.ok() && *total == 0) {
    std::set<std::string> known;
    if (auto sinks = configured_sinks(opts.where); sinks.ok()) {
      for (const auto& s : *sinks) known.insert(sink_name(s));
    }
    if (auto health = (*store)->outbox().health(); health.ok()) {
      for (const auto& [name, record] : *health) known.insert(name);
    }
    for (const auto& [name, queued] : (*store)->stats().gauges().outbox) known.insert(name);
    if (!known.count(opts.sink)) {
      std::string names;
      for (const auto& n : known) names += (names.empty() ? "" : ", ") + n;
      std::fprintf(stderr, "wardsoc sinks dead-letters: no sink named '%s' (known: %s)\n",
                   opts.sink.c_str(), names.empty() ? "none" : names.c_str());
      return kExitUsage;
    }
  }
  auto dead = (*store)->outbox().dead_letters(opts.sink, opts.limit);
  if (!dead.ok()) {
    std::fprintf(stderr, "wardsoc sinks dead-letters: %s\n", dead.error().message.c_str());
    return kExitFailure;
  }
  if (opts.json) {
    for (const auto& d : *dead) {
      Json j = {{"sink", opts.sink},
                {"seq", d.entry.seq},
                {"dead_lettered", format_rfc3339_utc(d.dead_lettered_us)},
                {"reason", d.reason}};
      if (d.raw.empty()) {
        j["alert"] = Json::parse(render_alert_json(d.entry));
      } else {
        j["raw_bytes"] = d.raw.size();  // an outbox value that did not decode
      }
      std::printf("%s\n", j.dump(-1, ' ', false, Json::error_handler_t::replace).c_str());
    }
    return kExitOk;
  }
  if (dead->empty()) {
    std::printf("no dead letters for sink '%s'\n", opts.sink.c_str());
    return kExitOk;
  }
  std::printf("%-8s  %-16s  %-16s  %-8s  %-24s  %s\n", "SEQ", "WHEN (UTC+7)", "INCIDENT", "ACTION",
              "RULE", "REASON");
  for (const auto& d : *dead) {
    const Incident& in = d.entry.incident;
    std::printf(
        "%-8llu  %-16s  %-16s  %-8s  %-24s  %s\n", static_cast<unsigned long long>(d.entry.seq),
        format_local_short(d.dead_lettered_us).c_str(),
        d.raw.empty() ? in.id.c_str() : "(undecodable)",
        std::string(change_kind_name(d.entry.kind)).c_str(), in.rule_id.c_str(), d.reason.c_str());
  }
  if (total.ok() && *total > dead->size()) {
    std::printf("(%llu of %llu shown: raise --limit)\n",
                static_cast<unsigned long long>(dead->size()),
                static_cast<unsigned long long>(*total));
  }
  return kExitOk;
}

}  // namespace wardsoc
