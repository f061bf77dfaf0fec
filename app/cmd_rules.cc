// `wardsoc rules check|test|stats|reload`: the tools ward IT staff tune rules with.
//   check   compile rule files, run their embedded tests, show how every pattern is
//           matched and which ones will be slow; errors as "file:line:col: error: rule: what"
//   test    without --log: the embedded tests; with --log: every line of a log file
//           through the real matcher and correlator, what matched, how far each rule got,
//           and (--explain) why near misses missed
//   stats   per-rule counters and the rule-set versions log of a data directory
//   reload  ask the running wardsoc to reload its rules (SIGHUP) and wait for the outcome
#include <cctz/time_zone.h>
#include <signal.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

#include "app/commands.h"
#include "app/pid_file.h"
#include "core/time.h"
#include "detect/correlation_state.h"
#include "detect/log_tester.h"
#include "detect/rule_tests.h"
#include "ingest/syslog_parser.h"
#include "rules/rule_set.h"
#include "store/rule_set_log.h"
#include "store/store.h"

namespace wardsoc {

namespace {

using json = nlohmann::json;

constexpr size_t kBatchLines = 4096;
constexpr size_t kUnmatchedSamples = 10;
constexpr size_t kLineShown = 200;

std::string dump(const json& j) { return j.dump(2, ' ', false, json::error_handler_t::replace); }

json diagnostics_json(const LoadReport& report) {
  json list = json::array();
  for (const auto& d : report.diagnostics) {
    list.push_back({{"level", d.level == Diagnostic::Level::kError ? "error" : "warning"},
                    {"file", d.file},
                    {"line", d.line},
                    {"column", d.column},
                    {"rule", d.rule_id},
                    {"message", d.message}});
  }
  return list;
}

std::string shorten(std::string_view s, size_t max = kLineShown) {
  if (s.size() <= max) return std::string(s);
  return std::string(s.substr(0, max)) + "...";
}

std::string fields_text(const std::vector<std::pair<std::string, std::string>>& fields) {
  std::string s;
  for (const auto& [k, v] : fields) s += (s.empty() ? "" : " ") + k + "=" + v;
  return s;
}

std::string pattern_place(const Rule& r, const MatchStep& s, size_t i) {
  std::string where = r.kind == AggregationKind::kSequence ? "step " + s.name + " " : "";
  const RulePattern& p = s.patterns[i];
  if (p.derived) return where + "where: '" + p.literal + "' derived from where";
  return where + (p.from_contains ? "match.contains" : "match.regex") + "[" + std::to_string(i) +
         "]";
}

std::string kib(size_t bytes) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f KiB", static_cast<double>(bytes) / 1024.0);
  return buf;
}

void print_pattern_report(const RuleSet& rs, bool every) {
  size_t kinds[3] = {0, 0, 0};
  for (const Rule& r : rs.rules()) {
    for (const MatchStep& s : r.steps) {
      for (const RulePattern& p : s.patterns) ++kinds[static_cast<int>(p.kind)];
    }
  }
  std::printf(
      "\npatterns: %zu hyperscan-exact, %zu hyperscan-prefilter, %zu re2-only; %zu Hyperscan "
      "database(s), %s + %s scratch per thread, %s in %.0f ms\n",
      kinds[0], kinds[1], kinds[2], rs.database_count(), kib(rs.database_bytes()).c_str(),
      kib(rs.scratch_bytes()).c_str(), rs.databases_from_cache() ? "loaded from cache" : "compiled",
      rs.hyperscan_seconds() * 1000.0);
  bool header = false;
  for (const Rule& r : rs.rules()) {
    for (const MatchStep& s : r.steps) {
      for (size_t i = 0; i < s.patterns.size(); ++i) {
        const RulePattern& p = s.patterns[i];
        // Literals derived from `where` are always shown: the author did not write them.
        const bool notable =
            p.kind != MatchKind::kHyperscanExact || !p.cost_notes.empty() || p.derived;
        if (!every && !notable) continue;
        if (!header) {
          std::printf(every ? "  how each pattern is matched:\n"
                            : "  patterns that are not matched by Hyperscan "
                              "alone, that will be slow, or that are derived from where:\n");
          header = true;
        }
        std::printf("  %s:%d:%d: %s %s: %s", r.file.c_str(), p.pos.line, p.pos.column, r.id.c_str(),
                    pattern_place(r, s, i).c_str(), std::string(match_kind_name(p.kind)).c_str());
        if (!p.kind_reason.empty()) std::printf(" (%s)", p.kind_reason.c_str());
        if (p.kind == MatchKind::kHyperscanExact && p.needs_confirm)
          std::printf(", RE2 extracts the fields");
        if (!p.lead.empty()) std::printf("; RE2 runs from its leading text '%s'", p.lead.c_str());
        std::printf("\n");
        for (const std::string& note : p.cost_notes) std::printf("      slow: %s\n", note.c_str());
      }
    }
  }
}

json patterns_json(const RuleSet& rs) {
  json list = json::array();
  for (const Rule& r : rs.rules()) {
    for (const MatchStep& s : r.steps) {
      for (size_t i = 0; i < s.patterns.size(); ++i) {
        const RulePattern& p = s.patterns[i];
        list.push_back({{"rule", r.id},
                        {"file", r.file},
                        {"line", p.pos.line},
                        {"column", p.pos.column},
                        {"where", pattern_place(r, s, i)},
                        {"pattern", p.from_contains ? p.literal : p.text},
                        {"derived_from_where", p.derived},
                        {"kind", match_kind_name(p.kind)},
                        {"reason", p.kind_reason},
                        {"re2_confirms", p.needs_confirm},
                        {"re2_lead", p.lead},
                        {"literals", p.literals},
                        {"slow", p.cost_notes}});
      }
    }
  }
  return list;
}

std::vector<std::filesystem::path> as_paths(const std::vector<std::string>& v) {
  return std::vector<std::filesystem::path>(v.begin(), v.end());
}

std::string outcome_text(const Rule& rule, const LineHit& h) {
  const MatchOutcome& o = h.outcome;
  std::string key = o.key.empty() ? "" : " (key " + o.key + ")";
  switch (o.kind) {
    case MatchOutcome::Kind::kHeld:
      if (rule.kind == AggregationKind::kSequence) {
        return "sequence step '" + rule.steps[h.step].name + "', " + std::to_string(o.held) +
               " lines held" + key;
      }
      return std::to_string(o.held) + " of " + std::to_string(o.needed) +
             (rule.kind == AggregationKind::kDistinct
                  ? " distinct " + rule.distinct_field + " values"
                  : "") +
             key;
    case MatchOutcome::Kind::kCreated:
      return "INCIDENT " + o.incident_id + " created" + key;
    case MatchOutcome::Kind::kFolded:
      return "folded into incident " + o.incident_id + ", count " + std::to_string(o.held) + key;
    case MatchOutcome::Kind::kLate:
      return "late: older than the window, not counted" + key;
    case MatchOutcome::Kind::kSignOfLife:
      return "sign of life" + key;
    case MatchOutcome::Kind::kInWindow:
      return std::to_string(o.held) + " in the window so far, decided when it closes" + key;
    case MatchOutcome::Kind::kNoIncident:
      return "no incident of its own (incidents: false)" + key;
  }
  return "";
}

// What the text output says about the compiled databases.
std::string cache_note(const RuleSet& rules) {
  if (rules.databases_from_cache())
    return "Hyperscan databases loaded from cache " + rules.cache_file();
  if (!rules.cache_file().empty())
    return "Hyperscan databases compiled, cached in " + rules.cache_file();
  return "Hyperscan databases compiled (no cache)";
}

int run_embedded_tests(const std::vector<std::string>& paths, bool json_out, bool no_cache) {
  LoadReport report;
  LoadOptions lo;
  lo.analyze = false;
  lo.cache_dir = user_cache_dir(no_cache);
  auto rules = RuleSet::Load(as_paths(paths), &report, lo);
  if (!rules.ok()) {
    if (json_out) {
      std::printf("%s\n", dump({{"ok", false}, {"diagnostics", diagnostics_json(report)}}).c_str());
    } else {
      for (const auto& d : report.diagnostics) std::printf("%s\n", d.to_string().c_str());
      std::printf("rule set rejected: %zu error(s)\n", report.error_count());
    }
    return kExitFailure;
  }
  const RuleTestReport tests = run_rule_tests(**rules);
  if (json_out) {
    json failures = json::array();
    for (const auto& f : tests.failures) {
      failures.push_back(
          {{"file", f.file}, {"line", f.line}, {"rule", f.rule_id}, {"message", f.message}});
    }
    std::printf("%s\n", dump({{"ok", tests.ok()},
                              {"cases", tests.cases},
                              {"passed", tests.passed},
                              {"failures", failures},
                              {"untested_rules", tests.untested_rules},
                              {"from_cache", (*rules)->databases_from_cache()}})
                            .c_str());
  } else {
    std::printf("%s", tests.to_string().c_str());
    std::printf("%s\n", cache_note(**rules).c_str());
    if (!tests.untested_rules.empty()) {
      std::printf("rules without test lines:");
      for (const auto& id : tests.untested_rules) std::printf(" %s", id.c_str());
      std::printf("\n");
    }
  }
  return tests.ok() ? kExitOk : kExitFailure;
}

// Reads the log into batches the way an input would: one event per line, the syslog
// header parsed by ingest's parser.
struct LogReader {
  std::ifstream in;
  cctz::time_zone zone;
  AssetClass cls = AssetClass::kOther;
  uint64_t line_no = 0;

