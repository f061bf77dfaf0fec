// `wardsoc run` consuming from Kafka as users run it: librdkafka's mock cluster in its
// own process, kcat producing real sshd lines keyed by host, incidents read back from
// the stores. A broker goes down and comes back; two instances share a consumer group
// and one is killed with SIGKILL mid-stream — every message still becomes its incident.
#include <signal.h>

#include <boost/test/unit_test.hpp>
#include <ctime>
#include <functional>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "tests/support/mock_kafka.h"
#include "tests/support/subprocess.h"
#include "tests/support/wait.h"
#include "tests/support/wardsoc_instance.h"

using namespace wardsoc::testing;
using namespace std::chrono_literals;
using nlohmann::json;

namespace {

// A Kafka input in consumer group `group` on topic "logs", the shipped rules, a file sink.
std::function<std::string(const WardsocInstance&)> kafka_config(const std::string& brokers,
                                                                const std::string& group) {
  return [=](const WardsocInstance& w) {
    std::ostringstream c;
    c << "log_level: info\n"
      << "rules: [" << WARDSOC_SOURCE_DIR << "/rules]\n"
      << "pipeline:\n  workers: 1\n"
      << "inputs:\n"
      << "  - name: kafka-logs\n    type: kafka\n    brokers: " << brokers << "\n"
      << "    group: " << group << "\n"
      << "    topics:\n      - {name: logs, class: server}\n"
      << "    session_timeout: 3s\n    commit_interval: 200ms\n    drain_timeout: 2s\n"
      << "    options: {topic.metadata.refresh.interval.ms: '1000'}\n"
      << "sinks:\n  - name: soc-file\n    type: file\n    path: " << w.soc.string() << "\n";
    return c.str();
  };
}

bool assigned(const WardsocInstance& w) { return w.log_contains("assigned logs/"); }

// src_ip of every root-login incident in this instance's store.
std::set<std::string> root_logins(const WardsocInstance& w) {
  std::set<std::string> ips;
  const auto incidents = w.try_incidents({"--rule", "ssh.root_login_accepted", "--limit", "10000"});
  if (!incidents) return ips;
  for (const auto& j : *incidents) ips.insert(j["fields"]["src_ip"].get<std::string>());
  return ips;
}

// "2026-11-25T10:00:00+07:00": now, as a syslog timestamp in Hanoi time.
std::string now_rfc3339() {
  const std::time_t t = std::time(nullptr) + 7 * 3600;
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[40];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S+07:00", &tm);
  return buf;
}

// One root login per message, each from its own address (so each is its own incident),
// keyed by the host that logged it.
std::vector<std::pair<std::string, std::string>> root_logins(int from, int to) {
  std::vector<std::pair<std::string, std::string>> out;
  for (int i = from; i < to; ++i) {
    const std::string host = "srv-" + std::to_string(i % 16);
    const std::string ip = "10.99." + std::to_string(i / 250) + "." + std::to_string(i % 250);
    out.emplace_back(host, "<86>" + now_rfc3339() + " " + host + " sshd[" +
                               std::to_string(1000 + i) + "]: Accepted password for root from " +
                               ip + " port 4" + std::to_string(1000 + i % 1000) + " ssh2");
  }
  return out;
}

size_t union_size(const std::set<std::string>& a, const std::set<std::string>& b) {
  std::set<std::string> u = a;
  u.insert(b.begin(), b.end());
  return u.size();
}

}  // namespace

BOOST_AUTO_TEST_CASE(a_broker_down_and_back_loses_no_message) {
  MockKafka kafka(1, {{"logs", 2}});
  WardsocInstance w("kafka-input", kafka_config(kafka.bootstrap(), "ward"));
  auto process = w.start();
  BOOST_TEST_REQUIRE(wait_until(
      "assigned(w)", [&] { return assigned(w); }, 30s));

  kafka.produce("logs", root_logins(0, 50));
  BOOST_TEST_REQUIRE(wait_until(
      "root_logins(w).size() == 50", [&] { return root_logins(w).size() == 50; }, 30s));

  const size_t before_outage = read_file(w.log).size();
  kafka.command("down 1");
  BOOST_TEST_REQUIRE(wait_until(
      "wardsoc to log a warning of the Kafka input after the broker went down",
      [&] {
        return read_file(w.log).find("warning input 'kafka-logs': ", before_outage) !=
               std::string::npos;
      },
      30s));  // it noticed, and keeps trying
  kafka.command("up 1");
  kafka.produce("logs", root_logins(50, 100));
  const bool all = wait_until(
      "root_logins(w).size() == 100", [&] { return root_logins(w).size() == 100; }, 40s);
  BOOST_TEST_REQUIRE(all, "log:\n" << read_file(w.log));
  BOOST_TEST(read_file(w.log).find("Kafka") != std::string::npos);  // the outage was logged

  process->signal(SIGTERM);
  BOOST_TEST(process->wait(30s) == 0);
}

BOOST_AUTO_TEST_CASE(two_instances_in_a_group_survive_one_killed_mid_stream) {
  MockKafka kafka(1, {{"logs", 4}});
  WardsocInstance a("kafka-a", kafka_config(kafka.bootstrap(), "ward-group"));
  WardsocInstance b("kafka-b", kafka_config(kafka.bootstrap(), "ward-group"));
  auto process_a = a.start();
  BOOST_TEST_REQUIRE(wait_until(
      "assigned(a)", [&] { return assigned(a); }, 30s));
  auto process_b = b.start();
  BOOST_TEST_REQUIRE(wait_until(
      "assigned(b)", [&] { return assigned(b); }, 30s));

  kafka.produce("logs", root_logins(0, 200));
  BOOST_TEST_REQUIRE(wait_until(
      "union_size(root_logins(a), root_logins(b)) == 200",
      [&] { return union_size(root_logins(a), root_logins(b)) == 200; }, 30s));
  BOOST_TEST(!root_logins(a).empty());
  BOOST_TEST(!root_logins(b).empty());  // the group spread the partitions

  // More arrives, and one instance dies in the middle of it.
  kafka.produce("logs", root_logins(200, 400));
  process_a->signal(SIGKILL);
  BOOST_TEST(process_a->wait(10s) == 128 + SIGKILL);
  kafka.produce("logs", root_logins(400, 600));

  // The survivor takes the dead one's partitions (after its session times out) and
  // reads from their committed offsets: what `a` stored before it died is in its store,
  // the rest is processed by `b`.
  const bool all = wait_until(
      "union_size(root_logins(a), root_logins(b)) == 600",
      [&] { return union_size(root_logins(a), root_logins(b)) == 600; }, 60s);
  BOOST_TEST_REQUIRE(all, "a: " << root_logins(a).size() << ", b: " << root_logins(b).size()
                                << "\nlog b:\n"
                                << read_file(b.log));
  process_b->signal(SIGTERM);
  BOOST_TEST(process_b->wait(30s) == 0);
}
