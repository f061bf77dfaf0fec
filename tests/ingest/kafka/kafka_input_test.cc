// The Kafka input against librdkafka's mock cluster (the real protocol on loopback) with
// kcat producing real messages; the test plays the pipeline, acknowledging what it
// "stored", so commit-after-store, rebalances and broker outages are checked end to end.
#include "ingest/kafka/kafka_input.h"

#include <boost/test/unit_test.hpp>
#include <map>
#include <set>
#include <string>

#include "core/batch_queue.h"
#include "ingest/input_factory.h"
#include "tests/ingest/ingest_test_util.h"
#include "tests/support/mock_kafka.h"

using namespace wardsoc;
using namespace wardsoc::testing;
using namespace std::chrono_literals;

namespace {

KafkaInputConfig kafka_config(const MockKafka& kafka, const std::string& group,
                              std::vector<KafkaTopic> topics) {
  KafkaInputConfig c;
  c.common.name = "kafka";
  c.common.index = 6;
  c.common.zone = "UTC";
  c.common.flush_interval = 10ms;
  c.brokers = kafka.bootstrap();
  c.group = group;
  c.topics = std::move(topics);
  c.commit_interval = 100ms;
  c.session_timeout = 3s;
  c.drain_timeout = 3s;
  c.options["topic.metadata.refresh.interval.ms"] = "1000";
  return c;
}

// One consumer and the pipeline it feeds.
struct Consumer {
  BatchQueue queue{64};
  std::unique_ptr<Input> input;
  std::vector<std::string> values;
  std::vector<std::string> peers;
  std::map<std::string, uint64_t> positions;
  bool acknowledge = true;

  explicit Consumer(const KafkaInputConfig& c) {
    auto made = make_input(c, queue);
    if (!made.ok()) BOOST_FAIL(made.error().message);
    input = std::move(*made);
    if (const Status s = input->start(); !s.ok()) BOOST_FAIL(s.error().message);
  }
  ~Consumer() { stop(); }

  void pump(std::chrono::milliseconds timeout) {
    EventBatch b;
    if (!queue.pop(&b, timeout)) return;
    for (const auto& e : b.events()) {
      values.emplace_back(b.raw(e));
      peers.emplace_back(b.view(e.peer));
    }
    for (const auto& p : b.positions()) {
      positions[p.stream] = p.position;
      if (acknowledge) input->acknowledge(p);
    }
  }
  bool wait_values(size_t n, std::chrono::milliseconds timeout = 30s) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (values.size() < n && std::chrono::steady_clock::now() < deadline) pump(10ms);
    return values.size() >= n;
  }
  void settle(std::chrono::milliseconds d) {
    const auto deadline = std::chrono::steady_clock::now() + d;
    while (std::chrono::steady_clock::now() < deadline) pump(10ms);
  }
  // Stops as the pipeline does: the input's last batches are still stored meanwhile.
  void stop() {
    if (!input) return;
    std::atomic<bool> stopped{false};
    std::thread stopper([&] {
      input->stop();
      stopped = true;
    });
    while (!stopped.load()) pump(5ms);
    stopper.join();
    while (queue.size() > 0) pump(1ms);
    input.reset();
  }
};

// Every partition's stored offsets have been committed to the group.
bool all_committed(const Consumer& c) {
  for (const auto& [s, p] : dynamic_cast<KafkaInput&>(*c.input).partitions()) {
    if (p.committed < p.read) return false;
  }
  return true;
}

std::vector<std::pair<std::string, std::string>> messages(const std::string& prefix, int from,
                                                          int to, int hosts = 8) {
  std::vector<std::pair<std::string, std::string>> out;
  for (int i = from; i < to; ++i) {
    out.emplace_back("cam-" + std::to_string(i % hosts), prefix + " " + std::to_string(i));
  }
  return out;
}

}  // namespace

