// Detection benchmark: what wardsoc's detect stage does per second on one core, next to the
// same work done in the same run by two baselines — RE2::Set as a prefilter with RE2
// confirming, and a plain loop over one RE2 per pattern — and by fail2ban-regex on the same
// sshd lines. Also: compile time and memory for generated rule sets of 1,000 and 10,000
// rules, loading compiled databases from the cache, the pause a reload costs the
// processing thread, and throughput on a hostile corpus. Prints ratios; the numbers go to
// bench/RESULTS.md with the machine they came from. The matching comparisons take three
// rounds of each contender in turn and print the medians, and the median of the ratios.
//
//   detect_bench [--corpus DIR] [--seconds S] [--rules DIR] [--skip-fail2ban] [--corpus-only]
//   [--generated N] [--json-rules N]
//                [--wardsoc-only]
//
// --corpus-only: only the shipped packs over the corpus (end to end and matching), for
// profiling one part without the generated rule sets, the reload and the hostile corpus.
// --generated N: only the generated rule set of N rules (with the corpus, if given).
// --json-rules N: only the rules on event fields: the shipped packs with and without N
// generated `fields: json` rules over the corpus (same run, ratio), and what those rules
// cost on JSON events.
// --wardsoc-only: with --generated, only wardsoc's matching-only rate (no end to end, no
// baselines), for comparing two builds side by side (bench/side_by_side.sh).
// --corpus: a folder searched recursively for *.log files (e.g. ../shared/data/loghub);
// without it the generated corpora alone are used.
#include <cctz/time_zone.h>
#include <re2/re2.h>
#include <re2/set.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "bench/bench_util.h"
#include "core/time.h"
#include "detect/engine.h"
#include "detect/matcher.h"
#include "ingest/syslog_parser.h"
#include "rules/rule_set.h"

using namespace wardsoc;
namespace fs = std::filesystem;
using wardsoc::bench::Clock;
using wardsoc::bench::median;
using wardsoc::bench::seconds_since;

