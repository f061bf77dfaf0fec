// The no-loss contract, proven by killing: a real log file is fed to `wardsoc run`
// while it is killed with SIGKILL at random moments and restarted, several times. At
// the end the store must hold exactly the incidents a clean, uninterrupted run holds —
// each once, with the same counts, including thresholds whose events straddled a crash
// (correlation state is checkpointed with the batch) — every one of them must have
// reached the SOC file at least once, and `wardsoc rules stats` must show the per-rule
// counters of the clean run (they are written in the same atomic write as the batch).
#include <signal.h>

#include <array>
#include <boost/test/unit_test.hpp>
#include <fstream>
#include <nlohmann/json.hpp>
#include <random>
#include <sstream>

#include "store/store.h"
#include "tests/support/subprocess.h"
#include "tests/support/wait.h"

using namespace wardsoc;
using namespace wardsoc::testing;
using namespace std::chrono_literals;
using nlohmann::json;

namespace {

// sshd lines from many addresses, interleaved, 100 ms of device time apart: each
// address makes between 2 and 11 failed logins, so some stay under the rule's five
// and some fire; with many addresses in flight, kills land inside their windows.
std::vector<std::string> make_log() {
  std::mt19937 rng(20261125);
  struct Attacker {
    std::string ip;
    int left;
  };
  std::vector<Attacker> attackers;
  for (int i = 0; i < 90; ++i) {
    attackers.push_back(
        {"198.51." + std::to_string(100 + i / 50) + "." + std::to_string(1 + i % 50),
         2 + static_cast<int>(rng() % 10)});
  }
  std::vector<std::string> lines;
  // 2026-01-10T08:00:00Z; the config trusts device clocks so that windows are
  // measured in device time, the same in every run.
  int64_t t = 1768032000;
  int ms = 0;
  size_t alive = attackers.size();
  while (alive > 0) {
    for (auto& a : attackers) {
      if (a.left == 0) continue;
      if (rng() % 3 != 0) continue;  // not every address every round
      --a.left;
      if (a.left == 0) --alive;
      char stamp[64];
      const time_t secs = static_cast<time_t>(t);
      std::tm tm{};
      gmtime_r(&secs, &tm);
      std::strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%S", &tm);
      std::ostringstream line;
      line << "<38>1 " << stamp << "." << std::setw(3) << std::setfill('0') << ms
           << "Z gw sshd 4121 - - Failed password for root from " << a.ip << " port "
           << 40000 + lines.size() << " ssh2";
      lines.push_back(line.str());
      ms += 100;
      if (ms == 1000) {
        ms = 0;
        ++t;
      }
    }
  }
  return lines;
}

struct Run {
  TempDir dir{"crash"};
  std::filesystem::path log = dir / "auth.log";
  std::filesystem::path data = dir / "var";
  std::filesystem::path soc = dir / "soc.jsonl";
  std::filesystem::path config = dir / "wardsoc.yaml";
  std::filesystem::path out = dir / "wardsoc.log";

  explicit Run(const std::string& durability) {
    std::ostringstream c;
    c << "data_dir: " << data.string() << "\n"
      << "log_level: info\n"
      << "rules: [" << WARDSOC_SOURCE_DIR << "/rules]\n"
      << "pipeline:\n  workers: 2\n"
      << "store:\n  durability: " << durability << "\n"
      << "api:\n  listen: ''\n"
      << "inputs:\n  - name: files\n    type: file\n    paths: [" << log.string() << "]\n"
      << "    class: server\n    max_clock_skew: 3650d\n    batch_events: 64\n"
      << "sinks:\n  - name: soc-file\n    type: file\n    path: " << soc.string() << "\n";
    write_file(config, c.str());
    std::filesystem::create_directories(data);
  }

  std::unique_ptr<Subprocess> start() {
    return std::make_unique<Subprocess>(
        std::vector<std::string>{WARDSOC_BIN, "run", "--config", config.string()}, dir / "stdout",
        out);
  }