  bool next(EventBatch* batch, std::vector<uint64_t>* line_numbers) {
    batch->clear();
    line_numbers->clear();
    std::string line;
    SyslogParseOptions po;
    po.zone = &zone;
    po.receive_time_us = now_us();
    while (batch->size() < kBatchLines && std::getline(in, line)) {
      ++line_no;
      if (!line.empty() && line.back() == '\r') line.pop_back();
      if (line.empty()) continue;
      Event e;
      e.raw = batch->append(line);
      e.receive_time_us = po.receive_time_us;
      e.asset_class = cls;
      e.flags = parse_syslog(line, e.raw.off, po, &e.header);
      batch->events().push_back(e);
      line_numbers->push_back(line_no);
    }
    return !batch->empty();
  }
};

int run_log_test(const RulesTestOptions& opts) {
  LoadReport report;
  LoadOptions lo;
  lo.cache_dir = user_cache_dir(opts.no_cache);
  auto rules = RuleSet::Load(as_paths(opts.paths), &report, lo);
  if (!rules.ok()) {
    for (const auto& d : report.diagnostics) std::fprintf(stderr, "%s\n", d.to_string().c_str());
    std::fprintf(stderr, "wardsoc rules test: rule set rejected: %zu error(s)\n",
                 report.error_count());
    return kExitFailure;
  }
  LogTesterOptions to;
  to.explain = opts.explain;
  to.input_names = {opts.input};
  if (!opts.rule.empty()) {
    to.rule = (*rules)->index_of(opts.rule);
    if (to.rule < 0) {
      std::fprintf(stderr, "wardsoc rules test: --rule: no rule '%s' in %zu rules\n",
                   opts.rule.c_str(), (*rules)->rules().size());
      return kExitUsage;
    }
  }
  LogReader reader;
  reader.in.open(opts.log, std::ios::binary);
  if (!reader.in) {
    std::fprintf(stderr, "wardsoc rules test: --log: cannot read '%s'\n", opts.log.c_str());
    return kExitUsage;
  }
  if (!cctz::load_time_zone(opts.zone, &reader.zone)) {
    std::fprintf(stderr, "wardsoc rules test: --zone: unknown time zone '%s'\n", opts.zone.c_str());
    return kExitUsage;
  }
  if (!parse_asset_class(opts.asset_class, &reader.cls)) {
    std::fprintf(stderr, "wardsoc rules test: --class: unknown asset class '%s'\n",
                 opts.asset_class.c_str());
    return kExitUsage;
  }
  auto tester = LogTester::Create(*rules, to);
  if (!tester.ok()) {
    std::fprintf(stderr, "wardsoc rules test: %s\n", tester.error().message.c_str());
    return kExitUsage;
  }
  const RuleSet& rs = **rules;

  EventBatch batch;
  std::vector<uint64_t> numbers;
  std::vector<LineResult> results;
  std::vector<IncidentChange> changes;
  double seconds = 0;
  size_t shown = 0;
  std::vector<std::pair<uint64_t, std::string>> unmatched;
  json lines_json = json::array();
  const bool details = !opts.summary_only;
  while (reader.next(&batch, &numbers)) {
    results.clear();
    const auto t0 = std::chrono::steady_clock::now();
    (*tester)->process(batch, &results, &changes);
    seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    for (const LineResult& lr : results) {
      const Event& e = batch.events()[lr.event];
      const uint64_t n = numbers[lr.event];
      if (lr.hits.empty() && unmatched.size() < kUnmatchedSamples &&
          (to.rule < 0 || lr.near_misses.empty())) {
        unmatched.emplace_back(n, shorten(batch.raw(e)));
      }
      if (!details || (lr.hits.empty() && lr.near_misses.empty())) continue;
      if (shown++ >= opts.limit) continue;
      if (opts.json) {
        json hits = json::array();
        for (const LineHit& h : lr.hits) {
          const Rule& r = rs.rules()[h.rule];
          json f = json::object();
          for (const auto& [k, v] : h.fields) f[k] = v;
          hits.push_back({{"rule", r.id},
                          {"step", r.steps[h.step].name},
                          {"fields", f},
                          {"outcome", outcome_text(r, h)}});
        }
        json near = json::array();
        for (const NearMiss& m : lr.near_misses) {
          near.push_back({{"rule", rs.rules()[m.rule].id},
                          {"stage", explanation_stage_name(m.why.stage)},
                          {"why", m.why.message}});
        }
        lines_json.push_back({{"line", n},
                              {"text", std::string(batch.raw(e))},
                              {"matches", hits},
                              {"near_misses", near}});
        continue;
      }
      std::printf("%llu: %s\n", static_cast<unsigned long long>(n), shorten(batch.raw(e)).c_str());
      for (const LineHit& h : lr.hits) {
        const Rule& r = rs.rules()[h.rule];
        std::printf("  match  %-30s %s%s[%s]\n", r.id.c_str(), fields_text(h.fields).c_str(),
                    h.fields.empty() ? "" : "  ", outcome_text(r, h).c_str());
      }
      for (const NearMiss& m : lr.near_misses) {
        std::printf("  miss   %-30s %s: %s\n", rs.rules()[m.rule].id.c_str(),
                    std::string(explanation_stage_name(m.why.stage)).c_str(),
                    m.why.message.c_str());
      }
    }
  }
  // The log has ended: windows decided when they close are decided now.
  (*tester)->finish(&changes);
  const uint64_t lines = (*tester)->lines();
  const double rate = seconds > 0 ? static_cast<double>(lines) / seconds : 0.0;
  const auto& tallies = (*tester)->tallies();
  if (opts.json) {
    json per_rule = json::object();
    for (size_t i = 0; i < tallies.size(); ++i) {
      if (tallies[i].matches == 0) continue;
      per_rule[rs.rules()[i].id] = {{"matches", tallies[i].matches},
                                    {"incidents", tallies[i].incidents}};
    }
    json um = json::array();
    for (const auto& [n, text] : unmatched) um.push_back({{"line", n}, {"text", text}});
    std::printf("%s\n", dump({{"lines", lines},
                              {"seconds", seconds},
                              {"lines_per_second", rate},
                              {"unmatched_lines", (*tester)->unmatched_lines()},
                              {"rules", per_rule},
                              {"details", lines_json},
                              {"unmatched_samples", um}})
                            .c_str());
    return kExitOk;
  }
  if (shown > opts.limit) {
    std::printf("... %zu more lines with matches not shown (--limit N, or --summary)\n",
                shown - opts.limit);
  }
  std::printf("\n%llu lines in %.3f s: %.0f lines/s (parse, match and aggregate, one thread)\n",
              static_cast<unsigned long long>(lines), seconds, rate);
  std::printf("lines matched by no rule%s: %llu\n", to.rule >= 0 ? (" " + opts.rule).c_str() : "",
              static_cast<unsigned long long>((*tester)->unmatched_lines()));
  std::printf("%s\n", cache_note(**rules).c_str());
  std::printf("\n  %-36s %10s %10s\n", "RULE", "MATCHES", "INCIDENTS");
  bool any = false;
  for (size_t i = 0; i < tallies.size(); ++i) {
    if (tallies[i].matches == 0) continue;
    any = true;
    std::printf("  %-36s %10llu %10llu\n", rs.rules()[i].id.c_str(),
                static_cast<unsigned long long>(tallies[i].matches),
                static_cast<unsigned long long>(tallies[i].incidents));
  }
  if (!any) std::printf("  (no rule matched)\n");
  if (!unmatched.empty()) {
    std::printf("\nfirst lines matched by no rule:\n");
    for (const auto& [n, text] : unmatched) {
      std::printf("  %llu: %s\n", static_cast<unsigned long long>(n), text.c_str());
    }
  }
  return kExitOk;
}

std::string local_time(int64_t us) { return us == 0 ? "-" : format_local_short(us); }

}  // namespace

