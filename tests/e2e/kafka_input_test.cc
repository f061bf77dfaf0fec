// `wardsoc run` consuming from Kafka as users run it: librdkafka's mock cluster in its
// own process, kcat producing real sshd lines keyed by host, incidents read back from
// the stores. A broker goes down and comes back; two instances share a consumer group
// and one is killed with SIGKILL mid-stream — every message still becomes its incident.
#include <signal.h>

#include <boost/test/unit_test.hpp>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "tests/e2e/kafka_test_util.h"
#include "tests/support/subprocess.h"

using namespace wardsoc::testing;
using namespace wardsoc::test;
using namespace std::chrono_literals;
using nlohmann::json;

namespace {

struct Instance {
  TempDir dir;
  std::filesystem::path config = dir / "wardsoc.yaml";
  std::filesystem::path data = dir / "var";
  std::filesystem::path log = dir / "wardsoc.log";
  std::unique_ptr<Subprocess> process;

  Instance(const std::string& brokers, const std::string& group) {
    std::ostringstream c;
    c << "data_dir: " << data.string() << "\n"
      << "log_level: info\n"
      << "rules: [" << WARDSOC_SOURCE_DIR << "/rules]\n"
      << "pipeline:\n  workers: 1\n"
      << "inputs:\n"
      << "  - name: kafka-logs\n    type: kafka\n    brokers: " << brokers << "\n"
      << "    group: " << group << "\n"
      << "    topics:\n      - {name: logs, class: server}\n"
      << "    session_timeout: 3s\n    commit_interval: 200ms\n    drain_timeout: 2s\n"
      << "    options: {topic.metadata.refresh.interval.ms: '1000'}\n"
      << "sinks:\n  - name: soc-file\n    type: file\n    path: " << (dir / "soc.jsonl").string()
      << "\n";
    write_file(config, c.str());
  }

  void start() {
    process = std::make_unique<Subprocess>(
        std::vector<std::string>{WARDSOC_BIN, "run", "--config", config.string()}, dir / "stdout",
        log);
    const bool up = eventually(
        [&] { return read_file(log).find("wardsoc running") != std::string::npos; }, 30s);
    BOOST_REQUIRE_MESSAGE(up, "wardsoc did not start:\n" << read_file(log));
  }

  bool assigned() const { return read_file(log).find("assigned logs/") != std::string::npos; }

  // src_ip of every root-login incident in this instance's store.
  std::set<std::string> root_logins() const {
    std::string out, err;
    const int rc = run_command({WARDSOC_BIN, "incidents", "list", "--data-dir", data.string(),
                                "--rule", "ssh.root_login_accepted", "--limit", "10000", "--json"},
                               &out, &err);
    std::set<std::string> ips;
    if (rc != 0) return ips;
    std::istringstream in(out);
    for (std::string line; std::getline(in, line);) {
      if (line.empty()) continue;
      const json j = json::parse(line, nullptr, false);
      if (j.is_discarded()) continue;
      ips.insert(j["fields"]["src_ip"].get<std::string>());
    }
    return ips;
  }
};

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
  Instance w(kafka.bootstrap(), "ward");
  w.start();
  BOOST_TEST_REQUIRE(eventually([&] { return w.assigned(); }, 30s));

  kafka.produce("logs", root_logins(0, 50));
  BOOST_TEST_REQUIRE(eventually([&] { return w.root_logins().size() == 50; }, 30s));

  kafka.command("down 1");
  std::this_thread::sleep_for(2s);  // wardsoc notices, logs and keeps trying
  kafka.command("up 1");
  kafka.produce("logs", root_logins(50, 100));
  const bool all = eventually([&] { return w.root_logins().size() == 100; }, 40s);
  BOOST_TEST_REQUIRE(all, "log:\n" << read_file(w.log));
  BOOST_TEST(read_file(w.log).find("Kafka") != std::string::npos);  // the outage was logged

  w.process->signal(SIGTERM);
  BOOST_TEST(w.process->wait(30s) == 0);
}

BOOST_AUTO_TEST_CASE(two_instances_in_a_group_survive_one_killed_mid_stream) {
  MockKafka kafka(1, {{"logs", 4}});
  Instance a(kafka.bootstrap(), "ward-group");
  Instance b(kafka.bootstrap(), "ward-group");
  a.start();
  BOOST_TEST_REQUIRE(eventually([&] { return a.assigned(); }, 30s));
  b.start();
  BOOST_TEST_REQUIRE(eventually([&] { return b.assigned(); }, 30s));

  kafka.produce("logs", root_logins(0, 200));
  BOOST_TEST_REQUIRE(
      eventually([&] { return union_size(a.root_logins(), b.root_logins()) == 200; }, 30s));
  BOOST_TEST(!a.root_logins().empty());
  BOOST_TEST(!b.root_logins().empty());  // the group spread the partitions

  // More arrives, and one instance dies in the middle of it.
  kafka.produce("logs", root_logins(200, 400));
  a.process->signal(SIGKILL);
  BOOST_TEST(a.process->wait(10s) == 128 + SIGKILL);
  kafka.produce("logs", root_logins(400, 600));

  // The survivor takes the dead one's partitions (after its session times out) and
  // reads from their committed offsets: what `a` stored before it died is in its store,
  // the rest is processed by `b`.
  const bool all =
      eventually([&] { return union_size(a.root_logins(), b.root_logins()) == 600; }, 60s);
  BOOST_TEST_REQUIRE(all, "a: " << a.root_logins().size() << ", b: " << b.root_logins().size()
                                << "\nlog b:\n"
                                << read_file(b.log));
  b.process->signal(SIGTERM);
  BOOST_TEST(b.process->wait(30s) == 0);
}