namespace {

constexpr size_t kBatchLines = 4096;

struct Options {
  std::string corpus;
  std::string rules = std::string(WARDSOC_SOURCE_DIR) + "/rules";
  double seconds = 3.0;
  bool fail2ban = true;
  bool corpus_only = false;
  size_t generated = 0;  // 0 = the usual 1,000 and 10,000
  bool wardsoc_only = false;
  size_t json_rules = 0;
};

struct Corpus {
  std::string name;
  std::vector<std::string> lines;
  size_t bytes = 0;
  void add(std::string l) {
    bytes += l.size();
    lines.push_back(std::move(l));
  }
};

Corpus read_corpus(const std::string& name, const std::vector<fs::path>& files) {
  Corpus c;
  c.name = name;
  for (const auto& f : files) {
    std::ifstream in(f, std::ios::binary);
    for (std::string line; std::getline(in, line);) {
      if (!line.empty() && line.back() == '\r') line.pop_back();
      if (!line.empty()) c.add(std::move(line));
    }
  }
  return c;
}

// Lines into batches the way an input builds them: copied into the arena, header parsed.
void fill(EventBatch& b, const Corpus& c, size_t begin, size_t end, const SyslogParseOptions& po) {
  b.clear();
  for (size_t i = begin; i < end; ++i) {
    const std::string& l = c.lines[i];
    Event e;
    e.raw = b.append(l);
    e.receive_time_us = po.receive_time_us;
    e.asset_class = AssetClass::kServer;
    e.flags = parse_syslog(l, e.raw.off, po, &e.header);
    b.events().push_back(e);
  }
}

struct Parsed {
  std::vector<EventBatch> batches;
  std::vector<std::string_view> messages;  // into the batches
};

Parsed parse_all(const Corpus& c, const SyslogParseOptions& po) {
  Parsed p;
  for (size_t i = 0; i < c.lines.size(); i += kBatchLines) {
    p.batches.emplace_back();
    fill(p.batches.back(), c, i, std::min(c.lines.size(), i + kBatchLines), po);
  }
  for (const auto& b : p.batches) {
    for (const Event& e : b.events()) p.messages.push_back(b.message(e));
  }
  return p;
}

// Runs fn over the corpus until `seconds` passed (at least once); lines per second.
template <class Fn>
double rate(size_t lines_per_pass, double seconds, Fn fn) {
  size_t lines = 0;
  const auto t0 = Clock::now();
  do {
    fn();
    lines += lines_per_pass;
  } while (seconds_since(t0) < seconds);
  return static_cast<double>(lines) / seconds_since(t0);
}

// Like rate(), but a pass can be stopped early: fn(i) handles line i; for the slow baselines.
template <class Fn>
double rate_bounded(size_t n, double seconds, Fn fn) {
  size_t done = 0;
  const auto t0 = Clock::now();
  while (true) {
    for (size_t i = 0; i < n; ++i) {
      fn(i);
      ++done;
      if ((done & 63) == 0 && seconds_since(t0) >= seconds)
        return static_cast<double>(done) / seconds_since(t0);
    }
    if (seconds_since(t0) >= seconds) break;
  }
  return static_cast<double>(done) / seconds_since(t0);
}

SyslogParseOptions parse_options(const cctz::time_zone* tz) {
  SyslogParseOptions po;
  po.zone = tz;
  po.receive_time_us = now_us();
  return po;
}

// End to end on one core: parse every line, prefilter, confirm, aggregate.
double engine_rate(const std::shared_ptr<const RuleSet>& rs, const Corpus& c,
                   const SyslogParseOptions& po, double seconds, uint64_t* matches = nullptr) {
  EngineOptions eo;
  eo.workers = 1;
  auto engine = std::move(Engine::Create(rs, {"bench"}, eo).value());
  EventBatch b;
  std::vector<IncidentChange> changes;
  const double r = rate(c.lines.size(), seconds, [&] {
    for (size_t i = 0; i < c.lines.size(); i += kBatchLines) {
      fill(b, c, i, std::min(c.lines.size(), i + kBatchLines), po);
      changes.clear();
      engine->process(b, &changes);
    }
  });
  if (matches != nullptr) *matches = engine->stats().matches;
  return r;
}

// Matching alone (pre-parsed lines), for the comparison with the baselines.
double matcher_rate(const std::shared_ptr<const RuleSet>& rs, const Parsed& p, double seconds,
                    bool join_lines = true) {
  MatcherOptions mo;
  mo.join_lines = join_lines;
  auto m = std::move(Matcher::Create(rs, mo).value());
  std::vector<Match> out;
  return rate(p.messages.size(), seconds, [&] {
    for (const auto& b : p.batches) {
      out.clear();
      m->scan(b, 0, b.size(), &out);
    }
  });
}

struct Baselines {
  std::vector<std::unique_ptr<RE2>> res;
  std::unique_ptr<RE2::Set> set;
  std::vector<int> groups;  // capturing groups per pattern
};

Baselines baselines(const RuleSet& rs) {
  Baselines b;
  RE2::Options o;
  o.set_encoding(RE2::Options::EncodingLatin1);
  o.set_log_errors(false);
  RE2::Options so = o;
  so.set_max_mem(int64_t{1} << 31);  // a large set needs a large DFA budget; the baseline gets it
  b.set = std::make_unique<RE2::Set>(so, RE2::UNANCHORED);
  for (const Rule& r : rs.rules()) {
    for (const MatchStep& s : r.steps) {
      for (const RulePattern& p : s.patterns) {
        b.res.push_back(std::make_unique<RE2>(p.text, o));
        b.groups.push_back(b.res.back()->NumberOfCapturingGroups());
        std::string err;
        if (b.set->Add(p.text, &err) < 0)
          std::fprintf(stderr, "RE2::Set refused %s: %s\n", p.text.c_str(), err.c_str());
      }
    }
  }
  if (!b.set->Compile()) {
    std::fprintf(stderr, "RE2::Set could not compile %zu patterns (memory budget)\n", b.res.size());
    b.set.reset();
  }
  return b;
}

// RE2::Set finds which patterns match; each is run again to extract its captures.
double set_rate(Baselines& b, const Parsed& p, double seconds) {
  if (!b.set) return 0;
  std::vector<int> ids;
  std::vector<re2::StringPiece> groups(64);
  return rate_bounded(p.messages.size(), seconds, [&](size_t i) {
    const re2::StringPiece text(p.messages[i].data(), p.messages[i].size());
    ids.clear();
    if (!b.set->Match(text, &ids)) return;
    for (int id : ids) {
      const int n = std::min(b.groups[static_cast<size_t>(id)] + 1, 64);
      b.res[static_cast<size_t>(id)]->Match(text, 0, text.size(), RE2::UNANCHORED, groups.data(),
                                            n);
    }
  });
}

// One RE2 per pattern, every pattern on every line, captures for the ones that match.
double loop_rate(Baselines& b, const Parsed& p, double seconds) {
  std::vector<re2::StringPiece> groups(64);
  return rate_bounded(p.messages.size(), seconds, [&](size_t i) {
    const re2::StringPiece text(p.messages[i].data(), p.messages[i].size());
    for (size_t k = 0; k < b.res.size(); ++k) {
      if (!b.res[k]->Match(text, 0, text.size(), RE2::UNANCHORED, nullptr, 0)) continue;
      const int n = std::min(b.groups[k] + 1, 64);
      b.res[k]->Match(text, 0, text.size(), RE2::UNANCHORED, groups.data(), n);
    }
  });
}

// Generated rule sets: realistic shapes (anchored messages with captures, literal terms,
// case-insensitive words, alternations, thresholds) over random words, so that a few of the
// generated lines match and most corpus lines do not.
std::string word(std::mt19937& rng) {
  static const char* kWords[] = {
      "failed",  "denied", "invalid",   "error",   "warning", "session",  "connection", "user",
      "login",   "access", "refused",   "timeout", "reset",   "closed",   "opened",     "accepted",
      "request", "client", "server",    "alarm",   "motion",  "camera",   "stream",     "disk",
      "link",    "port",   "interface", "dhcp",    "lease",   "firewall", "policy",     "blocked"};
  std::string w = kWords[rng() % (sizeof kWords / sizeof kWords[0])];
  w += '_';
  for (int i = 0; i < 4; ++i) w += static_cast<char>('a' + rng() % 26);
  return w;
}

std::string generate_rules(size_t n, uint32_t seed, std::vector<std::string>* matching_lines) {
  std::mt19937 rng(seed);
  std::string y = "rules:\n";
  for (size_t i = 0; i < n; ++i) {
    const std::string a = word(rng), b = word(rng), c = word(rng), d = word(rng);
    y += "  - id: gen." + std::to_string(i) + "\n    title: Generated " + std::to_string(i) +
         "\n    severity: low\n";
    std::string line;
    switch (i % 6) {
      case 0:
        y += "    match: {regex: '^" + a + " " + b +
             " for (?P<user>\\S+) from (?P<src_ip>\\S+) port \\d+'}\n";
        y += "    aggregation: {count: 5, window: 1m, group_by: [src_ip]}\n";
        line = a + " " + b + " for u" + std::to_string(i) + " from 192.0.2." +
               std::to_string(i % 250) + " port 22";
        break;
      case 1:
        y += "    match: {contains: ['" + a + " " + b + "', '" + c + "=']}\n";
        line = "x " + a + " " + b + " y";
        break;
      case 2:
        y += "    match: {regex: '(?i)" + a + ".*" + b + "'}\n";
        line = a + " and then " + b;
        break;
      case 3:
        y += "    match: {regex: '^" + a + " (?:" + b + "|" + c + "|" + d + ") (?P<n>\\d+)'}\n";
        line = a + " " + c + " 42";
        break;
      case 4:
        y += "    match: {regex: '" + a + "\\[(?P<pid>\\d+)\\]: " + b + " (?P<dev>\\w+)'}\n";
        y += "    aggregation: {count: 3, window: 5m}\n";
        line = "kernel " + a + "[7]: " + b + " eth0";
        break;
      default:
        y += "    match: {regex: '^" + a + ": (?P<key>\\w+)=(?P<value>\\S+) " + b + "'}\n";
        line = a + ": k=v " + b;
        break;
    }
    if (matching_lines != nullptr) matching_lines->push_back("Nov 25 10:00:00 gw app[1]: " + line);
  }
  return y;
}

// fail2ban-regex over a file with its sshd filter; wall seconds, or -1.
double fail2ban_seconds(const std::string& log) {
  std::fflush(stdout);  // the child must not print this process's buffered output again
  const auto t0 = Clock::now();
  const pid_t pid = fork();
  if (pid == 0) {
    // Its report goes nowhere: only the time matters here.
    std::freopen("/dev/null", "w", stdout);
    std::freopen("/dev/null", "w", stderr);
    execl("/usr/bin/fail2ban-regex", "fail2ban-regex", log.c_str(),
          "/etc/fail2ban/filter.d/sshd.conf", static_cast<char*>(nullptr));
    _exit(127);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) return -1;
  return seconds_since(t0);
}

void heading(const char* s) { std::printf("\n## %s\n", s); }

std::string human(double v) {
  char buf[32];
  if (v >= 1e6) {
    std::snprintf(buf, sizeof buf, "%.2f M", v / 1e6);
  } else if (v >= 1e3) {
    std::snprintf(buf, sizeof buf, "%.1f k", v / 1e3);
  } else {
    std::snprintf(buf, sizeof buf, "%.0f", v);
  }
  return buf;
}

std::shared_ptr<const RuleSet> load_or_die(
    const std::function<Result<std::shared_ptr<const RuleSet>>(LoadReport*)>& f) {
  LoadReport report;
  auto rs = f(&report);
  if (!rs.ok()) {
    std::fprintf(stderr, "%s\n", report.to_string().c_str());
    std::exit(2);
  }
  return *rs;
}

// Rounds of each measurement in compare(), taken in turn so that a slow spell of a shared
// machine falls on every contender alike; the medians are printed.
constexpr int kRounds = 3;

void compare(const char* what, const std::shared_ptr<const RuleSet>& rs, const Corpus& c,
             const SyslogParseOptions& po, double seconds) {
  const Parsed p = parse_all(c, po);
  Baselines b = baselines(*rs);
  std::vector<double> ours, set, alone, vs_set, vs_alone;
  for (int r = 0; r < kRounds; ++r) {
    ours.push_back(matcher_rate(rs, p, seconds / kRounds));
    set.push_back(set_rate(b, p, seconds / kRounds));
    alone.push_back(matcher_rate(rs, p, seconds / kRounds, false));
    vs_set.push_back(set.back() > 0 ? ours.back() / set.back() : 0.0);
    vs_alone.push_back(ours.back() / alone.back());
  }
  const double loop = loop_rate(b, p, seconds);
  std::printf(
      "%-34s %10s lines/s | RE2::Set+RE2 %10s (x%.1f) | RE2 loop %10s (x%.1f) | each line alone "
      "%10s (x%.2f)\n",
      what, human(median(ours)).c_str(), human(median(set)).c_str(), median(vs_set),
      human(loop).c_str(), median(ours) / loop, human(median(alone)).c_str(), median(vs_alone));
}

// N rules on Windows events shipped as JSON (Sigma-like: an event id, an image, a user).
std::string generate_json_rules(size_t n) {
  std::string y = "rules:\n";
  for (size_t i = 0; i < n; ++i) {
    const std::string k = std::to_string(i);
    y += "  - id: gen.json." + k + "\n    title: tool " + k +
         "\n    severity: low\n    fields: json\n    where:\n"
         "      - {field: winlog.event_id, equals: '1'}\n"
         "      - {field: winlog.event_data.Image, endswith: '\\tool" +
         k +
         ".exe', nocase: true}\n"
         "      - not: {field: winlog.event_data.User, equals: 'NT AUTHORITY\\SYSTEM'}\n";
  }
  return y;
}

// Sysmon-like JSON lines, one in a hundred from a tool some rule names. With `member`,
// each event's message is the copy of its "message" member ingest takes (the JSON text is
// then scanned apart); else the line is the message.
std::vector<EventBatch> json_batches(size_t lines, size_t rules, bool member, size_t* bytes) {
  std::vector<EventBatch> out;
  std::mt19937 rng(11);
  *bytes = 0;
  for (size_t i = 0; i < lines; ++i) {
    if (i % kBatchLines == 0) out.emplace_back();
    EventBatch& b = out.back();
    const bool hit = rules > 0 && i % 100 == 0;
    const std::string image =
        hit ? "C:\\\\Tools\\\\tool" + std::to_string(rng() % rules) + ".exe"
            : "C:\\\\Program Files\\\\app" + std::to_string(rng() % 500) + "\\\\bin.exe";
    const std::string msg = "Process Create: " + std::to_string(i);
    const std::string line =
        std::string(R"({"@timestamp":"2026-12-07T10:00:00Z","host":{"name":"pc)") +
        std::to_string(i % 300) + R"("},"message":")" + msg +
        R"(","winlog":{"event_id":1,"channel":"Microsoft-Windows-Sysmon/Operational",)"
        R"("event_data":{"Image":")" +
        image + R"(","CommandLine":"\"x.exe\" --run )" + std::to_string(i) +
        R"(","User":"CORP\\user)" + std::to_string(i % 40) + R"("}}})";
    *bytes += line.size();
    Event e;
    e.raw = b.append(line);
    e.header.format = SyslogFormat::kNone;
    e.header.message = member ? b.append(msg) : e.raw;
    e.asset_class = AssetClass::kServer;
    b.events().push_back(e);
  }
  return out;
}

