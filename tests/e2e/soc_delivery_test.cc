// The delivery scenarios every sink to the city SOC must pass, run against each sink
// of tests/e2e/soc_sink_fixtures.h with its real receiver: a link broken and restored in
// the middle of a stream loses no alert, and a receiver that is down keeps the alerts in
// the outbox until it is back. What is particular to one sink (formats, headers, TLS
// trust, signatures) is in that sink's own soc_*_test.cc.
#include <boost/test/data/monomorphic.hpp>
#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>
#include <set>
#include <string>

#include "store/outbox_queue.h"
#include "tests/e2e/soc_sink_fixtures.h"
#include "tests/store/store_test_util.h"
#include "tests/support/wait.h"

using namespace wardsoc;
using namespace wardsoc::testing;
using namespace std::chrono_literals;
namespace data = boost::unit_test::data;

namespace {

// Incidents first..first+n-1, each its own id.
std::vector<IncidentChange> changes(int first, int n) {
  std::vector<IncidentChange> out;
  for (int i = first; i < first + n; ++i) {
    Incident in =
        make_incident("cam.tamper", "cam-" + std::to_string(i), 3'000'000 + i, Severity::kCritical);
    in.title = "Camera tampering | mất hình";
    in.site = "Nhà văn hóa tổ " + std::to_string(i % 7);
    out.push_back(make_change(in));
  }
  return out;
}

}  // namespace

// A store, a forwarder for the fixture's sink, and what was committed to it. (Not in the
// anonymous namespace: the data test cases' template bodies capture it.)
struct Delivery {
  TempDir dir{"soc-delivery"};
  std::unique_ptr<SinkFixture> sink;
  std::unique_ptr<Store> store;
  std::unique_ptr<Forwarder> forwarder;
  std::set<std::string> committed;
  int next = 0;

  explicit Delivery(const std::string& name) {
    BOOST_TEST_MESSAGE("sink: " << name);
    sink = make_sink_fixture(name, dir.path());
    store = open_store(dir.str("db"));
    forwarder =
        std::make_unique<Forwarder>(store->outbox(), sink->open_sink(), sink->forwarder_options());
  }
  ~Delivery() { forwarder.reset(); }

  void commit(int n) {
    auto batch = changes(next, n);
    next += n;
    for (const auto& ch : batch) committed.insert(ch.incident.id);
    BOOST_TEST_REQUIRE(commit_changes(*store, batch, {sink->name()}).ok());
  }
  void check_all_arrived() {
    std::set<std::string> received;
    BOOST_TEST_REQUIRE(wait_until(
        "every committed incident at the receiver",
        [&] {
          received = sink->received_ids();
          return std::includes(received.begin(), received.end(), committed.begin(),
                               committed.end());
        },
        20s));
    BOOST_TEST(received.size() == committed.size());  // nothing that was not committed
  }
};

BOOST_DATA_TEST_CASE(a_link_broken_and_restored_in_the_middle_of_a_stream_loses_no_alert,
                     data::make(sink_fixture_names()), name) {
  Delivery d(name);
  d.forwarder->start();
  for (int i = 0; i < 5; ++i) d.commit(4);
  BOOST_TEST_REQUIRE(wait_until(
      "the first alerts at the receiver", [&] { return !d.sink->received_ids().empty(); }, 30s));

  // Broken with a pause: alerts pile up in the outbox while the sink is failing.
  d.sink->break_link();
  for (int i = 0; i < 5; ++i) d.commit(4);
  BOOST_TEST_REQUIRE(wait_until(
      "the sink to be failing", [&] { return d.forwarder->stats().failing; }, 30s));
  BOOST_TEST(d.store->outbox().size(d.sink->name()) > 0u);
  d.sink->restore_link();
  for (int i = 0; i < 5; ++i) d.commit(4);

  // Broken and restored at once, in the middle of more.
  d.sink->break_link();
  d.sink->restore_link();
  for (int i = 0; i < 5; ++i) d.commit(4);

  BOOST_TEST_REQUIRE(d.forwarder->drain(60s).ok());
  d.forwarder->stop();
  const auto st = d.forwarder->stats();
  BOOST_TEST(st.outages >= 1u);
  BOOST_TEST(st.rejected == 0u);
  BOOST_TEST(d.store->outbox().size(d.sink->name()) == 0u);
  d.check_all_arrived();  // at least once: a resent batch may arrive twice
}

BOOST_DATA_TEST_CASE(a_receiver_that_is_down_keeps_the_alerts_in_the_outbox_until_it_is_back,
                     data::make(sink_fixture_names()), name) {
  Delivery d(name);
  d.sink->break_link();
  d.commit(2);
  const auto r = d.forwarder->drain(d.sink->failing_drain());
  BOOST_TEST_REQUIRE(!r.ok());
  d.sink->check_failure(r.error());
  BOOST_TEST(d.store->outbox().size(d.sink->name()) == 2u);
  BOOST_TEST(d.forwarder->stats().retries >= 1u);

  d.sink->restore_link();
  BOOST_TEST(d.sink->received_ids().empty());  // nothing left while it was down
  BOOST_TEST_REQUIRE(d.forwarder->drain(30s).ok());
  BOOST_TEST(d.store->outbox().size(d.sink->name()) == 0u);
  d.check_all_arrived();
}
