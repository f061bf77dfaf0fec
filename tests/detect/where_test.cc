// `where` conditions, named lists, contains terms and input sources in the real matcher,
// and the explanations the tools give for each stage a line can stop at.
#include <boost/test/unit_test.hpp>

#include "detect/matcher.h"
#include "test_events.h"

using namespace wardsoc;
using namespace wardsoc::testing;

namespace {

constexpr std::string_view kRules = R"(rules:
  - id: login.outside
    title: Login from outside the admin list
    severity: high
    programs: [sshd]
    match: {regex: '^Accepted (?P<method>\S+) for (?P<user>\S+) from (?P<src_ip>\S+) port (?P<port>\d+)'}
    where:
      - {field: user, in: [root, admin]}
      - {field: src_ip, not_in_list: admins}
      - {field: src_ip, not_cidr: [10.0.0.0/8]}
      - {field: port, gt: 1024}
      - {field: method, not_regex: '^publickey'}
  - id: host.only
    title: From the gateway
    severity: low
    match: {contains: 'link down'}
    where: [{field: host, equals: gw}]
  - id: from.cameras.input
    title: Camera input only
    severity: low
    sources: ['input:cam-syslog']
    match: {contains: ['Motion', 'tamper'], ignore_case: true}
)";

std::shared_ptr<const RuleSet> rules() {
  static std::shared_ptr<const RuleSet> rs = [] {
    LoadReport report;
    auto set =
        RuleSet::LoadFromSources({RuleSource{"where.yaml", std::string(kRules)}}, &report, {},
                                 {RuleSource{"lists/admins.txt", "192.0.2.0/28\n198.51.100.7\n"}});
    BOOST_TEST_REQUIRE(set.ok(), report.to_string());
    return *set;
  }();
  return rs;
}

std::unique_ptr<Matcher> matcher() {
  MatcherOptions o;
  o.input_names = {"syslog-udp", "cam-syslog"};
  return std::move(Matcher::Create(rules(), o).value());
}

std::vector<std::string> matched(std::string_view message, std::string_view host = "gw",
                                 std::string_view app = "sshd", uint16_t input = 0) {
  EventBatch b;
  add_event(b, {.message = message, .time_us = kT0, .host = host, .app = app, .input = input});
  std::vector<Match> ms;
  matcher()->scan(b, 0, 1, &ms);
  std::vector<std::string> ids;
  for (const Match& m : ms) ids.push_back(rules()->rules()[m.rule].id);
  return ids;
}

std::string accepted(std::string_view user, std::string_view ip, int port = 50022,
                     std::string_view method = "password") {
  return "Accepted " + std::string(method) + " for " + std::string(user) + " from " +
         std::string(ip) + " port " + std::to_string(port) + " ssh2";
}

const std::vector<std::string> kLoginOutside = {"login.outside"};
const std::vector<std::string> kNone = {};

}  // namespace

BOOST_AUTO_TEST_CASE(all_where_conditions_must_hold) {
  BOOST_TEST(matched(accepted("root", "203.0.113.9")) == kLoginOutside);
  BOOST_TEST(matched(accepted("alice", "203.0.113.9")) == kNone);     // in
  BOOST_TEST(matched(accepted("root", "192.0.2.5")) == kNone);        // list network
  BOOST_TEST(matched(accepted("root", "198.51.100.7")) == kNone);     // list address
  BOOST_TEST(matched(accepted("root", "10.20.30.40")) == kNone);      // not_cidr
  BOOST_TEST(matched(accepted("root", "203.0.113.9", 22)) == kNone);  // gt
  BOOST_TEST(matched(accepted("root", "203.0.113.9", 50022, "publickey")) == kNone);  // not_regex
}

BOOST_AUTO_TEST_CASE(a_value_that_is_not_an_address_never_passes_a_network_check) {
  // not_cidr and not_in_list ask "outside these networks": a host name is in no network,
  // but not_cidr holds only for real addresses, so garbage cannot slip past an allow-list.
  BOOST_TEST(matched(accepted("root", "attacker.example")) == kNone);
}

BOOST_AUTO_TEST_CASE(built_in_fields_take_part_in_conditions) {
  const std::vector<std::string> host_only = {"host.only"};
  BOOST_TEST(matched("eth0: link down", "gw", "kernel") == host_only);
  BOOST_TEST(matched("eth0: link down", "srv-01", "kernel") == kNone);
}

BOOST_AUTO_TEST_CASE(rules_can_be_limited_to_named_inputs) {
  const std::vector<std::string> cam = {"from.cameras.input"};
  BOOST_TEST(matched("MOTION detected zone 2", "cam-3", "vms", 1) == cam);
  BOOST_TEST(matched("motion detected zone 2", "cam-3", "vms", 0) == kNone);
}

BOOST_AUTO_TEST_CASE(explain_names_the_stage_and_the_value) {
  auto m = matcher();
  auto explain = [&](std::string_view message, std::string_view app = "sshd") {
    EventBatch b;
    add_event(b, {.message = message, .time_us = kT0, .app = app});
    return m->explain(b, 0, rules()->first_unit(0));
  };
  Explanation x = explain(accepted("root", "192.0.2.5"));
  BOOST_TEST((x.stage == Explanation::Stage::kWhere));
  BOOST_TEST(x.message == "where src_ip not_in_list admins is false for src_ip='192.0.2.5'");
  BOOST_TEST(x.fields.size() == 4u);
  x = explain(accepted("root", "203.0.113.9"), "cron");
  BOOST_TEST((x.stage == Explanation::Stage::kProgram));
  BOOST_TEST(x.message == "its program 'cron' is not in programs [sshd]");
  x = explain("Failed password for root from 203.0.113.9 port 1 ssh2");
  BOOST_TEST((x.stage == Explanation::Stage::kPrefilter));
  BOOST_TEST(x.message.find("the text 'accepted ' is not in the message") != std::string::npos,
             x.message);
  x = explain(accepted("root", "203.0.113.9"));
  BOOST_TEST((x.stage == Explanation::Stage::kMatched));
}
