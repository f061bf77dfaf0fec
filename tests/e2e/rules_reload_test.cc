// Rules changing under a running wardsoc, as ward IT staff do it: `wardsoc rules reload`
// signals the process found through its pid file and waits for the outcome recorded in the
// store; correlation state of unchanged rules carries over a reload and a restart; a
// broken rule set is rejected with its errors and the running one stays.
#include <signal.h>

#include <boost/test/unit_test.hpp>
#include <nlohmann/json.hpp>
#include <sstream>

#include "app/api/api_client.h"
#include "tests/support/subprocess.h"
#include "tests/support/wait.h"
#include "tests/support/wardsoc_instance.h"

using namespace wardsoc::testing;
using namespace std::chrono_literals;
using nlohmann::json;

namespace {

// A copy of the shipped rules in the instance's directory, so that the tests can edit
// them; one worker, syslog over TCP.
std::string reload_config(const WardsocInstance& w) {
  const auto rules = w.dir / "rules";
  std::filesystem::create_directories(rules);
  std::filesystem::copy(std::filesystem::path(WARDSOC_SOURCE_DIR) / "rules" / "packs",
                        rules / "packs", std::filesystem::copy_options::recursive);
  std::filesystem::copy(std::filesystem::path(WARDSOC_SOURCE_DIR) / "rules" / "lists",
                        rules / "lists", std::filesystem::copy_options::recursive);
  std::ostringstream c;
  c << "log_level: info\n"
    << "rules: [" << rules.string() << "]\n"
    << "pipeline:\n  workers: 1\n"
    << "api:\n  listen: " << w.api_listen() << "\n"
    << "inputs:\n"
    << "  - name: syslog-tcp\n    type: syslog_tcp\n    address: 127.0.0.1\n"
    << "    port: " << w.syslog_port << "\n    class: server\n";
  return c.str();
}

// Incidents of one rule and key, from the store as `wardsoc incidents list` shows it.
uint64_t count_of(const WardsocInstance& w, const std::string& rule, const std::string& key) {
  const auto incidents = w.try_incidents({"--rule", rule});
  if (!incidents) return 0;
  for (const auto& j : *incidents) {
    if (j.value("group_key", "") == key) return j.value("count", uint64_t{0});
  }
  return 0;
}

std::string metrics(const WardsocInstance& w) {
  auto r = wardsoc::api_request(w.api_listen(), "GET", "/metrics", "", "", 30s);
  BOOST_REQUIRE_MESSAGE(r.ok() && r->status == 200, (r.ok() ? r->body : r.error().message));
  return r->body;
}

bool has(const std::string& text, const std::string& line) {
  return text.find(line) != std::string::npos;
}

int reload(const WardsocInstance& w, std::string* out) {
  std::string err;
  const int rc = w.cli({"rules", "reload", "--timeout", "60"}, out, &err, 90s);
  *out += err;
  return rc;
}

std::string invalid_user(const std::string& user, const std::string& ip) {
  return "Invalid user " + user + " from " + ip + " port 40000";
}

}  // namespace

