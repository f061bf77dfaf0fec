#include "detect/engine.h"

#include <boost/test/unit_test.hpp>
#include <fstream>
#include <random>

#include "test_events.h"
#include "tests/support/temp_dir.h"

using namespace wardsoc;
using namespace wardsoc::testing;

namespace {

// The engine's own rules, written here so that editing the shipped packs never changes
// what an engine test counts, and the counts below can be read against the patterns.
// One rule of each kind the engine runs: a threshold, a distinct count, a sequence that
// reuses a rule, a single match and a literal.
constexpr const char* kEngineTestRules = R"yaml(
rules:
  - id: test.ssh_brute_force
    title: SSH brute force (engine test)
    severity: high
    programs: [sshd]
    match:
      regex: '^Failed (?P<method>\S+) for (?:invalid user )?(?P<user>\S+) from (?P<src_ip>\S+) port \d+'
    aggregation:
      count: 5
      window: 2m
      group_by: [src_ip]

  - id: test.ssh_spraying
    title: SSH password spraying (engine test)
    severity: high
    programs: [sshd]
    match:
      regex: '^Failed password for (?:invalid user )?(?P<user>\S+) from (?P<src_ip>\S+) port '
    aggregation:
      distinct: user
      count: 3
      window: 10m
      group_by: [src_ip]

  - id: test.root_login
    title: SSH login as root (engine test)
    severity: high
    programs: [sshd]
    match:
      regex: '^Accepted (?P<method>\S+) for root from (?P<src_ip>\S+) port \d+'

  - id: test.login_after_failures
    title: SSH login after failures (engine test)
    severity: critical
    sequence:
      window: 10m
      group_by: [src_ip]
      steps:
        - name: failures
          count: 5
          rule: test.ssh_brute_force
        - name: success
          programs: [sshd]
          match:
            regex: '^Accepted (?P<method>\S+) for (?P<user>\S+) from (?P<src_ip>\S+) port \d+'

  - id: test.sudo_failure
    title: Wrong sudo password (engine test)
    severity: medium
    programs: [sudo]
    match:
      contains: 'incorrect password attempts'
)yaml";

void write_file(const std::filesystem::path& path, const char* text) {
  std::ofstream(path) << text;
}

std::shared_ptr<const RuleSet> pack() {
  TempDir dir("engine-rules");
  write_file(dir / "engine_test_rules.yaml", kEngineTestRules);
  LoadReport report;
  auto set = RuleSet::Load(dir.path(), &report);
  BOOST_TEST_REQUIRE(set.ok(), report.to_string());
  return *set;
}

// A few thousand sshd/sudo lines from a handful of attackers and users, shuffled in time
// only within small steps, so that thresholds fire, incidents update and some keys idle.
std::vector<EventBatch> traffic(size_t batches, size_t per_batch) {
  std::mt19937 rng(42);
  const std::vector<std::string> templates = {
      "Failed password for invalid user {u} from {ip} port 4{n} ssh2",
      "Failed password for root from {ip} port 5{n} ssh2",
      "Invalid user {u} from {ip} port 6{n}",
      "Accepted password for root from {ip} port 22{n} ssh2",
      "Connection closed by {ip} port 3{n} [preauth]",
      "Accepted publickey for alice from {ip} port 4{n} ssh2: ED25519 SHA256:x",
      "pam_unix(sshd:session): session opened for user alice(uid=1000) by (uid=0)",
      "ROOT LOGIN REFUSED FROM {ip}",
  };
  const std::vector<std::string> ips = {"203.0.113.7", "203.0.113.8", "198.51.100.20", "192.0.2.44",
                                        "192.0.2.45"};
  const std::vector<std::string> users = {"admin", "oracle", "test", "pi"};
  std::vector<EventBatch> out(batches);
  int64_t t = kT0;
  for (auto& batch : out) {
    for (size_t i = 0; i < per_batch; ++i) {
      std::string msg = templates[rng() % templates.size()];
      auto put = [&](const std::string& key, const std::string& value) {
        const size_t at = msg.find(key);
        if (at != std::string::npos) msg.replace(at, key.size(), value);
      };
      put("{u}", users[rng() % users.size()]);
      put("{ip}", ips[rng() % ips.size()]);
      put("{n}", std::to_string(rng() % 1000));
      t += static_cast<int64_t>(rng() % 3000) * 1000;  // up to 3s between lines
      const bool sudo = rng() % 10 == 0;
      add_event(batch, {.message = sudo ? std::string_view(
                                              "alice : 3 incorrect password attempts ; TTY=pts/0 ; "
                                              "PWD=/home/alice ; USER=root ; COMMAND=/bin/sh")
                                        : std::string_view(msg),
                        .time_us = t,
                        .host = rng() % 2 ? "gw" : "srv-01",
                        .app = sudo ? "sudo" : "sshd",
                        .input = static_cast<uint16_t>(rng() % 2)});
    }
  }
  return out;
}

