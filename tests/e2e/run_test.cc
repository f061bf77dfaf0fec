// `wardsoc run` as a user starts it: a config file, real sshd-style lines sent with
// util-linux `logger` over TCP and UDP, incidents read back with `wardsoc incidents`
// and from the SOC file.
#include <signal.h>

#include <boost/test/unit_test.hpp>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

#include "tests/support/subprocess.h"
#include "tests/support/wait.h"
#include "tests/support/wardsoc_instance.h"

using namespace wardsoc::testing;
using namespace std::chrono_literals;
using nlohmann::json;

namespace {

// Syslog over TCP and UDP on one port, the shipped rules, a file sink.
std::string run_config(const WardsocInstance& w) {
  std::ostringstream c;
  c << "log_level: info\n"
    << "rules: [" << WARDSOC_SOURCE_DIR << "/rules]\n"
    << "pipeline:\n  workers: 2\n  store_sync: true\n"
    << "inputs:\n"
    << "  - name: syslog-tcp\n    type: syslog_tcp\n    address: 127.0.0.1\n"
    << "    port: " << w.syslog_port << "\n    class: server\n"
    << "  - name: syslog-udp\n    type: syslog_udp\n    address: 127.0.0.1\n"
    << "    port: " << w.syslog_port << "\n    class: lan\n"
    << "sinks:\n  - name: soc-file\n    type: file\n    path: " << w.soc.string()
    << "\n"
    // Growth reaches the file within a second or two, not the default minute.
    << "    update_interval: 1s\n";
  return c.str();
}

const json* find_rule(const std::vector<json>& docs, const std::string& rule) {
  for (const auto& d : docs) {
    if (d["rule"]["id"] == rule) return &d;
  }
  return nullptr;
}

}  // namespace

BOOST_AUTO_TEST_CASE(lines_sent_with_logger_become_incidents_in_store_and_soc_file) {
  WardsocInstance w("run", run_config);
  auto proc = w.start();

  for (int i = 0; i < 5; ++i) {
    w.send("Failed password for invalid user admin from 203.0.113.7 port " +
           std::to_string(52110 + i) + " ssh2");
  }
  w.send("Accepted password for root from 198.51.100.20 port 4242 ssh2", "sshd", /*tcp=*/false);

  const bool forwarded = wait_until(
      "the brute-force and root-login alerts in the SOC file",
      [&] {
        auto alerts = w.soc_alerts();
        return find_rule(alerts, "ssh.auth_failure_burst") &&
               find_rule(alerts, "ssh.root_login_accepted");
      },
      20s);
  BOOST_REQUIRE_MESSAGE(forwarded, "SOC file:\n"
                                       << read_file(w.soc) << "\nlog:\n"
                                       << read_file(w.log));

  // The store can be read while the service runs.
  auto incidents = w.incidents();
  const json* brute = find_rule(incidents, "ssh.auth_failure_burst");
  BOOST_REQUIRE(brute);
  BOOST_TEST((*brute)["count"].get<int>() == 5);
  BOOST_TEST((*brute)["fields"]["src_ip"] == "203.0.113.7");
  BOOST_TEST((*brute)["source"]["class"] == "server");
  const json* root = find_rule(incidents, "ssh.root_login_accepted");
  BOOST_REQUIRE(root);
  BOOST_TEST((*root)["source"]["class"] == "lan");  // came over UDP

  proc->signal(SIGTERM);
  BOOST_TEST(proc->wait(20s) == 0);
  BOOST_TEST(read_file(w.log).find("wardsoc stopped") != std::string::npos);

  // After a clean stop the same incidents are there, exactly once each.
  incidents = w.incidents();
  int brute_count = 0;
  for (const auto& i : incidents) brute_count += i["rule"]["id"] == "ssh.auth_failure_burst";
  BOOST_TEST(brute_count == 1);
}

BOOST_AUTO_TEST_CASE(a_threshold_counts_across_batches_and_updates_reach_the_soc) {
  WardsocInstance w("run", run_config);
  auto proc = w.start();
  auto alert_with_count = [&](int count) {
    for (const auto& a : w.soc_alerts()) {
      if (a["rule"]["id"] == "ssh.auth_failure_burst" && a["count"] == count) return true;
    }
    return false;
  };
  for (int i = 0; i < 7; ++i) {
    w.send("Failed password for root from 192.0.2.44 port " + std::to_string(40000 + i) + " ssh2");
    if (i == 4) {
      // The fifth creates the incident; the sixth and seventh come in later batches.
      BOOST_TEST_REQUIRE(wait_until(
          "the brute-force alert with count 5 in the SOC file", [&] { return alert_with_count(5); },
          20s));
    } else {
      std::this_thread::sleep_for(30ms);  // pacing: the first four spread over batches
    }
  }
  const bool updated = wait_until(
      "the brute-force alert with count 7 in the SOC file",
      [&] {
        for (const auto& a : w.soc_alerts()) {
          if (a["rule"]["id"] == "ssh.auth_failure_burst" && a["count"] == 7) return true;
        }
        return false;
      },
      20s);
  BOOST_REQUIRE_MESSAGE(updated, "SOC file:\n" << read_file(w.soc));
  auto alerts = w.soc_alerts();
  BOOST_TEST(alerts.front()["action"] == "created");
  BOOST_TEST(alerts.front()["count"] == 5);
  // Every alert for this rule and key carries the same id: the SOC can deduplicate.
  for (const auto& a : alerts) {
    if (a["rule"]["id"] == "ssh.auth_failure_burst") BOOST_TEST(a["id"] == alerts.front()["id"]);
  }
  proc->signal(SIGINT);
  BOOST_TEST(proc->wait(20s) == 0);
}

BOOST_AUTO_TEST_CASE(a_broken_config_is_refused_with_file_line_and_key) {
  TempDir dir;
  const auto cfg = dir / "bad.yaml";
  write_file(cfg,
             "data_dir: /tmp/x\n"
             "inputs:\n"
             "  - name: syslog-tcp\n"
             "    type: syslog_tcp\n"
             "    port: http\n"
             "    colour: blue\n");
  std::string out, err;
  const int rc = run_command({WARDSOC_BIN, "run", "--config", cfg.string()}, &out, &err);
  BOOST_TEST(rc == 2);
  BOOST_TEST(err.find("bad.yaml:5:11: inputs[0].port: expected an integer 0..65535, got 'http'") !=
                 std::string::npos,
             err);
  BOOST_TEST(err.find("bad.yaml:6:5: inputs[0].colour: unknown key") != std::string::npos, err);
}