double batches_rate(const std::shared_ptr<const RuleSet>& rs,
                    const std::vector<EventBatch>& batches, double seconds) {
  auto m = std::move(Matcher::Create(rs, {}).value());
  std::vector<Match> out;
  size_t lines = 0;
  for (const auto& b : batches) lines += b.size();
  return rate(lines, seconds, [&] {
    for (const auto& b : batches) {
      out.clear();
      m->scan(b, 0, b.size(), &out);
    }
  });
}

size_t count_matches(const std::shared_ptr<const RuleSet>& rs,
                     const std::vector<EventBatch>& batches) {
  auto m = std::move(Matcher::Create(rs, {}).value());
  std::vector<Match> out;
  for (const auto& b : batches) m->scan(b, 0, b.size(), &out);
  return out.size();
}

void json_rules_section(const Options& opt, const Corpus& real, const SyslogParseOptions& po,
                        const std::shared_ptr<const RuleSet>& packs) {
  const size_t n = opt.json_rules;
  char title[96];
  std::snprintf(title, sizeof title, "Rules on event fields: the shipped packs + %zu json rules",
                n);
  heading(title);
  const fs::path file =
      fs::temp_directory_path() / ("wardsoc-bench-json-" + std::to_string(::getpid()) + ".yaml");
  {
    std::ofstream out(file);
    out << generate_json_rules(n);
  }
  auto both = load_or_die([&](LoadReport* r) {
    return RuleSet::Load(std::vector<fs::path>{fs::path(opt.rules), file}, r);
  });
  fs::remove(file);
  std::printf("%zu rules, %zu databases, %.1f KiB database, compiled in %.0f ms\n",
              both->rules().size(), both->database_count(), both->database_bytes() / 1024.0,
              both->hyperscan_seconds() * 1000);
  if (!real.lines.empty()) {
    const Parsed p = parse_all(real, po);
    std::vector<double> alone, with, ratio;
    for (int r = 0; r < kRounds; ++r) {
      alone.push_back(matcher_rate(packs, p, opt.seconds / kRounds));
      with.push_back(matcher_rate(both, p, opt.seconds / kRounds));
      ratio.push_back(with.back() / alone.back());
    }
    std::printf("%-34s packs %10s lines/s | + json rules %10s lines/s (x%.3f)\n", real.name.c_str(),
                human(median(alone)).c_str(), human(median(with)).c_str(), median(ratio));
  }
  size_t bytes = 0;
  const size_t lines = 200000;
  const auto whole = json_batches(lines, n, false, &bytes);
  const auto member = json_batches(lines, n, true, &bytes);
  std::vector<double> packs_json, whole_r, member_r;
  for (int r = 0; r < kRounds; ++r) {
    packs_json.push_back(batches_rate(packs, whole, opt.seconds / kRounds));
    whole_r.push_back(batches_rate(both, whole, opt.seconds / kRounds));
    member_r.push_back(batches_rate(both, member, opt.seconds / kRounds));
  }
  const double avg = static_cast<double>(bytes) / static_cast<double>(lines);
  std::printf("JSON events (%.0f bytes, 1%% matching), packs only        %10s lines/s\n", avg,
              human(median(packs_json)).c_str());
  std::printf("  + json rules, the line is the message (one scan)     %10s lines/s (x%.2f)\n",
              human(median(whole_r)).c_str(), median(whole_r) / median(packs_json));
  std::printf("  + json rules, \"message\" member is the message (two) %10s lines/s (x%.2f)\n",
              human(median(member_r)).c_str(), median(member_r) / median(packs_json));
  std::printf("  matches in one pass: %zu and %zu (%zu lines from a tool some rule names)\n",
              count_matches(both, whole), count_matches(both, member), lines / 100);
}

}  // namespace

