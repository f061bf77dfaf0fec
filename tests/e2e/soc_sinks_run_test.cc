// `wardsoc run` as the ward's IT staff would set it up for the city SOC: lines sent with
// `logger` become incidents that reach a Kafka topic (read with kcat), syslog-ng over
// TLS (CEF) and an HTTPS webhook, each with its own filter; the SOC's syslog receiver
// goes down for a while; `wardsoc sinks status` and `wardsoc sinks dead-letters` tell
// what happened, from the store, while wardsoc runs.
#include <signal.h>

#include <boost/test/unit_test.hpp>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "tests/e2e/soc_receivers.h"
#include "tests/support/mock_kafka.h"
#include "tests/support/wait.h"
#include "tests/support/wardsoc_instance.h"

using namespace wardsoc::testing;
using namespace std::chrono_literals;
using nlohmann::json;

namespace {

std::vector<json> json_lines(const std::string& text) { return WardsocInstance::json_lines(text); }

}  // namespace

BOOST_AUTO_TEST_CASE(
    incidents_reach_kafka_syslog_and_webhook_and_the_cli_tells_how_each_sink_is_doing) {
  TempDir dir("soc-run");
  TestCertificates certs;
  MockKafka kafka(1, {{"ward-alerts", 2}});
  SyslogNgReceiver syslog(dir.path(), certs);
  // The webhook refuses the root-login alerts for good (a field the SOC cannot take).
  HttpsReceiver hook(dir.path(), certs,
                     {"--hmac-secret", "k3y", "--reject", "ssh.root_login_accepted"});
  WardsocInstance w("soc-run", [&](const WardsocInstance& self) {
    std::ostringstream c;
    c << "rules: [" << WARDSOC_SOURCE_DIR << "/rules]\n"
      << "pipeline: {workers: 2}\n"
      << "inputs:\n"
      << "  - {name: syslog-tcp, type: syslog_tcp, address: 127.0.0.1, port: " << self.syslog_port
      << ", class: server}\n"
      << "sinks:\n"
      << "  - name: city-kafka\n    type: kafka\n    brokers: " << kafka.bootstrap() << "\n"
      << "    topic: ward-alerts\n    message_timeout: 3s\n"
      << "    filter: {tags: [attack.t1110]}\n"  // brute force only
      << "  - name: city-syslog\n    type: syslog\n    host: 127.0.0.1\n    port: " << syslog.port()
      << "\n    tls: {ca_file: " << certs.ca << "}\n"
      << "    retry: {initial_backoff: 50ms, max_backoff: 500ms}\n"
      << "  - name: city-hook\n    type: webhook\n    url: " << hook.url() << "\n"
      << "    tls: {ca_file: " << certs.ca << "}\n    hmac_secret: k3y\n    format: ocsf\n";
    return c.str();
  });
  const auto& config = w.config;
  const auto& log = w.log;
  auto wardsoc = w.start();
  auto send = [&](const std::string& msg) { w.send(msg); };
  for (int i = 0; i < 5; ++i) {
    send("Failed password for invalid user admin from 203.0.113.7 port " +
         std::to_string(52110 + i) + " ssh2");
  }
  send("Accepted password for root from 198.51.100.20 port 4242 ssh2");

  auto sinks_cli = [&](std::vector<std::string> args) {
    std::vector<std::string> argv = {WARDSOC_BIN, "sinks"};
    argv.insert(argv.end(), args.begin(), args.end());
    argv.insert(argv.end(), {"--config", config.string()});
    std::string out, err;
    const int rc = run_command(argv, &out, &err);
    BOOST_REQUIRE_MESSAGE(rc == 0, "wardsoc sinks failed: " << err);
    return out;
  };

  // Syslog-ng gets both alerts as CEF; the webhook one (the other is dead-lettered).
  BOOST_REQUIRE_MESSAGE(
      wait_until(
          "syslog.lines().size() >= 2", [&] { return syslog.lines().size() >= 2; }, 30s),
      read_file(log));
  for (const auto& line : syslog.lines()) BOOST_TEST(line.rfind("CEF:0|wardsoc|wardsoc|", 0) == 0u);
  BOOST_REQUIRE(wait_until(
      "hook.requests().size() >= 2", [&] { return hook.requests().size() >= 2; }, 30s));
  std::set<std::string> hook_rules;
  for (const auto& r : hook.requests()) {
    BOOST_TEST(r["signature_ok"] == true);
    const json finding = json::parse(r["body"].get<std::string>());
    BOOST_TEST(finding["class_uid"] == 2004);
    if (r["status"] == 200) hook_rules.insert(finding["finding_info"]["analytic"]["uid"]);
  }
  BOOST_TEST(hook_rules == std::set<std::string>{"ssh.auth_failure_burst"});

  // The webhook's refusal is in the dead letters with its reason, readable while running.
  BOOST_REQUIRE(wait_until(
      "sinks_cli({\"dead-letters\", \"city-hook\"}).find(\"HTTP 422\") != std::string::npos",
      [&] {
        return sinks_cli({"dead-letters", "city-hook"}).find("HTTP 422") != std::string::npos;
      },
      20s));
  const std::string dead = sinks_cli({"dead-letters", "city-hook"});
  BOOST_TEST(dead.find("ssh.root_login_accepted") != std::string::npos, dead);
  BOOST_TEST(dead.find("HTTP 422: invalid alert: ssh.root_login_accepted") != std::string::npos);
  {
    // A sink name nobody knows is a mistake, not an empty list.
    std::string out, err;
    const int rc =
        run_command({WARDSOC_BIN, "sinks", "dead-letters", "city-hok", "--config", config.string()},
                    &out, &err);
    BOOST_TEST(rc == 2);
    BOOST_TEST(err.find("no sink named 'city-hok' (known: ") != std::string::npos, err);
    BOOST_TEST(err.find("city-hook") != std::string::npos, err);
  }

  // Kafka took only what its filter lets through.
  BOOST_REQUIRE(wait_until(
      "!kafka.read_topic(\"ward-alerts\").empty()",
      [&] { return !kafka.read_topic("ward-alerts").empty(); }, 30s));
  const auto records = kafka.read_topic("ward-alerts");
  BOOST_TEST_REQUIRE(records.size() == 1u);
  BOOST_TEST(json::parse(records[0].value)["rule"]["id"] == "ssh.auth_failure_burst");

  // The SOC's syslog receiver goes away; the next alerts wait and the CLI says why.
  syslog.stop();
  for (int i = 0; i < 5; ++i) {
    send("Failed password for root from 192.0.2.44 port " + std::to_string(40000 + i) + " ssh2");
  }
  BOOST_REQUIRE_MESSAGE(wait_until(
                            "sink city-syslog failing with alerts queued",
                            [&] {
                              for (const auto& s : json_lines(sinks_cli({"status", "--json"}))) {
                                if (s["sink"] == "city-syslog" &&
                                    s["health"]["state"] == "failing" &&
                                    s["queued"].get<int>() > 0) {
                                  return true;
                                }
                              }
                              return false;
                            },
                            30s),
                        sinks_cli({"status", "--json"}));
  const std::string status = sinks_cli({"status"});
  BOOST_TEST(status.find("FAILING since") != std::string::npos, status);
  BOOST_TEST(status.find("Connection refused") != std::string::npos, status);

  syslog.start();
  BOOST_REQUIRE_MESSAGE(
      wait_until(
          "syslog.lines().size() >= 3", [&] { return syslog.lines().size() >= 3; }, 30s),
      read_file(log));
  BOOST_REQUIRE(wait_until(
      "sink city-syslog delivering with nothing queued",
      [&] {
        for (const auto& s : json_lines(sinks_cli({"status", "--json"}))) {
          if (s["sink"] == "city-syslog") {
            return s["health"]["state"] == "delivering" && s["queued"] == 0;
          }
        }
        return false;
      },
      30s));

  wardsoc->signal(SIGTERM);
  BOOST_TEST(wardsoc->wait(30s) == 0);
  const std::string text = read_file(log);
  BOOST_TEST(text.find("forwarder city-syslog: sink unavailable") != std::string::npos);
  BOOST_TEST(text.find("forwarder city-syslog: delivering again") != std::string::npos);
  // Stopped: each sink's last record has its final counts.
  for (const auto& s : json_lines(sinks_cli({"status", "--json"}))) {
    BOOST_TEST(s["health"]["state"] == "stopped");
    BOOST_TEST(s["queued"] == 0);
    if (s["sink"] == "city-hook") BOOST_TEST(s["dead_letters"] == 1);
    if (s["sink"] == "city-kafka") BOOST_TEST(s["health"]["filtered"].get<int>() == 1);
  }
}
