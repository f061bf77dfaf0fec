#include "store/rule_set_log.h"

#include <boost/test/unit_test.hpp>
#include <nlohmann/json.hpp>

#include "tests/store/store_test_util.h"

using namespace wardsoc;
using namespace wardsoc::testing;

namespace {

RuleSetRecord sample(std::string trigger, bool accepted) {
  RuleSetRecord r;
  r.time_us = 1'764'064'800'123'456;
  r.trigger = std::move(trigger);
  r.accepted = accepted;
  r.version = accepted ? "438939f79ff7dfc6" : "";
  r.rules = 27;
  r.rules_kept_state = 26;
  r.errors = accepted ? 0 : 1;
  r.warnings = 2;
  r.diagnostics = "rules/local.yaml:4:15: warning: a: \xff unused list\n";
  r.pid = 4242;
  return r;
}

}  // namespace

BOOST_AUTO_TEST_CASE(records_come_back_newest_first_with_every_field_and_increasing_seqs) {
  TempDir dir("rule-set-log");
  const std::string path = dir.str("db");
  {
    auto store = open_store(path);
    BOOST_TEST(*store->rule_sets().record(sample("start", true)) == 1u);
    BOOST_TEST(*store->rule_sets().record(sample("sighup", false)) == 2u);
  }
  auto store = open_store(path);  // read back from disk, not from memory
  auto got = store->rule_sets().newest(10);
  BOOST_TEST_REQUIRE(got.ok());
  BOOST_TEST_REQUIRE(got->size() == 2u);
  const RuleSetRecord& r = got->front();
  const RuleSetRecord want = sample("sighup", false);
  BOOST_TEST(r.seq == 2u);
  BOOST_TEST(r.time_us == want.time_us);
  BOOST_TEST(r.trigger == "sighup");
  BOOST_TEST(!r.accepted);
  BOOST_TEST(r.version == "");
  BOOST_TEST(r.rules == want.rules);
  BOOST_TEST(r.rules_kept_state == want.rules_kept_state);
  BOOST_TEST(r.errors == 1u);
  BOOST_TEST(r.warnings == want.warnings);
  // Bytes that are not UTF-8 are replaced, the rest of the text kept.
  BOOST_TEST(r.diagnostics == "rules/local.yaml:4:15: warning: a: \xef\xbf\xbd unused list\n");
  BOOST_TEST(r.pid == want.pid);
  BOOST_TEST(got->back().seq == 1u);
  BOOST_TEST(got->back().accepted);
  BOOST_TEST(store->rule_sets().newest(1)->front().seq == 2u);
}

BOOST_AUTO_TEST_CASE(to_json_names_every_field_of_the_record_once) {
  RuleSetRecord r = sample("sighup", true);
  r.seq = 7;
  const nlohmann::json j = to_json(r);
  BOOST_TEST(j.size() == 11u);
  BOOST_TEST(j.at("seq").get<uint64_t>() == 7u);
  BOOST_TEST(j.at("time_us").get<int64_t>() == r.time_us);
  BOOST_TEST(j.at("trigger").get<std::string>() == "sighup");
  BOOST_TEST(j.at("accepted").get<bool>());
  BOOST_TEST(j.at("version").get<std::string>() == r.version);
  BOOST_TEST(j.at("rules").get<uint64_t>() == 27u);
  BOOST_TEST(j.at("rules_kept_state").get<uint64_t>() == 26u);
  BOOST_TEST(j.at("errors").get<uint64_t>() == 0u);
  BOOST_TEST(j.at("warnings").get<uint64_t>() == 2u);
  BOOST_TEST(j.at("diagnostics").get<std::string>() == r.diagnostics);
  BOOST_TEST(j.at("pid").get<int64_t>() == 4242);
}
