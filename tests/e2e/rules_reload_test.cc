// Rules changing under a running wardsoc, as ward IT staff do it: `wardsoc rules reload`
// signals the process found through its pid file and waits for the outcome recorded in the
// store; correlation state of unchanged rules carries over a reload and a restart; a
// broken rule set is rejected with its errors and the running one stays.
#include <signal.h>

#include <boost/test/unit_test.hpp>
#include <nlohmann/json.hpp>
#include <sstream>

#include "tests/support/subprocess.h"

using namespace wardsoc::testing;
using namespace std::chrono_literals;
using nlohmann::json;

namespace {

struct Instance {
  TempDir dir;
  uint16_t port = free_port();
  std::filesystem::path rules = dir / "rules";
  std::filesystem::path config = dir / "wardsoc.yaml";
  std::filesystem::path data = dir / "var";
  std::filesystem::path log = dir / "wardsoc.log";

  Instance() {
    std::filesystem::create_directories(rules);
    std::filesystem::copy(std::filesystem::path(WARDSOC_SOURCE_DIR) / "rules" / "packs",
                          rules / "packs", std::filesystem::copy_options::recursive);
    std::filesystem::copy(std::filesystem::path(WARDSOC_SOURCE_DIR) / "rules" / "lists",
                          rules / "lists", std::filesystem::copy_options::recursive);
    std::ostringstream c;
    c << "data_dir: " << data.string() << "\n"
      << "log_level: info\n"
      << "rules: [" << rules.string() << "]\n"
      << "pipeline:\n  workers: 1\n"
      << "inputs:\n"
      << "  - name: syslog-tcp\n    type: syslog_tcp\n    address: 127.0.0.1\n"
      << "    port: " << port << "\n    class: server\n";
    write_file(config, c.str());
  }

  std::unique_ptr<Subprocess> start() {
    const size_t before = read_file(log).size();
    auto p = std::make_unique<Subprocess>(
        std::vector<std::string>{WARDSOC_BIN, "run", "--config", config.string()}, dir / "stdout",
        log);
    const bool up = eventually(
        [&] { return read_file(log).find("wardsoc running", before) != std::string::npos; }, 60s);
    BOOST_REQUIRE_MESSAGE(up, "wardsoc did not start:\n" << read_file(log));
    return p;
  }

  void stop(Subprocess& p) {
    p.signal(SIGINT);
    BOOST_REQUIRE_EQUAL(p.wait(30s), 0);
  }

  void send(const std::string& message) {
    BOOST_REQUIRE_EQUAL(run_command({LOGGER_BIN, "-n", "127.0.0.1", "-P", std::to_string(port),
                                     "-T", "-t", "sshd", "--", message}),
                        0);
  }

  // Incidents of one rule and key, from the store as `wardsoc incidents list` shows it.
  uint64_t count_of(const std::string& rule, const std::string& key) const {
    std::string out, err;
    if (run_command({WARDSOC_BIN, "incidents", "list", "--data-dir", data.string(), "--rule", rule,
                     "--json"},
                    &out, &err) != 0) {
      return 0;
    }
    std::istringstream in(out);
    for (std::string line; std::getline(in, line);) {
      if (line.empty()) continue;
      const json j = json::parse(line);
      if (j.value("group_key", "") == key) return j.value("count", uint64_t{0});
    }
    return 0;
  }

  int reload(std::string* out) {
    std::string err;
    const int rc = run_command(
        {WARDSOC_BIN, "rules", "reload", "--config", config.string(), "--timeout", "60"}, out, &err,
        90s);
    *out += err;
    return rc;
  }
};

std::string invalid_user(const std::string& user, const std::string& ip) {
  return "Invalid user " + user + " from " + ip + " port 40000";
}

}  // namespace

BOOST_AUTO_TEST_CASE(reload_keeps_counting_and_a_broken_rule_set_is_rejected) {
  Instance in;
  auto p = in.start();
  BOOST_TEST(std::filesystem::exists(in.data / "wardsoc.pid"));

  // Four guesses: ssh.invalid_user (3) fires and folds the fourth, ssh.auth_failure_burst
  // (5) holds four.
  for (const char* u : {"admin", "oracle", "test", "pi"}) in.send(invalid_user(u, "203.0.113.7"));
  BOOST_REQUIRE(
      eventually([&] { return in.count_of("ssh.invalid_user", "203.0.113.7") == 4; }, 30s));
  BOOST_TEST(in.count_of("ssh.auth_failure_burst", "203.0.113.7") == 0u);

  // An unrelated rule changes: the rule set's version changes, the brute-force rule's does not.
  std::string pack = read_file(in.rules / "packs" / "linux-auth.yaml");
  pack.replace(pack.find("title: Wrong password for sudo"), 30, "title: Wrong password for sudo!");
  write_file(in.rules / "packs" / "linux-auth.yaml", pack);
  std::string out;
  BOOST_TEST_REQUIRE(in.reload(&out) == 0, out);
  BOOST_TEST(out.find("reloaded: rule set version") != std::string::npos, out);
  BOOST_TEST(out.find("kept their correlation state") != std::string::npos, out);

  in.send(invalid_user("guest", "203.0.113.7"));
  BOOST_TEST(
      eventually([&] { return in.count_of("ssh.auth_failure_burst", "203.0.113.7") == 5; }, 30s));

  // A broken file: rejected with file:line:col and the rule, exit 1; the old rules go on.
  write_file(
      in.rules / "broken.yaml",
      "rules:\n  - id: broken.rule\n    title: B\n    severity: severe\n    match: {regex: 'x'}\n");
  out.clear();
  BOOST_TEST(in.reload(&out) == 1, out);
  BOOST_TEST(
      out.find("broken.yaml:4:15: error: broken.rule: severity: 'severe'") != std::string::npos,
      out);
  BOOST_TEST(out.find("REJECTED") != std::string::npos, out);
  in.send(invalid_user("ubuntu", "203.0.113.7"));
  BOOST_TEST(
      eventually([&] { return in.count_of("ssh.auth_failure_burst", "203.0.113.7") == 6; }, 30s));

  std::string stats, err;
  BOOST_TEST(run_command({WARDSOC_BIN, "rules", "stats", "--config", in.config.string()}, &stats,
                         &err) == 0,
             err);
  BOOST_TEST(stats.find("REJECTED") != std::string::npos, stats);
  BOOST_TEST(stats.find("sighup accepted") != std::string::npos, stats);

  in.stop(*p);
  BOOST_TEST(!std::filesystem::exists(in.data / "wardsoc.pid"));
  std::string none;
  BOOST_TEST(in.reload(&none) == 2);  // nothing running: said so, not waited for
  BOOST_TEST(none.find("no wardsoc is running") != std::string::npos, none);
}

BOOST_AUTO_TEST_CASE(a_restart_keeps_the_failures_seen_before_it) {
  Instance in;
  auto p = in.start();
  for (int i = 0; i < 4; ++i)
    in.send("Failed password for root from 198.51.100.9 port 4000" + std::to_string(i) + " ssh2");
  in.stop(*p);  // a clean stop stores everything queued, state included
  p = in.start();
  BOOST_TEST(read_file(in.log).find("correlation state restored") != std::string::npos);
  in.send("Failed password for root from 198.51.100.9 port 40009 ssh2");
  BOOST_TEST(
      eventually([&] { return in.count_of("ssh.auth_failure_burst", "198.51.100.9") == 5; }, 30s));
  // The second start read the compiled databases from the cache instead of compiling.
  BOOST_TEST(std::filesystem::exists(in.data / "cache"));
  in.stop(*p);
}