std::string user_cache_dir(bool no_cache) {
  if (no_cache) return "";
  const char* xdg = std::getenv("XDG_CACHE_HOME");
  if (xdg != nullptr && *xdg == '/') return (std::filesystem::path(xdg) / "wardsoc").string();
  const char* home = std::getenv("HOME");
  if (home != nullptr && *home != '\0')
    return (std::filesystem::path(home) / ".cache" / "wardsoc").string();
  return "";
}

int cmd_rules_check(const RulesCheckOptions& opts) {
  LoadReport report;
  LoadOptions lo;
  lo.cache_dir = user_cache_dir(opts.no_cache);
  auto rules = RuleSet::Load(as_paths(opts.paths), &report, lo);
  RuleTestReport tests;
  if (rules.ok()) tests = run_rule_tests(**rules);
  const bool ok = rules.ok() && tests.failures.empty();

  if (opts.json) {
    json out;
    out["ok"] = ok;
    out["diagnostics"] = diagnostics_json(report);
    out["tests"] = {{"rules", tests.rules}, {"cases", tests.cases}, {"passed", tests.passed}};
    out["failures"] = json::array();
    for (const auto& f : tests.failures) {
      out["failures"].push_back(
          {{"file", f.file}, {"line", f.line}, {"rule", f.rule_id}, {"message", f.message}});
    }
    if (rules.ok()) {
      out["version"] = (*rules)->version();
      out["from_cache"] = (*rules)->databases_from_cache();
      out["patterns"] = patterns_json(**rules);
    }
    std::printf("%s\n", dump(out).c_str());
    return ok ? kExitOk : kExitFailure;
  }

  for (const auto& d : report.diagnostics) std::printf("%s\n", d.to_string().c_str());
  if (!rules.ok()) {
    std::printf("rule set rejected: %zu error(s)\n", report.error_count());
    return kExitFailure;
  }
  for (const auto& f : tests.failures) {
    std::printf("%s:%d: test failed: %s: %s\n", f.file.c_str(), f.line, f.rule_id.c_str(),
                f.message.c_str());
  }
  print_pattern_report(**rules, opts.patterns);
  std::printf("\n%zu rules compiled (version %s) in %.0f ms; %zu of %zu test cases passed",
              (*rules)->rules().size(), (*rules)->version().c_str(),
              (*rules)->load_seconds() * 1000.0, tests.passed, tests.cases);
  if (!tests.untested_rules.empty())
    std::printf("; %zu rules have no test lines", tests.untested_rules.size());
  std::printf("\n%s\n", cache_note(**rules).c_str());
  return ok ? kExitOk : kExitFailure;
}