  void append(const std::vector<std::string>& lines, size_t from, size_t to) {
    std::ofstream f(log, std::ios::app | std::ios::binary);
    for (size_t i = from; i < to; ++i) f << lines[i] << "\n";
  }

  // How far the store says the file was read (the durable checkpoint), 0 if unknown.
  uint64_t checkpoint() const {
    auto store = Store::OpenReadOnly((data / "db").string());
    if (!store.ok()) return 0;
    auto cps = (*store)->checkpoints("files");
    if (!cps.ok()) return 0;
    uint64_t best = 0;
    for (const auto& [stream, pos] : *cps) best = std::max(best, pos);
    return best;
  }

  // Every incident: id -> count (from a read-only view; wardsoc may be stopped).
  std::map<std::string, uint64_t> incidents() const {
    std::map<std::string, uint64_t> out;
    auto store = Store::OpenReadOnly((data / "db").string());
    BOOST_REQUIRE_MESSAGE(store.ok(), (store.ok() ? "" : store.error().message));
    IncidentQuery q;
    q.limit = kMaxPageSize;
    auto page = (*store)->list_incidents(q);
    BOOST_REQUIRE(page.ok());
    for (const auto& in : page->incidents) {
      BOOST_TEST(out.emplace(in.id, in.count).second, "incident " << in.id << " listed twice");
    }
    BOOST_TEST(page->next_cursor.empty());
    return out;
  }

  // What `wardsoc rules stats --json` says per rule: matches, incidents created, folded.
  std::map<std::string, std::array<uint64_t, 3>> rule_counters() const {
    std::string output, errors;
    const int rc = run_command({WARDSOC_BIN, "rules", "stats", "--json", "-d", data.string()},
                               &output, &errors);
    BOOST_REQUIRE_MESSAGE(rc == 0, "wardsoc rules stats: " << errors);
    std::map<std::string, std::array<uint64_t, 3>> out;
    const json stats = json::parse(output);
    for (const auto& r : stats["rules"]) {
      out[r["rule"].get<std::string>()] = {r["matches"].get<uint64_t>(),
                                           r["incidents_created"].get<uint64_t>(),
                                           r["incidents_updated"].get<uint64_t>()};
    }
    return out;
  }

  std::set<std::string> soc_ids() const {
    std::set<std::string> ids;
    std::istringstream in(read_file(soc));
    for (std::string line; std::getline(in, line);) {
      if (!line.empty()) ids.insert(json::parse(line)["id"].get<std::string>());
    }
    return ids;
  }