int main(int argc, char** argv) {
  std::setvbuf(stdout, nullptr, _IOLBF, 0);  // progress shows as it is measured
  Options opt;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--corpus" && i + 1 < argc) {
      opt.corpus = argv[++i];
    } else if (a == "--rules" && i + 1 < argc) {
      opt.rules = argv[++i];
    } else if (a == "--seconds" && i + 1 < argc) {
      opt.seconds = std::atof(argv[++i]);
    } else if (a == "--skip-fail2ban") {
      opt.fail2ban = false;
    } else if (a == "--corpus-only") {
      opt.corpus_only = true;
    } else if (a == "--generated" && i + 1 < argc) {
      opt.generated = std::strtoul(argv[++i], nullptr, 10);
    } else if (a == "--wardsoc-only") {
      opt.wardsoc_only = true;
    } else if (a == "--json-rules" && i + 1 < argc) {
      opt.json_rules = std::strtoul(argv[++i], nullptr, 10);
    } else {
      std::fprintf(
          stderr,
          "usage: detect_bench [--corpus DIR] [--rules DIR] [--seconds S] [--skip-fail2ban] "
          "[--corpus-only] [--generated N] [--wardsoc-only] [--json-rules N]\n");
      return 2;
    }
  }
  if (opt.wardsoc_only && opt.generated == 0) {
    std::fprintf(stderr, "detect_bench: --wardsoc-only needs --generated N\n");
    return 2;
  }
  cctz::time_zone tz;
  cctz::load_time_zone("Asia/Ho_Chi_Minh", &tz);
  const SyslogParseOptions po = parse_options(&tz);

  // Shipped packs.
  auto packs = load_or_die([&](LoadReport* r) { return RuleSet::Load(fs::path(opt.rules), r); });
  heading("Shipped rule packs");
  std::printf(
      "%zu rules, %zu databases, %.1f KiB database + %.1f KiB scratch, compiled in %.0f ms\n",
      packs->rules().size(), packs->database_count(), packs->database_bytes() / 1024.0,
      packs->scratch_bytes() / 1024.0, packs->hyperscan_seconds() * 1000);

  std::vector<fs::path> all_logs, ssh_logs;
  if (!opt.corpus.empty()) {
    for (auto it = fs::recursive_directory_iterator(opt.corpus);
         it != fs::recursive_directory_iterator(); ++it) {
      if (it->is_regular_file() && it->path().extension() == ".log") {
        all_logs.push_back(it->path());
        if (it->path().filename().string().find("SSH") != std::string::npos)
          ssh_logs.push_back(it->path());
      }
    }
    std::sort(all_logs.begin(), all_logs.end());
  }
  const Corpus real = read_corpus("loghub (all systems)", all_logs);
  const Corpus ssh = read_corpus("loghub OpenSSH", ssh_logs);
  if (opt.json_rules > 0) {
    json_rules_section(opt, real, po, packs);
    return 0;
  }
  double normal_bytes_rate = 0;
  if (!real.lines.empty() && opt.generated == 0) {
    heading("End to end, one core (parse + prefilter + confirm + aggregation)");
    for (const Corpus* c : {&real, &ssh}) {
      uint64_t matches = 0;
      const double r = engine_rate(packs, *c, po, opt.seconds, &matches);
      const double mb =
          r * static_cast<double>(c->bytes) / static_cast<double>(c->lines.size()) / 1e6;
      if (c == &real) normal_bytes_rate = mb;
      std::printf("%-34s %10s lines/s  %6.1f MB/s  (%zu lines, %.0f%% matched by some rule)\n",
                  c->name.c_str(), human(r).c_str(), mb, c->lines.size(),
                  100.0 * static_cast<double>(matches) / std::max<double>(1, r * opt.seconds));
    }
    heading("Matching only, same patterns, same lines (one core)");
    compare(real.name.c_str(), packs, real, po, opt.seconds);
    compare(ssh.name.c_str(), packs, ssh, po, opt.seconds);
  }

  if (opt.fail2ban && opt.generated == 0 && !ssh.lines.empty() &&
      fs::exists("/usr/bin/fail2ban-regex")) {
    heading("fail2ban-regex on the same sshd lines (its sshd filter), side by side");
    // Ten copies of the sshd sample, so its start-up (Python, the filter) is measured apart.
    const std::string big = "/tmp/wardsoc-bench-sshd.log", one = "/tmp/wardsoc-bench-sshd-1.log";
    {
      std::ofstream out(big), out1(one);
      for (int k = 0; k < 10; ++k) {
        for (const auto& l : ssh.lines) out << l << '\n';
      }
      out1 << ssh.lines.front() << '\n';
    }
    const double t_big = fail2ban_seconds(big), t_one = fail2ban_seconds(one);
    const double lines = 10.0 * static_cast<double>(ssh.lines.size());
    Corpus ten;
    ten.name = "sshd x10";
    for (int k = 0; k < 10; ++k) {
      for (const auto& l : ssh.lines) ten.add(l);
    }
    const double ours = engine_rate(packs, ten, po, opt.seconds);
    if (t_big > 0 && t_one > 0) {
      const double f2b = lines / t_big, f2b_net = lines / std::max(1e-3, t_big - t_one);
      std::printf(
          "fail2ban-regex: %.0f lines in %.2f s = %s lines/s (%s lines/s without its %.2f s "
          "start-up)\n",
          lines, t_big, human(f2b).c_str(), human(f2b_net).c_str(), t_one);
      std::printf(
          "wardsoc (shipped packs, one core, end to end): %s lines/s = x%.0f fail2ban-regex (x%.0f "
          "without "
          "its start-up)\n",
          human(ours).c_str(), ours / f2b, ours / f2b_net);
    } else {
      std::printf("fail2ban-regex did not run\n");
    }
    fs::remove(big);
    fs::remove(one);
  }

  if (opt.corpus_only) return 0;

  // Generated rule sets.
  const std::vector<size_t> sizes =
      opt.generated > 0 ? std::vector<size_t>{opt.generated} : std::vector<size_t>{1000, 10000};
  for (size_t n : sizes) {
    char title[64];
    std::snprintf(title, sizeof title, "Generated rule set: %zu rules", n);
    heading(title);
    std::vector<std::string> matching;
    const std::string yaml = generate_rules(n, 7, &matching);
    const fs::path cache =
        fs::temp_directory_path() / ("wardsoc-bench-cache-" + std::to_string(::getpid()));
    fs::remove_all(cache);
    LoadOptions lo;
    lo.cache_dir = cache.string();
    auto cold = load_or_die(
        [&](LoadReport* r) { return RuleSet::LoadFromString(yaml, "gen.yaml", r, lo); });
    auto warm = load_or_die(
        [&](LoadReport* r) { return RuleSet::LoadFromString(yaml, "gen.yaml", r, lo); });
    LoadOptions quick = lo;
    quick.analyze = false;
    auto warm_quick = load_or_die(
        [&](LoadReport* r) { return RuleSet::LoadFromString(yaml, "gen.yaml", r, quick); });
    fs::remove_all(cache);
    std::printf(
        "compile: %.2f s in all, Hyperscan %.2f s; %zu database(s) %.1f MiB, scratch %.1f KiB\n",
        cold->load_seconds(), cold->hyperscan_seconds(), cold->database_count(),
        cold->database_bytes() / 1048576.0, cold->scratch_bytes() / 1024.0);
    std::printf(
        "restart with the cache: databases loaded in %.1f ms (%s); whole load %.2f s, %.2f s "
        "without the "
        "pattern analysis\n",
        warm->hyperscan_seconds() * 1000,
        warm->databases_from_cache() ? "from cache" : "NOT from cache", warm->load_seconds(),
        warm_quick->load_seconds());
    Corpus c = real;
    c.name = "corpus + 10% matching lines";
    for (size_t i = 0; i < matching.size() && i < std::max<size_t>(real.lines.size() / 10, 1000);
         ++i) {
      c.add(matching[i * 7 % matching.size()]);
    }
    std::shuffle(c.lines.begin(), c.lines.end(), std::mt19937(3));
    if (opt.wardsoc_only) {
      const Parsed p = parse_all(c, po);
      std::vector<double> r;
      for (int i = 0; i < kRounds; ++i) r.push_back(matcher_rate(warm, p, opt.seconds / kRounds));
      std::printf("wardsoc matching only: %.0f lines/s\n", median(r));
      continue;
    }
    const double e2e = engine_rate(warm, c, po, opt.seconds);
    std::printf("end to end, one core: %s lines/s\n", human(e2e).c_str());
    compare("matching only", warm, c, po, opt.seconds);
  }

  if (opt.generated > 0) return 0;

  // Reload: the pause the processing thread takes to hand state over to a new engine.
  heading("Reload pause (processing thread)");
  {
    EngineOptions eo;
    eo.workers = 1;
    eo.correlator.track_state = true;
    auto old = std::move(Engine::Create(packs, {"bench"}, eo).value());
    Corpus keys;
    for (int i = 0; i < 100000; ++i) {
      keys.add("Nov 25 10:00:00 gw sshd[1]: Failed password for root from 10." +
               std::to_string(i / 65536) + "." + std::to_string((i / 256) % 256) + "." +
               std::to_string(i % 256) + " port 22 ssh2");
    }
    EventBatch b;
    std::vector<IncidentChange> ch;
    std::vector<StateChange> sc;
    for (size_t i = 0; i < keys.lines.size(); i += kBatchLines) {
      fill(b, keys, i, std::min(keys.lines.size(), i + kBatchLines), po);
      ch.clear();
      old->process(b, &ch);
      sc.clear();
      old->take_state_changes(&sc, false);
    }
    const uint64_t tracked = old->stats().keys_tracked;
    auto next = std::move(Engine::Create(packs, {"bench"}, eo).value());
    const auto t0 = Clock::now();
    next->adopt(*old);
    const double adopt_us = seconds_since(t0) * 1e6;
    const auto t1 = Clock::now();
    old.reset();
    const double drop_us = seconds_since(t1) * 1e6;
    std::printf(
        "%llu keys tracked: adopt %.0f us, releasing the old engine %.0f us (%zu rules kept their "
        "state)\n",
        static_cast<unsigned long long>(tracked), adopt_us, drop_us, next->rules_adopted());
  }

  // Hostile corpus: long runs of one byte, lines at the 64 KiB cap, many near misses.
  heading("Hostile corpus (bytes/s against the normal corpus)");
  {
    Corpus h;
    h.name = "hostile";
    std::mt19937 rng(11);
    const size_t cap = 64 * 1024;
    for (int i = 0; i < 40; ++i) h.add(std::string(cap, 'a'));
    for (int i = 0; i < 40; ++i) {
      std::string s(cap, ' ');
      for (char& ch : s) ch = static_cast<char>(32 + rng() % 95);
      h.add(std::move(s));
    }
    for (int i = 0; i < 40; ++i)
      h.add("Nov 25 10:00:00 gw sshd[1]: Failed password for " + std::string(cap - 60, 'x'));
    for (int i = 0; i < 40; ++i) {
      std::string s = "Nov 25 10:00:00 gw sshd[1]: ";
      while (s.size() < cap) s += "Invalid user a from ";
      h.add(std::move(s));
    }
    for (int i = 0; i < 40; ++i) {
      std::string s = "203.0.113.5 - - [25/Nov/2026:10:00:00 +0700] \"GET /";
      while (s.size() < cap - 20) s += "..%2f";
      h.add(s + " HTTP/1.1\" 404 0");
    }
    for (int i = 0; i < 40; ++i) {
      std::string s = "Nov 25 10:00:00 fw kernel: ";
      while (s.size() < cap) s += "SRC=203.0.113.5 DST=192.0.2.1 ";
      h.add(std::move(s));
    }
    for (int i = 0; i < 2000; ++i) {
      h.add("Nov 25 10:00:00 gw sshd[1]: Failed password for root from 203.0.113." +
            std::to_string(i % 250) + " port x ssh2 but not quite");
    }
    const double r = engine_rate(packs, h, po, opt.seconds);
    const double mb = r * static_cast<double>(h.bytes) / static_cast<double>(h.lines.size()) / 1e6;
    std::printf("%s lines/s, %.1f MB/s", human(r).c_str(), mb);
    if (normal_bytes_rate > 0)
      std::printf(" = %.0f%% of the normal corpus's bytes/s", 100.0 * mb / normal_bytes_rate);
    std::printf("\n");
  }
  return 0;
}
