#include "store/keys.h"

#include <boost/test/unit_test.hpp>

// Key order is checked with plain operator< inside extra parentheses: Boost.Test's
// own string comparison is not the bytewise order RocksDB uses.

using namespace wardsoc;
using namespace wardsoc::keys;

BOOST_AUTO_TEST_CASE(time_index_sorts_newest_first_including_negative_times) {
  const std::vector<int64_t> times = {INT64_MAX, 1'800'000'000'000'000, 1, 0, -1, INT64_MIN};
  for (size_t i = 0; i + 1 < times.size(); ++i) {
    BOOST_TEST((time_index_key(times[i], "b") < time_index_key(times[i + 1], "a")));
  }
  for (int64_t t : times) {
    int64_t back = 0;
    std::string_view id;
    const std::string k = time_index_key(t, "0123456789abcdef");
    BOOST_TEST(parse_time_index_key(k, &back, &id));
    BOOST_TEST(back == t);
    BOOST_TEST(id == "0123456789abcdef");
  }
}

BOOST_AUTO_TEST_CASE(time_index_ties_break_by_id_and_prefix_sorts_first) {
  BOOST_TEST((time_index_key(5, "a") < time_index_key(5, "b")));
  BOOST_TEST((time_index_prefix(5) < time_index_key(5, "a")));
  BOOST_TEST((time_index_key(6, "z") < time_index_prefix(5)));
}

BOOST_AUTO_TEST_CASE(outbox_keys_sort_by_seq_within_a_sink_and_sinks_do_not_interleave) {
  BOOST_TEST((outbox_key("soc", 255) < outbox_key("soc", 256)));
  BOOST_TEST((outbox_key("soc", UINT64_MAX) < name_prefix_end("soc")));
  BOOST_TEST((name_prefix_end("soc") < outbox_key("soc-file", 0)));
  BOOST_TEST((name_prefix_end("a") <= outbox_key("a!", 0)));
  std::string_view sink;
  uint64_t seq = 0;
  const std::string key = outbox_key("soc-file", 42);
  BOOST_TEST(parse_outbox_key(key, &sink, &seq));
  BOOST_TEST(sink == "soc-file");
  BOOST_TEST(seq == 42u);
  BOOST_TEST(!parse_outbox_key("soc-file", &sink, &seq));
}

BOOST_AUTO_TEST_CASE(evidence_keys_sort_by_seq_and_stay_under_their_incident) {
  BOOST_TEST((evidence_key("abc", 1) < evidence_key("abc", 2)));
  BOOST_TEST((evidence_key("abc", UINT32_MAX) < name_prefix_end("abc")));
  std::string_view id;
  uint32_t seq = 0;
  const std::string key = evidence_key("abc", 7);
  BOOST_TEST(parse_evidence_key(key, &id, &seq));
  BOOST_TEST(id == "abc");
  BOOST_TEST(seq == 7u);
}

BOOST_AUTO_TEST_CASE(describe_key_is_readable) {
  BOOST_TEST(describe_key(Family::kOutbox, outbox_key("soc-file", 42)) == "outbox/soc-file/42");
  BOOST_TEST(describe_key(Family::kEvidence, evidence_key("3f2a", 7)) == "evidence/3f2a/7");
  BOOST_TEST(describe_key(Family::kIncidents, "3f2a") == "incidents/3f2a");
  BOOST_TEST(describe_key(Family::kCheckpoints, checkpoint_key("files", "/var/log/a.log")) ==
             "checkpoints/files//var/log/a.log");
  BOOST_TEST(describe_key(Family::kIncidents, std::string_view("a\x01", 2)) == "incidents/a\\x01");
}