int cmd_rules_test(const RulesTestOptions& opts) {
  if (opts.log.empty()) return run_embedded_tests(opts.paths, opts.json, opts.no_cache);
  return run_log_test(opts);
}

int cmd_rules_stats(const RulesStatsOptions& opts) {
  const std::string dir = opts.where.resolve();
  const std::string db = (std::filesystem::path(dir) / "db").string();
  auto store = Store::OpenReadOnly(db);
  if (!store.ok()) {
    std::fprintf(stderr, "wardsoc rules stats: %s\n", store.error().message.c_str());
    return kExitUsage;
  }
  std::vector<RuleCounters> counters;
  Status s = (*store)->scan_state(std::string(1, kRuleCountersKeyTag),
                                  [&](std::string_view k, std::string_view v) {
                                    if (auto c = decode_rule_counters(k, v); c.ok())
                                      counters.push_back(std::move(*c));
                                    return true;
                                  });
  if (!s.ok()) {
    std::fprintf(stderr, "wardsoc rules stats: %s\n", s.error().message.c_str());
    return kExitFailure;
  }
  // False positives per rule: incidents the police marked so, from the store's rule index.
  std::map<std::string, uint64_t> false_positives;
  for (const RuleCounters& c : counters) {
    IncidentQuery q;
    q.rule_id = c.rule_id;
    q.status = IncidentStatus::kFalsePositive;
    q.limit = kMaxPageSize;
    uint64_t n = 0;
    for (;;) {
      auto page = (*store)->list_incidents(q);
      if (!page.ok()) break;
      n += page->incidents.size();
      if (page->next_cursor.empty()) break;
      q.cursor = page->next_cursor;
    }
    false_positives[c.rule_id] = n;
  }
  std::sort(counters.begin(), counters.end(), [](const RuleCounters& a, const RuleCounters& b) {
    return a.matches != b.matches ? a.matches > b.matches : a.rule_id < b.rule_id;
  });
  auto history = (*store)->rule_sets().newest(opts.history);
  if (opts.json) {
    json rules = json::array();
    for (const RuleCounters& c : counters) {
      rules.push_back({{"rule", c.rule_id},
                       {"version", c.rule_version},
                       {"matches", c.matches},
                       {"incidents_created", c.incidents_created},
                       {"incidents_updated", c.incidents_updated},
                       {"false_positives", false_positives[c.rule_id]},
                       {"last_match", c.last_match_us ? format_rfc3339_utc(c.last_match_us) : ""},
                       {"since", c.since_us ? format_rfc3339_utc(c.since_us) : ""}});
    }
    json sets = json::array();
    if (history.ok()) {
      for (const RuleSetRecord& r : *history) {
        json set = to_json(r);
        set["time"] = format_rfc3339_utc(r.time_us);
        sets.push_back(std::move(set));
      }
    }
    std::printf("%s\n", dump({{"data_dir", dir}, {"rules", rules}, {"rule_sets", sets}}).c_str());
    return kExitOk;
  }
  if (counters.empty()) {
    std::printf("no rule counters in %s yet (they are written with every batch wardsoc stores)\n",
                db.c_str());
  } else {
    std::printf("%-34s %10s %9s %9s %6s  %-16s  %s\n", "RULE", "MATCHES", "INCIDENTS", "FOLDED",
                "FALSE+", "LAST MATCH", "SINCE");
    for (const RuleCounters& c : counters) {
      std::printf("%-34s %10llu %9llu %9llu %6llu  %-16s  %s\n", c.rule_id.c_str(),
                  static_cast<unsigned long long>(c.matches),
                  static_cast<unsigned long long>(c.incidents_created),
                  static_cast<unsigned long long>(c.incidents_updated),
                  static_cast<unsigned long long>(false_positives[c.rule_id]),
                  local_time(c.last_match_us).c_str(), local_time(c.since_us).c_str());
    }
  }
  if (history.ok() && !history->empty()) {
    std::printf("\nrule sets (newest first):\n");
    for (const RuleSetRecord& r : *history) {
      std::printf("  #%llu %s %-6s %s", static_cast<unsigned long long>(r.seq),
                  local_time(r.time_us).c_str(), r.trigger.c_str(),
                  r.accepted ? "accepted" : "REJECTED");
      if (r.accepted) {
        std::printf(" version %s, %llu rules", r.version.c_str(),
                    static_cast<unsigned long long>(r.rules));
        if (r.trigger != "start") {
          std::printf(", %llu kept their correlation state",
                      static_cast<unsigned long long>(r.rules_kept_state));
        }
      } else {
        std::printf(" with %llu error(s); the running rule set stayed",
                    static_cast<unsigned long long>(r.errors));
      }
      std::printf("\n");
    }
  }
  return kExitOk;
}