BOOST_AUTO_TEST_CASE(messages_arrive_with_their_key_as_sender_and_their_topic_class) {
  MockKafka kafka(1, {{"cameras", 2}, {"lan", 1}});
  kafka.produce("cameras", messages("cam", 0, 20));
  kafka.produce("lan", {{"10.10.0.1", "<13>May  1 10:00:00 gw kernel: link up"}});
  Consumer c(
      kafka_config(kafka, "g1", {{"cameras", AssetClass::kCamera}, {"lan", AssetClass::kLan}}));
  BOOST_TEST(c.input->can_acknowledge());
  BOOST_TEST_REQUIRE(c.wait_values(21));
  BOOST_TEST(std::count(c.values.begin(), c.values.end(), "cam 19") == 1);
  BOOST_TEST(std::count(c.peers.begin(), c.peers.end(), "10.10.0.1") == 1);
  BOOST_TEST(std::count(c.peers.begin(), c.peers.end(), "cam-3") >= 1);
  // Positions name topic/partition and the next offset to read.
  BOOST_TEST(c.positions.count("lan/0") == 1u);
  BOOST_TEST(c.positions["lan/0"] == 1u);
  BOOST_TEST(c.positions["cameras/0"] + c.positions["cameras/1"] == 20u);
  c.stop();
}

BOOST_AUTO_TEST_CASE(offsets_are_committed_only_once_acknowledged) {
  MockKafka kafka(1, {{"logs", 1}});
  kafka.produce("logs", messages("m", 0, 50));
  {
    KafkaInputConfig cfg = kafka_config(kafka, "g2", {{"logs", {}}});
    cfg.drain_timeout = 100ms;  // nothing will be stored: do not wait for it at stop
    Consumer c(cfg);
    c.acknowledge = false;  // read, but never stored
    BOOST_TEST_REQUIRE(c.wait_values(50));
    c.settle(300ms);  // several commit intervals
    c.stop();
  }
  {
    Consumer c(kafka_config(kafka, "g2", {{"logs", {}}}));
    BOOST_TEST_REQUIRE(c.wait_values(50));  // all of them again: nothing was committed
    c.settle(300ms);
    c.stop();
  }
  kafka.produce("logs", messages("m", 50, 55));
  Consumer c(kafka_config(kafka, "g2", {{"logs", {}}}));
  BOOST_TEST_REQUIRE(c.wait_values(5));
  c.settle(500ms);
  BOOST_TEST(c.values.size() == 5u);  // only the new ones: the rest was committed
  BOOST_TEST(c.values.front() == "m 50");
}