BOOST_AUTO_TEST_CASE(reload_keeps_counting_and_a_broken_rule_set_is_rejected) {
  WardsocInstance in("reload", reload_config);
  auto p = in.start();
  BOOST_TEST(std::filesystem::exists(in.data / "wardsoc.pid"));

  // Four guesses: ssh.invalid_user (3) fires and folds the fourth, ssh.auth_failure_burst
  // (5) holds four.
  for (const char* u : {"admin", "oracle", "test", "pi"}) in.send(invalid_user(u, "203.0.113.7"));
  BOOST_REQUIRE(wait_until(
      "count_of(in, \"ssh.invalid_user\", \"203.0.113.7\") == 4",
      [&] { return count_of(in, "ssh.invalid_user", "203.0.113.7") == 4; }, 30s));
  BOOST_TEST(count_of(in, "ssh.auth_failure_burst", "203.0.113.7") == 0u);

  // An unrelated rule changes: the rule set's version changes, the brute-force rule's does not.
  std::string pack = read_file((in.dir / "rules") / "packs" / "linux-auth.yaml");
  pack.replace(pack.find("title: Wrong password for sudo"), 30, "title: Wrong password for sudo!");
  write_file((in.dir / "rules") / "packs" / "linux-auth.yaml", pack);
  std::string out;
  BOOST_TEST_REQUIRE(reload(in, &out) == 0, out);
  BOOST_TEST(out.find("reloaded: rule set version") != std::string::npos, out);
  BOOST_TEST(out.find("kept their correlation state") != std::string::npos, out);

  in.send(invalid_user("guest", "203.0.113.7"));
  BOOST_TEST(wait_until(
      "count_of(in, \"ssh.auth_failure_burst\", \"203.0.113.7\") == 5",
      [&] { return count_of(in, "ssh.auth_failure_burst", "203.0.113.7") == 5; }, 30s));

  // A broken file: rejected with file:line:col and the rule, exit 1; the old rules go on.
  write_file(
      (in.dir / "rules") / "broken.yaml",
      "rules:\n  - id: broken.rule\n    title: B\n    severity: severe\n    match: {regex: 'x'}\n");
  out.clear();
  BOOST_TEST(reload(in, &out) == 1, out);
  BOOST_TEST(
      out.find("broken.yaml:4:15: error: broken.rule: severity: 'severe'") != std::string::npos,
      out);
  BOOST_TEST(out.find("REJECTED") != std::string::npos, out);
  // Both outcomes are counted: a rejected reload is what an operator must see.
  const std::string m = metrics(in);
  BOOST_TEST(has(m, "wardsoc_rule_reloads_total{result=\"ok\"} 1"), m);
  BOOST_TEST(has(m, "wardsoc_rule_reloads_total{result=\"rejected\"} 1"), m);
  in.send(invalid_user("ubuntu", "203.0.113.7"));
  BOOST_TEST(wait_until(
      "count_of(in, \"ssh.auth_failure_burst\", \"203.0.113.7\") == 6",
      [&] { return count_of(in, "ssh.auth_failure_burst", "203.0.113.7") == 6; }, 30s));

  std::string stats, err;
  BOOST_TEST(run_command({WARDSOC_BIN, "rules", "stats", "--config", in.config.string()}, &stats,
                         &err) == 0,
             err);
  BOOST_TEST(stats.find("REJECTED") != std::string::npos, stats);
  BOOST_TEST(stats.find("sighup accepted") != std::string::npos, stats);

  in.stop(*p);
  BOOST_TEST(!std::filesystem::exists(in.data / "wardsoc.pid"));
  std::string none;
  BOOST_TEST(reload(in, &none) == 2);  // nothing running: said so, not waited for
  BOOST_TEST(none.find("no wardsoc is running") != std::string::npos, none);
}

BOOST_AUTO_TEST_CASE(a_restart_keeps_the_failures_seen_before_it) {
  WardsocInstance in("reload", reload_config);
  auto p = in.start();
  for (int i = 0; i < 4; ++i)
    in.send("Failed password for root from 198.51.100.9 port 4000" + std::to_string(i) + " ssh2");
  in.stop(*p);  // a clean stop stores everything queued, state included
  p = in.start();
  BOOST_TEST(read_file(in.log).find("correlation state restored") != std::string::npos);
  in.send("Failed password for root from 198.51.100.9 port 40009 ssh2");
  BOOST_TEST(wait_until(
      "count_of(in, \"ssh.auth_failure_burst\", \"198.51.100.9\") == 5",
      [&] { return count_of(in, "ssh.auth_failure_burst", "198.51.100.9") == 5; }, 30s));
  // The second start read the compiled databases from the cache instead of compiling.
  BOOST_TEST(std::filesystem::exists(in.data / "cache"));
  in.stop(*p);
}

// A service without rules detects nothing and says nothing: it must be asked for.
BOOST_AUTO_TEST_CASE(a_rule_set_without_rules_is_refused_unless_rules_is_an_empty_list) {
  WardsocInstance in("reload", [](const WardsocInstance& w) {
    std::filesystem::create_directories(w.dir / "rules" / "notes");
    write_file(w.dir / "rules" / "notes" / "README.md", "rule files go here\n");
    return "rules: [" + (w.dir / "rules").string() + "]\napi:\n  listen: " + w.api_listen() + "\n";
  });
  const std::string rules = (in.dir / "rules").string();
  std::string out, err;
  BOOST_TEST(run_command({WARDSOC_BIN, "run", "--config", in.config.string()}, &out, &err, 60s) ==
             2);
  BOOST_TEST(err.find("no rules in " + rules) != std::string::npos, err);
  BOOST_TEST(err.find("`rules: []`") != std::string::npos, err);

  // One rule: it starts; the rule file removed, a reload is rejected and the rule stays.
  write_file(in.dir / "rules" / "one.yaml",
             "rules:\n  - id: test.one\n    title: One\n    severity: low\n"
             "    match: {regex: 'one'}\n");
  auto p = in.start();
  std::filesystem::remove(in.dir / "rules" / "one.yaml");
  BOOST_TEST(reload(in, &out) == 1, out);
  BOOST_TEST(out.find("no rules in " + rules) != std::string::npos, out);
  BOOST_TEST(has(metrics(in), "wardsoc_rule_reloads_total{result=\"rejected\"} 1"));
  in.stop(*p);

  // On purpose: `rules: []` runs without detection.
  in.configure("rules: []\n");
  const size_t before = read_file(in.log).size();
  p = in.start();  // waits for "wardsoc running"
  BOOST_TEST(read_file(in.log).find("no rules in", before) == std::string::npos);
  in.stop(*p);
}
