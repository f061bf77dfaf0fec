// The Kafka sink against librdkafka's mock cluster in its own process, read back with
// kcat as the city SOC would: a real store, a real forwarder, a broker outage in the
// middle of a stream of incidents and their updates.
#include <boost/test/unit_test.hpp>
#include <map>
#include <nlohmann/json.hpp>
#include <set>

#include "connectors/forwarder.h"
#include "connectors/kafka/kafka_sink.h"
#include "store/outbox_queue.h"
#include "tests/e2e/soc_sink_fixtures.h"
#include "tests/store/store_test_util.h"
#include "tests/support/mock_kafka.h"
#include "tests/support/wait.h"

using namespace wardsoc;
using namespace wardsoc::testing;
using namespace std::chrono_literals;
using nlohmann::json;

namespace {

// Incident `i`, its count as of `count` (an update carries the same id and a higher count).
IncidentChange change(int i, uint64_t count) {
  Incident in = make_incident("ssh.bruteforce", "203.0.113." + std::to_string(i), 2'000'000 + i,
                              Severity::kHigh);
  in.count = count;
  return make_change(in,
                     count == 1 ? IncidentChange::Kind::kCreated : IncidentChange::Kind::kUpdated);
}

}  // namespace

// Beyond the shared scenarios (soc_delivery_test.cc): the records are keyed by incident,
// and each incident's updates stay on one partition, in order, across an outage.
BOOST_AUTO_TEST_CASE(every_alert_reaches_the_topic_keyed_by_incident_across_a_broker_outage) {
  TempDir dir("soc-kafka");
  MockKafka cluster(1, {{"ward-alerts", 3}});
  auto store = open_store(dir.str("db"));
  auto sink = KafkaSink::Open(kafka_sink_config(cluster.bootstrap(), "ward-alerts"));
  BOOST_REQUIRE_MESSAGE(sink.ok(), (sink.ok() ? "" : sink.error().message));
  // Every queued update is delivered (update_interval 0: no collapsing), so that each
  // committed count can be looked for on the topic.
  ForwarderOptions options = ForwarderOptions::From(kafka_sink_config("", "").common);
  options.update_interval = std::chrono::milliseconds(0);
  Forwarder forwarder(store->outbox(), std::move(sink).value(), options);

  // What the SOC must end up with: every (incident, count) committed.
  std::map<std::string, std::set<uint64_t>> committed;
  auto commit = [&](int first, int n, uint64_t count) {
    std::vector<IncidentChange> changes;
    for (int i = first; i < first + n; ++i) {
      changes.push_back(change(i, count));
      committed[changes.back().incident.id].insert(count);
    }
    BOOST_TEST_REQUIRE(commit_changes(*store, changes, {"city-kafka"}).ok());
  };

  forwarder.start();
  commit(0, 100, 1);
  BOOST_TEST_REQUIRE(wait_until(
      "forwarder.stats().delivered >= 100", [&] { return forwarder.stats().delivered >= 100; },
      30s));

  // The broker goes away in the middle of the stream; alerts keep coming.
  cluster.command("down 1");
  commit(100, 100, 1);
  commit(0, 50, 2);  // updates of incidents the SOC already has
  BOOST_TEST_REQUIRE(wait_until(
      "forwarder.stats().failing", [&] { return forwarder.stats().failing; }, 30s));
  BOOST_TEST(store->outbox().size("city-kafka") > 0u);
  commit(200, 50, 1);
  cluster.command("up 1");

  commit(0, 20, 3);
  BOOST_TEST_REQUIRE(forwarder.drain(60s).ok());
  forwarder.stop();
  const auto st = forwarder.stats();
  BOOST_TEST(st.outages >= 1u);
  BOOST_TEST(st.rejected == 0u);
  BOOST_TEST(store->outbox().size("city-kafka") == 0u);

  // Read back with kcat: every alert is there (at least once), keyed by its incident id,
  // and each incident's updates arrive in order (one key, one partition).
  const auto records = cluster.read_topic("ward-alerts");
  std::map<std::string, std::set<uint64_t>> received;
  std::map<std::string, uint64_t> last_count;
  std::map<std::string, int> partition_of;
  for (const auto& r : records) {
    const json doc = json::parse(r.value);
    BOOST_TEST_REQUIRE(doc["event"]["id"] == r.key);  // ECS, the Kafka sink's default format
    const uint64_t count = doc["wardsoc"]["incident"]["count"];
    received[r.key].insert(count);
    BOOST_TEST(count >= last_count[r.key],
               "incident " << r.key << " went back from " << last_count[r.key] << " to " << count);
    last_count[r.key] = count;
    if (auto p = partition_of.find(r.key); p != partition_of.end()) {
      BOOST_TEST(p->second == r.partition);
    }
    partition_of[r.key] = r.partition;
  }
  BOOST_TEST(received.size() == committed.size());
  for (const auto& [id, counts] : committed) {
    BOOST_TEST((received[id] == counts), "incident " << id << " is missing updates");
  }
  std::set<int> partitions;
  for (const auto& [id, p] : partition_of) partitions.insert(p);
  BOOST_TEST(partitions.size() == 3u);  // keys spread over the topic's partitions
}

BOOST_AUTO_TEST_CASE(records_carry_the_alert_headers_and_the_configured_format) {
  TempDir dir("soc-kafka");
  MockKafka cluster(1, {{"ward-cef", 1}});
  auto store = open_store(dir.str("db"));
  KafkaSinkConfig c = kafka_sink_config(cluster.bootstrap(), "ward-cef");
  c.common.format = AlertFormat::kCef;
  auto sink = KafkaSink::Open(c);
  BOOST_REQUIRE(sink.ok());
  Forwarder forwarder(store->outbox(), std::move(sink).value(), ForwarderOptions::From(c.common));
  BOOST_TEST_REQUIRE(commit_changes(*store, {change(1, 1), change(1, 2)}, {"city-kafka"}).ok());
  BOOST_TEST_REQUIRE(forwarder.drain(30s).ok());

  std::string out, err;
  const int rc = run_command({"kcat", "-b", cluster.bootstrap(), "-C", "-t", "ward-cef", "-o",
                              "beginning", "-e", "-q", "-f", "%k|%h|%s\n"},
                             &out, &err, 30s);
  BOOST_TEST_REQUIRE(rc == 0, err);
  std::istringstream in(out);
  std::vector<std::string> lines;
  for (std::string l; std::getline(in, l);) lines.push_back(l);
  BOOST_TEST_REQUIRE(lines.size() == 2u);
  const std::string id = change(1, 1).incident.id;
  BOOST_TEST(lines[0].rfind(id + "|", 0) == 0u);
  BOOST_TEST(lines[0].find("wardsoc-action=created") != std::string::npos, lines[0]);
  BOOST_TEST(lines[1].find("wardsoc-action=updated") != std::string::npos, lines[1]);
  BOOST_TEST(lines[0].find("wardsoc-format=cef") != std::string::npos);
  BOOST_TEST(lines[0].find("|CEF:0|wardsoc|wardsoc|") != std::string::npos, lines[0]);
  BOOST_TEST(lines[1].find("externalId=" + id) != std::string::npos);
}
