#include <signal.h>

#include <boost/test/unit_test.hpp>

#include "store/outbox_queue.h"
#include "store/store_stats.h"
#include "tests/store/store_test_util.h"

using namespace wardsoc;
using namespace wardsoc::testing;

// The writer commits batches of 10 incidents (2 evidence lines each, one outbox entry
// each, checkpoint = batch + 1) and prints a batch number only after commit() returned.
BOOST_AUTO_TEST_CASE(a_killed_writer_loses_no_acknowledged_batch_and_leaves_none_half_written) {
  TempDir dir("crash");
  const std::string path = dir.str("db");
  int64_t last_reported = -1;
  {
    auto writer = spawn_store_helper({"writer", path});
    std::string line;
    while (last_reported < 40 && writer->read_line(&line)) last_reported = std::stoll(line);
    BOOST_TEST_REQUIRE(last_reported >= 40);
    writer->signal(SIGKILL);
    // Lines already written before the kill were acknowledged too.
    while (writer->read_line(&line)) last_reported = std::stoll(line);
    writer->wait(std::chrono::seconds(30));
  }

  auto store = open_store(path);
  auto cp = store->checkpoint("in", "");
  BOOST_TEST_REQUIRE(cp.ok());
  BOOST_TEST_REQUIRE(cp->has_value());
  const uint64_t batches = **cp;  // batches 0 .. batches-1 are in the store
  BOOST_TEST(batches >= static_cast<uint64_t>(last_reported + 1));

  auto st = store->stats().scan();
  BOOST_TEST_REQUIRE(st.ok());
  BOOST_TEST(st->incidents == batches * 10);
  BOOST_TEST(st->evidence == batches * 20);
  BOOST_TEST(st->outbox.at("soc") == batches * 10);
  for (uint64_t b = 0; b <= batches; ++b) {
    for (int k = 0; k < 10; ++k) {
      const std::string id =
          make_incident_id("crash", std::to_string(b) + "/" + std::to_string(k), 0);
      auto got = store->get_incident(id);
      BOOST_TEST_REQUIRE(got.ok());
      BOOST_TEST(got->has_value() == (b < batches), "batch " << b << " incident " << k);
    }
  }
  // The outbox seqs continue where the killed process stopped.
  BOOST_TEST_REQUIRE(
      commit_changes(*store, {make_change(make_incident("after", "crash", 1))}, {"soc"}).ok());
  auto tail = store->outbox().read("soc", batches * 10 + 1);
  BOOST_TEST_REQUIRE(tail.ok());
  BOOST_TEST_REQUIRE(tail->size() == batches * 10 + 1);
  for (size_t i = 0; i < tail->size(); ++i) BOOST_TEST_REQUIRE(tail->at(i).seq == i + 1);
}