BOOST_AUTO_TEST_CASE(a_broker_outage_is_ridden_out_and_nothing_is_lost_or_repeated) {
  MockKafka kafka(1, {{"logs", 2}});
  kafka.produce("logs", messages("before", 0, 100));
  KafkaInputConfig cfg = kafka_config(kafka, "g3", {{"logs", {}}});
  // Longer than the outage and the reconnect after it, so the member keeps its place
  // in the group (a member evicted meanwhile rejoins; its stored offsets still hold).
  cfg.session_timeout = 10s;
  Consumer c(cfg);
  BOOST_TEST_REQUIRE(c.wait_values(100));
  kafka.command("down 1");
  c.settle(2500ms);  // the consumer sees the broker gone (and keeps trying)
  kafka.command("up 1");
  kafka.produce("logs", messages("after", 0, 100));
  BOOST_TEST_REQUIRE(c.wait_values(200));
  c.settle(500ms);
  std::set<std::string> unique(c.values.begin(), c.values.end());
  BOOST_TEST(unique.size() == 200u);
  BOOST_TEST(c.values.size() == 200u);
  BOOST_TEST(c.input->stats().errors > 0u);  // the outage was noticed and counted
  // Commits resume once the coordinator is back: everything stored gets committed.
  const auto commit_deadline = std::chrono::steady_clock::now() + 30s;
  while (!all_committed(c) && std::chrono::steady_clock::now() < commit_deadline) c.pump(5ms);
  BOOST_TEST_REQUIRE(all_committed(c));
  c.stop();

  // Commits went through after the outage: a new member of the group reads nothing old.
  kafka.produce("logs", {{"k", "last"}});
  Consumer next(cfg);
  BOOST_TEST_REQUIRE(next.wait_values(1));
  next.settle(500ms);
  BOOST_TEST(next.values == (std::vector<std::string>{"last"}), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(a_second_member_shares_the_partitions_and_nothing_is_lost_or_repeated) {
  MockKafka kafka(1, {{"logs", 4}});
  kafka.produce("logs", messages("one", 0, 400, 40));
  Consumer a(kafka_config(kafka, "g4", {{"logs", {}}}));
  BOOST_TEST_REQUIRE(a.wait_values(400));
  // Stored and committed before the second member comes (the mock cluster refuses
  // commits while a group is joining, where a real broker accepts them from the
  // current generation; the commit in the revoke callback is for real brokers).
  const auto commit_deadline = std::chrono::steady_clock::now() + 10s;
  while (!all_committed(a) && std::chrono::steady_clock::now() < commit_deadline) a.pump(5ms);
  BOOST_TEST_REQUIRE(all_committed(a));

  Consumer b(kafka_config(kafka, "g4", {{"logs", {}}}));
  // Both must keep polling (and storing) while the group rebalances.
  const auto deadline = std::chrono::steady_clock::now() + 30s;
  auto assigned = [](const Consumer& c) {
    size_t n = 0;
    for (const auto& [s, p] : dynamic_cast<KafkaInput&>(*c.input).partitions()) n += p.assigned;
    return n;
  };
  while (std::chrono::steady_clock::now() < deadline &&
         (assigned(a) == 0 || assigned(b) == 0 || assigned(a) + assigned(b) != 4)) {
    a.pump(5ms);
    b.pump(5ms);
  }
  BOOST_TEST_REQUIRE(assigned(a) + assigned(b) == 4u);
  BOOST_TEST(assigned(b) > 0u);

  kafka.produce("logs", messages("two", 0, 400, 40));
  const auto until = std::chrono::steady_clock::now() + 30s;
  while (a.values.size() + b.values.size() < 800 && std::chrono::steady_clock::now() < until) {
    a.pump(5ms);
    b.pump(5ms);
  }
  for (int i = 0; i < 50; ++i) {
    a.pump(5ms);
    b.pump(5ms);
  }
  std::multiset<std::string> all(a.values.begin(), a.values.end());
  all.insert(b.values.begin(), b.values.end());
  BOOST_TEST(all.size() == 800u);  // every message once: the handover repeated nothing
  BOOST_TEST(std::set<std::string>(all.begin(), all.end()).size() == 800u);
  BOOST_TEST(b.values.size() > 0u);
  b.stop();
  a.stop();
}

BOOST_AUTO_TEST_CASE(the_own_checkpoint_is_used_when_ahead_of_the_group_commit) {
  MockKafka kafka(1, {{"logs", 1}});
  kafka.produce("logs", messages("m", 0, 30));
  KafkaInputConfig cfg = kafka_config(kafka, "g5", {{"logs", {}}});
  cfg.start_offsets["logs/0"] = 25;  // stored here, then a crash before the commit
  Consumer c(cfg);
  BOOST_TEST_REQUIRE(c.wait_values(5));
  c.settle(300ms);
  BOOST_TEST(c.values.size() == 5u);
  BOOST_TEST(c.values.front() == "m 25");
}

BOOST_AUTO_TEST_CASE(a_bad_librdkafka_option_is_an_error_naming_it) {
  MockKafka kafka(1, {{"logs", 1}});
  KafkaInputConfig cfg = kafka_config(kafka, "g6", {{"logs", {}}});
  cfg.options["no.such.property"] = "1";
  BatchQueue queue(4);
  auto made = make_input(cfg, queue);
  BOOST_TEST_REQUIRE(made.ok());
  const Status s = (*made)->start();
  BOOST_TEST_REQUIRE(!s.ok());
  BOOST_TEST(s.error().message.find("options.no.such.property") != std::string::npos,
             s.error().message);
}