int cmd_rules_reload(const RulesReloadOptions& opts) {
  const std::string dir = opts.where.resolve();
  const std::string db = (std::filesystem::path(dir) / "db").string();
  auto pid = running_pid(dir);
  if (!pid.ok()) {
    std::fprintf(stderr, "wardsoc rules reload: %s\n", pid.error().message.c_str());
    return kExitUsage;
  }
  auto last_seq = [&]() -> Result<uint64_t> {
    auto store = Store::OpenReadOnly(db);
    if (!store.ok()) return std::move(store).error();
    auto recs = (*store)->rule_sets().newest(1);
    if (!recs.ok()) return std::move(recs).error();
    return recs->empty() ? uint64_t{0} : recs->front().seq;
  };
  auto before = last_seq();
  if (!before.ok()) {
    std::fprintf(stderr, "wardsoc rules reload: %s\n", before.error().message.c_str());
    return kExitUsage;
  }
  if (::kill(*pid, SIGHUP) != 0) {
    std::fprintf(stderr, "wardsoc rules reload: cannot signal process %d: %s\n",
                 static_cast<int>(*pid), std::strerror(errno));
    return kExitUsage;
  }
  if (!opts.json)
    std::fprintf(stderr, "asked wardsoc (pid %d) to reload its rules; waiting for the outcome...\n",
                 static_cast<int>(*pid));
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(opts.timeout_s);
  while (std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    auto store = Store::OpenReadOnly(db);
    if (!store.ok()) continue;  // the writer may be mid-flush; try again
    auto recs = (*store)->rule_sets().newest(8);
    if (!recs.ok()) continue;
    const RuleSetRecord* mine = nullptr;
    for (const RuleSetRecord& r : *recs) {
      if (r.seq > *before && r.trigger != "start") mine = &r;  // the oldest new one is ours
    }
    if (mine == nullptr) continue;
    if (opts.json) {
      json outcome = to_json(*mine);
      outcome["time"] = format_rfc3339_utc(mine->time_us);
      std::printf("%s\n", dump(outcome).c_str());
    } else if (mine->accepted) {
      std::printf(
          "reloaded: rule set version %s, %llu rules; %llu rules kept their correlation state\n",
          mine->version.c_str(), static_cast<unsigned long long>(mine->rules),
          static_cast<unsigned long long>(mine->rules_kept_state));
      if (!mine->diagnostics.empty()) std::printf("%s", mine->diagnostics.c_str());
    } else {
      std::printf("%s", mine->diagnostics.c_str());
      std::printf("reload REJECTED with %llu error(s): the running rule set stays\n",
                  static_cast<unsigned long long>(mine->errors));
    }
    return mine->accepted ? kExitOk : kExitFailure;
  }
  std::fprintf(
      stderr, "wardsoc rules reload: no outcome recorded within %u s (see the log of process %d)\n",
      opts.timeout_s, static_cast<int>(*pid));
  return kExitFailure;
}

}  // namespace wardsoc
