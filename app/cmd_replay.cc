// `wardsoc replay`: detection over log files, nothing stored — for trying a rule set on
// real logs and for measuring it. Lines go through the same file input, parser and
// engine as in `wardsoc run`.
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <map>
#include <nlohmann/json.hpp>

#include "app/commands.h"
#include "app/pipeline.h"
#include "core/batch_queue.h"
#include "core/time.h"
#include "detect/engine.h"
#include "ingest/input_factory.h"

namespace wardsoc {

using namespace std::chrono_literals;

int cmd_replay(const ReplayOptions& opts) {
  setup_logging("warn");
  LoadOptions lo;
  lo.cache_dir = user_cache_dir(opts.no_cache);
  auto rules = load_rules(opts.rule_paths, lo);
  if (!rules.ok()) {
    std::fprintf(stderr, "wardsoc replay: %s\n", rules.error().message.c_str());
    return kExitUsage;
  }
  FileInputConfig fc;
  fc.common.name = "replay";
  fc.common.zone = opts.zone;
  fc.common.batch_events = 4096;
  if (!parse_asset_class(opts.asset_class, &fc.common.asset_class)) {
    std::fprintf(stderr, "wardsoc replay: --class: unknown asset class '%s'\n",
                 opts.asset_class.c_str());
    return kExitUsage;
  }
  fc.paths = opts.files;

  BatchQueue queue(16);
  auto input = make_input(fc, queue);
  if (!input.ok()) {
    std::fprintf(stderr, "wardsoc replay: %s\n", input.error().message.c_str());
    return kExitUsage;
  }
  EngineOptions eo;
  eo.workers = opts.workers;
  auto engine = Engine::Create(*rules, {fc.common.name}, eo);
  if (!engine.ok()) {
    std::fprintf(stderr, "wardsoc replay: %s\n", engine.error().message.c_str());
    return kExitUsage;
  }

  const auto t0 = std::chrono::steady_clock::now();
  if (Status s = (*input)->start(); !s.ok()) {
    std::fprintf(stderr, "wardsoc replay: %s\n", s.error().message.c_str());
    return kExitUsage;
  }
  std::map<std::string, Incident> incidents;
  std::vector<IncidentChange> changes;
  uint64_t lines = 0, bytes = 0;
  EventBatch batch;
  for (;;) {
    // drained() turns true only after the input's last push, so an empty queue seen
    // after it means everything was processed.
    const bool drained = (*input)->drained();
    if (!queue.pop(&batch, 20ms)) {
      if (drained && queue.size() == 0) break;
      continue;
    }
    lines += batch.size();
    bytes += batch.arena_bytes();
    changes.clear();
    (*engine)->process(batch, &changes);
    for (auto& c : changes) incidents[c.incident.id] = std::move(c.incident);
  }
  (*input)->stop();
  // The files have ended: windows decided when they close are decided now.
  changes.clear();
  (*engine)->flush(&changes);
  for (auto& c : changes) incidents[c.incident.id] = std::move(c.incident);
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  const auto rule_stats = (*engine)->rule_stats();

  std::vector<const Incident*> sorted;
  for (const auto& [id, inc] : incidents) sorted.push_back(&inc);
  std::sort(sorted.begin(), sorted.end(), [](const Incident* a, const Incident* b) {
    return a->first_seen_us != b->first_seen_us ? a->first_seen_us < b->first_seen_us
                                                : a->id < b->id;
  });

  if (opts.json) {
    nlohmann::json out;
    out["files"] = opts.files;
    out["lines"] = lines;
    out["seconds"] = secs;
    out["lines_per_second"] = secs > 0 ? lines / secs : 0.0;
    out["rules"] = (*rules)->rules().size();
    out["from_cache"] = (*rules)->databases_from_cache();
    out["rule_set_version"] = (*rules)->version();
    out["matches"] = nlohmann::json::object();
    for (const auto& rs : rule_stats) {
      if (rs.matches) out["matches"][rs.rule_id] = rs.matches;
    }
    out["incidents"] = nlohmann::json::array();
    for (const Incident* inc : sorted) {
      out["incidents"].push_back({{"id", inc->id},
                                  {"rule", inc->rule_id},
                                  {"severity", severity_name(inc->severity)},
                                  {"group_key", inc->group_key},
                                  {"count", inc->count},
                                  {"first_seen", format_rfc3339_utc(inc->first_seen_us)},
                                  {"last_seen", format_rfc3339_utc(inc->last_seen_us)},
                                  {"fields", inc->fields}});
    }
    std::printf("%s\n", out.dump(2).c_str());
    return kExitOk;
  }

  std::printf("replay: %zu file(s), %llu lines (%.1f MiB) in %.3f s — %.0f lines/s\n",
              opts.files.size(), static_cast<unsigned long long>(lines), bytes / 1048576.0, secs,
              secs > 0 ? lines / secs : 0.0);
  std::printf("rule set: %zu rules, version %s, loaded in %.0f ms (Hyperscan databases %s)\n\n",
              (*rules)->rules().size(), (*rules)->version().c_str(),
              (*rules)->load_seconds() * 1000.0,
              (*rules)->databases_from_cache() ? "loaded from cache" : "compiled");
  std::printf("matches per rule:\n");
  uint64_t total_matches = 0;
  for (const auto& rs : rule_stats) {
    if (!rs.matches) continue;
    total_matches += rs.matches;
    std::printf("  %-36s %10llu\n", rs.rule_id.c_str(),
                static_cast<unsigned long long>(rs.matches));
  }
  if (total_matches == 0) std::printf("  (no rule matched)\n");
  std::printf("\nincidents: %zu\n", sorted.size());
  if (!sorted.empty()) {
    std::printf("  %-16s  %-30s  %-8s  %6s  %-24s  %s\n", "ID", "RULE", "SEVERITY", "COUNT", "KEY",
                "FIRST SEEN (UTC)");
  }
  for (size_t i = 0; i < sorted.size() && i < opts.show; ++i) {
    const Incident& inc = *sorted[i];
    std::printf("  %-16s  %-30s  %-8s  %6llu  %-24s  %s\n", inc.id.c_str(), inc.rule_id.c_str(),
                std::string(severity_name(inc.severity)).c_str(),
                static_cast<unsigned long long>(inc.count), inc.group_key.c_str(),
                format_rfc3339_utc(inc.first_seen_us).substr(0, 19).c_str());
  }
  if (sorted.size() > opts.show) {
    std::printf("  ... and %zu more (--show N, or --json for all)\n", sorted.size() - opts.show);
  }
  return kExitOk;
}

}  // namespace wardsoc