std::string describe(const IncidentChange& c) {
  std::string s = std::to_string(static_cast<int>(c.kind)) + " " + c.incident.id + " " +
                  c.incident.rule_id + " " + c.incident.group_key + " " +
                  std::to_string(c.incident.count) + " " + std::to_string(c.incident.last_seen_us) +
                  " " + std::to_string(c.incident.evidence_count);
  for (const auto& [k, v] : c.incident.fields) s += " " + k + "=" + v;
  for (const auto& e : c.new_evidence) s += "\n  " + std::to_string(e.seq) + " " + e.line;
  return s;
}

std::vector<std::string> run(std::shared_ptr<const RuleSet> rs, unsigned workers,
                             EngineStats* stats = nullptr) {
  EngineOptions o;
  o.workers = workers;
  auto engine = Engine::Create(rs, {"udp", "tcp"}, o);
  BOOST_TEST_REQUIRE(engine.ok());
  std::vector<std::string> out;
  for (const EventBatch& batch : traffic(6, 2000)) {
    std::vector<IncidentChange> changes;
    (*engine)->process(batch, &changes);
    for (const auto& c : changes) out.push_back(describe(c));
  }
  if (stats != nullptr) *stats = (*engine)->stats();
  return out;
}

}  // namespace

BOOST_AUTO_TEST_CASE(several_workers_give_the_same_changes_as_one) {
  auto rs = pack();
  EngineStats one_stats, four_stats;
  const auto one = run(rs, 1, &one_stats);
  const auto two = run(rs, 2);
  const auto four = run(rs, 4, &four_stats);
  BOOST_TEST(one.size() > 10u);
  BOOST_TEST(one == two);
  BOOST_TEST(one == four);
  BOOST_TEST(one_stats.workers == 1u);
  BOOST_TEST(four_stats.workers == 4u);
  BOOST_TEST(four_stats.events_scanned == 12000u);
  BOOST_TEST(four_stats.matches == one_stats.matches);
  BOOST_TEST(four_stats.incidents_created == one_stats.incidents_created);
  BOOST_TEST(four_stats.incidents_created > 0u);
  // Every sshd and sudo line is scanned joined with the others of its batch, in one worker
  // or in four; none of the shipped patterns floods a joined scan.
  BOOST_TEST(one_stats.joined_lines == 12000u);
  BOOST_TEST(four_stats.joined_lines == 12000u);
  BOOST_TEST(one_stats.joined_fallbacks == 0u);
}

BOOST_AUTO_TEST_CASE(rule_stats_count_matches_and_incidents_per_rule) {
  auto rs = pack();
  auto engine = Engine::Create(rs, {"udp"}, EngineOptions{2, {}});
  BOOST_TEST_REQUIRE(engine.ok());
  EventBatch batch;
  for (int i = 0; i < 6; ++i) {
    add_event(batch, {.message = "Failed password for root from 203.0.113.7 port 22 ssh2",
                      .time_us = kT0 + i * kSecond});
  }
  std::vector<IncidentChange> changes;
  (*engine)->process(batch, &changes);
  BOOST_TEST(changes.size() == 1u);
  const auto stats = (*engine)->rule_stats();
  BOOST_TEST_REQUIRE(stats.size() == rs->rules().size());
  const auto& brute = stats[static_cast<size_t>(rs->index_of("test.ssh_brute_force"))];
  BOOST_TEST(brute.rule_id == "test.ssh_brute_force");
  BOOST_TEST(brute.matches == 6u);
  BOOST_TEST(brute.incidents_created == 1u);
  BOOST_TEST(brute.incidents_updated == 1u);
  const EngineStats s = (*engine)->stats();
  BOOST_TEST(s.events_scanned == 6u);
  BOOST_TEST(s.batches == 1u);
  // Each line is also a spraying attempt and a "failures" step of the login-after-failures
  // sequence: three matches per line.
  BOOST_TEST(s.matches == 18u);
  // Three RE2 runs a line, summed over both workers: the brute-force pattern (which the
  // login-after-failures sequence shares), spraying's, and test.root_login's, whose
  // literal ' for root from ' (the one the fewest patterns need) is in these lines too.
  // That one fails each time, but six lines are too few for the tally to hand it to the
  // DFA first.
  BOOST_TEST(s.re2_runs == 18u);
  BOOST_TEST(s.re2_dfa_checks == 0u);
}

BOOST_AUTO_TEST_CASE(empty_batch_and_zero_workers_are_fine) {
  auto engine = Engine::Create(pack(), {}, EngineOptions{0, {}});
  BOOST_TEST_REQUIRE(engine.ok());
  BOOST_TEST((*engine)->stats().workers >= 1u);
  EventBatch empty;
  std::vector<IncidentChange> changes;
  (*engine)->process(empty, &changes);
  BOOST_TEST(changes.empty());
}