  // Waits until everything in the file is durable and every incident was forwarded.
  void settle(size_t file_bytes) {
    const bool read_all = wait_until(
        "checkpoint() == file_bytes", [&] { return checkpoint() == file_bytes; }, 60s);
    BOOST_REQUIRE_MESSAGE(read_all, "checkpoint " << checkpoint() << " of " << file_bytes
                                                  << " bytes; log:\n"
                                                  << read_file(out));
  }
};

size_t bytes_in(const std::filesystem::path& p) {
  std::error_code ec;
  return static_cast<size_t>(std::filesystem::file_size(p, ec));
}

void check_against_clean_run(const std::string& durability) {
  const auto lines = make_log();

  // The oracle: the same stream, read once without interruption.
  Run clean(durability);
  clean.append(lines, 0, lines.size());
  std::map<std::string, uint64_t> expected;
  std::map<std::string, std::array<uint64_t, 3>> expected_counters;
  {
    auto p = clean.start();
    clean.settle(bytes_in(clean.log));
    p->signal(SIGTERM);
    BOOST_REQUIRE_EQUAL(p->wait(30s), 0);
    expected = clean.incidents();
    expected_counters = clean.rule_counters();
  }
  BOOST_TEST_REQUIRE(expected.size() >= 20u, "the stream should make incidents");
  uint64_t matched = 0, created = 0;
  for (const auto& [rule, c] : expected_counters) {
    matched += c[0];
    created += c[1];
  }
  BOOST_TEST_REQUIRE(matched > 100u, "the rules should match many lines of the stream, not "
                                         << matched << " (" << expected_counters.size()
                                         << " rules with counters)");
  BOOST_TEST_REQUIRE(created == expected.size(), "incidents created, summed over the rules");

  Run crashed(durability);
  std::mt19937 rng(std::random_device{}());
  size_t fed = 60;  // a first chunk, so that the file has its fingerprint before it is read
  crashed.append(lines, 0, fed);
  constexpr int kKills = 6;
  for (int kill = 0; kill < kKills; ++kill) {
    const uint64_t stored_before = crashed.checkpoint();
    auto p = crashed.start();
    // Feed while it runs, then kill it at a random moment: during start-up, while
    // reading, while committing, while forwarding.
    const auto until =
        std::chrono::steady_clock::now() + std::chrono::milliseconds(100 + rng() % 900);
    while (std::chrono::steady_clock::now() < until) {
      const size_t next = std::min(lines.size(), fed + 5 + rng() % 30);
      crashed.append(lines, fed, next);
      fed = next;
      // Pacing at random: the kill falls at a random point of the work, which is the test.
      std::this_thread::sleep_for(std::chrono::milliseconds(5 + rng() % 40));
    }
    if (kill % 2 == 1) {
      // Every other kill only once this run has stored batches of its own: what it counted
      // must not be lost with it (the kills above may all land before the first commit).
      (void)wait_until(
          "the run stored batches", [&] { return crashed.checkpoint() > stored_before; }, 10s);
    }
    p->signal(SIGKILL);
    BOOST_REQUIRE_EQUAL(p->wait(10s), 128 + SIGKILL);
  }
  crashed.append(lines, fed, lines.size());
  {
    auto p = crashed.start();
    crashed.settle(bytes_in(crashed.log));
    BOOST_REQUIRE_MESSAGE(wait_until(
                              "every expected incident in the SOC file after the restart",
                              [&] {
                                const auto ids = crashed.soc_ids();
                                for (const auto& [id, n] : expected) {
                                  if (!ids.count(id)) return false;
                                }
                                return true;
                              },
                              30s),
                          "not every incident reached the SOC file");
    p->signal(SIGTERM);
    BOOST_REQUIRE_EQUAL(p->wait(30s), 0);
  }
  const auto got = crashed.incidents();
  BOOST_TEST(got.size() == expected.size());
  for (const auto& [id, count] : expected) {
    auto it = got.find(id);
    BOOST_TEST((it != got.end()), "incident " << id << " of the clean run is missing");
    if (it != got.end()) BOOST_TEST(it->second == count, "count of incident " << id);
  }
  for (const auto& [id, count] : got) {
    BOOST_TEST(expected.count(id) == 1u,
               "incident " << id << " (count " << count << ") is not in the clean run");
  }
  // The counters went through the same kills: each rule's matches, incidents created and
  // matches folded are those of the clean run, not those of the last periodic save.
  const auto counters = crashed.rule_counters();
  for (const auto& [rule, want] : expected_counters) {
    auto it = counters.find(rule);
    BOOST_TEST((it != counters.end()), "no counters of rule " << rule << " after the kills");
    if (it == counters.end()) continue;
    const std::array<const char*, 3> what = {"matches", "incidents created", "matches folded"};
    for (size_t k = 0; k < 3; ++k) {
      BOOST_TEST(it->second[k] == want[k], what[k] << " of rule " << rule << ": " << it->second[k]
                                                   << " after the kills, " << want[k]
                                                   << " in the clean run");
    }
  }
  const std::set<std::string> soc = crashed.soc_ids();
  for (const auto& [id, count] : got) BOOST_TEST(soc.count(id) == 1u, "not forwarded: " << id);
}

}  // namespace

BOOST_AUTO_TEST_CASE(killed_runs_store_every_incident_once_with_the_counts_of_a_clean_run) {
  check_against_clean_run("sync");
}

BOOST_AUTO_TEST_CASE(killed_runs_with_group_commit_lose_nothing_either) {
  // A killed process (not a power cut) loses nothing that was written, fsynced or not.
  check_against_clean_run("group");
}
