// Rules on event fields (`fields: json | kv`) through the real loader and matcher: dotted
// JSON paths, escaped values, numbers, arrays, null and missing fields, hostile bodies, kv
// pairs, and the literals derived from `where` that put lines forward to Hyperscan, which
// must never miss a line the conditions accept.
#include "detect/event_fields.h"

#include <boost/test/unit_test.hpp>
#include <random>
#include <set>

#include "detect/matcher.h"
#include "test_events.h"

using namespace wardsoc;
using namespace wardsoc::testing;

namespace {

constexpr std::string_view kRules = R"(rules:
  - id: win.werfault
    title: WerFaultSecure loads a dump library
    severity: high
    fields: json
    where:
      - {field: Event.System.EventID, equals: '7'}
      - {field: Event.EventData.Image, endswith: '\WerFaultSecure.exe', nocase: true}
      - any:
          - {field: Event.EventData.ImageLoaded, endswith: ['\dbgcore.dll', '\dbghelp.dll'], nocase: true}
      - not: {field: message, contains: 'foo', nocase: true}
  - id: win.cmd
    title: cmd.exe started
    severity: medium
    fields: json
    where:
      - {field: winlog.event_data.Image, endswith: '\cmd.exe'}
  - id: win.logon_failed
    title: Failed logon
    severity: low
    fields: json
    where:
      - {field: winlog.event_id, equals: '4625'}
      - {field: winlog.logon.failed, equals: 'true'}
  - id: web.tagged
    title: Tagged malware
    severity: low
    fields: json
    where:
      - {field: tags, equals: malware}
  - id: web.passwd
    title: passwd in a URL
    severity: low
    fields: json
    where:
      - {field: url, contains: '/etc/passwd'}
  - id: json.empty_comment
    title: A nobody with an empty comment
    severity: low
    fields: json
    where:
      - {field: user, equals: nobody}
      - {field: comment, exists: true}
      - {field: comment, equals: ''}
  - id: json.no_comment
    title: A somebody without a comment
    severity: low
    fields: json
    where:
      - {field: user, equals: somebody}
      - any: [{field: comment, exists: false}, {field: comment, equals: ''}]
  - id: fgt.deny
    title: FortiGate denied
    severity: low
    fields: kv
    where:
      - {field: action, equals: deny}
      - {field: msg, contains: 'say "hi"'}
)";

std::shared_ptr<const RuleSet> load(std::string_view text, LoadReport* report) {
  auto set = RuleSet::LoadFromSources({RuleSource{"fields.yaml", std::string(text)}}, report);
  if (!set.ok()) return nullptr;
  return *set;
}

std::shared_ptr<const RuleSet> rules() {
  static std::shared_ptr<const RuleSet> rs = [] {
    LoadReport report;
    auto set = load(kRules, &report);
    BOOST_TEST_REQUIRE(set != nullptr, report.to_string());
    return set;
  }();
  return rs;
}

// A JSON line as a JSON input gives it: the message is the line, or (if given) the text of
// its "message" member, copied apart from it.
uint32_t add_json(EventBatch& b, std::string_view json, std::string_view message = {}) {
  Event e;
  e.raw = b.append(json);
  e.header.format = SyslogFormat::kNone;
  e.header.message = message.empty() ? e.raw : b.append(message);
  e.header.has_timestamp = true;
  e.header.timestamp_us = kT0;
  e.receive_time_us = kT0;
  b.events().push_back(e);
  return static_cast<uint32_t>(b.size() - 1);
}

std::vector<std::string> ids(const RuleSet& rs, const std::vector<Match>& ms, uint32_t event) {
  std::vector<std::string> out;
  for (const Match& m : ms) {
    if (m.event == event) out.push_back(rs.rules()[m.rule].id);
  }
  return out;
}

std::vector<std::string> match_json(std::string_view json, std::string_view message = {}) {
  auto m = Matcher::Create(rules(), {});
  BOOST_TEST_REQUIRE(m.ok());
  EventBatch b;
  add_json(b, json, message);
  std::vector<Match> ms;
  m.value()->scan(b, 0, 1, &ms);
  return ids(*rules(), ms, 0);
}

std::vector<std::string> match_syslog(std::string_view message) {
  auto m = Matcher::Create(rules(), {});
  BOOST_TEST_REQUIRE(m.ok());
  EventBatch b;
  add_event(b, {.message = message, .time_us = kT0, .host = "fw1", .app = "app"});
  std::vector<Match> ms;
  m.value()->scan(b, 0, 1, &ms);
  return ids(*rules(), ms, 0);
}

using Ids = std::vector<std::string>;

const std::string kWerFault =
    R"({"Event":{"System":{"EventID":7,"Channel":"Microsoft-Windows-Sysmon/Operational"},)"
    R"("EventData":{"Image":"C:\\Windows\\System32\\werfaultsecure.EXE",)"
    R"("ImageLoaded":"C:\\Windows\\System32\\DbgHelp.dll"}}})";

}  // namespace

BOOST_AUTO_TEST_CASE(json_dotted_paths_walk_nested_objects) {
  BOOST_TEST(match_json(kWerFault) == Ids{"win.werfault"});
  // Another event id, another image, another library: each condition counts.
  std::string other = kWerFault;
  other.replace(other.find("\"EventID\":7"), 11, "\"EventID\":8");
  BOOST_TEST(match_json(other) == Ids{});
  BOOST_TEST(
      match_json(
          R"({"Event":{"System":{"EventID":7},"EventData":{"Image":"C:\\x\\WerFaultSecure.exe","ImageLoaded":"C:\\x\\kernel32.dll"}}})") ==
      Ids{});
}

BOOST_AUTO_TEST_CASE(a_negated_condition_on_message_excludes_the_event) {
  // The whole line is the message of a JSON input; 'FOO' anywhere in it excludes it.
  std::string with_foo = kWerFault;
  with_foo.insert(with_foo.size() - 1, R"(,"note":"FOO")");
  BOOST_TEST(match_json(with_foo) == Ids{});
}

BOOST_AUTO_TEST_CASE(escaped_backslashes_in_json_match_the_unescaped_value) {
  BOOST_TEST(
      match_json(R"({"winlog":{"event_data":{"Image":"C:\\Windows\\System32\\cmd.exe"}}})") ==
      Ids{"win.cmd"});
  // endswith is case-sensitive without nocase.
  BOOST_TEST(
      match_json(R"({"winlog":{"event_data":{"Image":"C:\\Windows\\System32\\CMD.EXE"}}})") ==
      Ids{});
  // Not the end of the value.
  BOOST_TEST(match_json(R"({"winlog":{"event_data":{"Image":"C:\\cmd.exe.bak"}}})") == Ids{});
}

BOOST_AUTO_TEST_CASE(a_key_holding_dots_is_found_by_the_same_path) {
  BOOST_TEST(match_json(R"({"winlog.event_id":4625,"winlog":{"logon":{"failed":true}}})") ==
             Ids{"win.logon_failed"});
  BOOST_TEST(match_json(R"({"winlog":{"event_id":4625,"logon.failed":true}})") ==
             Ids{"win.logon_failed"});
  // Numbers and booleans compare as their JSON text.
  BOOST_TEST(match_json(R"({"winlog":{"event_id":4625.0,"logon":{"failed":true}}})") == Ids{});
  BOOST_TEST(match_json(R"({"winlog":{"event_id":4625,"logon":{"failed":false}}})") == Ids{});
  BOOST_TEST(match_json(R"({"winlog":{"event_id":"4625","logon":{"failed":"true"}}})") ==
             Ids{"win.logon_failed"});
}

BOOST_AUTO_TEST_CASE(a_test_on_an_array_holds_if_it_holds_for_one_element) {
  BOOST_TEST(match_json(R"({"tags":["web","malware","x"]})") == Ids{"web.tagged"});
  BOOST_TEST(match_json(R"({"tags":["web","malware-ish"]})") == Ids{});
  BOOST_TEST(match_json(R"({"tags":[{"n":1},"malware"]})") == Ids{"web.tagged"});
}

BOOST_AUTO_TEST_CASE(a_slash_escaped_value_is_still_put_forward_and_matched) {
  BOOST_TEST(match_json(R"({"url":"\/cgi-bin\/..\/..\/etc\/passwd"})") == Ids{"web.passwd"});
  BOOST_TEST(match_json(R"({"url":"/cgi-bin/../../etc/passwd"})") == Ids{"web.passwd"});
  BOOST_TEST(match_json(R"({"url":"/etc/shadow","note":"/etc/passwd"})") == Ids{});
}

BOOST_AUTO_TEST_CASE(null_is_present_with_an_empty_value_and_missing_is_absent) {
  BOOST_TEST(match_json(R"({"user":"nobody","comment":null})") == Ids{"json.empty_comment"});
  BOOST_TEST(match_json(R"({"user":"nobody","comment":""})") == Ids{"json.empty_comment"});
  BOOST_TEST(match_json(R"({"user":"nobody"})") == Ids{});
  BOOST_TEST(match_json(R"({"user":"somebody"})") == Ids{"json.no_comment"});
  BOOST_TEST(match_json(R"({"user":"somebody","comment":null})") == Ids{"json.no_comment"});
  BOOST_TEST(match_json(R"({"user":"somebody","comment":"hi"})") == Ids{});
}

BOOST_AUTO_TEST_CASE(a_body_that_is_not_json_fails_every_field_test_and_is_counted) {
  auto m = Matcher::Create(rules(), {});
  BOOST_TEST_REQUIRE(m.ok());
  EventBatch b;
  add_json(b, R"({"url":"/etc/passwd")");                       // cut short
  add_json(b, R"({"url":"/etc/passwd"} trailing)");             // text after it
  add_json(b, std::string("{\"url\":\"/etc/passwd\xff\"}"));    // not UTF-8
  add_json(b, std::string("{\"url\":\"/etc/passwd\0\"}", 21));  // a NUL byte
  add_json(b, R"(["url","/etc/passwd"])");                      // not an object
  std::vector<Match> ms;
  m.value()->scan(b, 0, b.size(), &ms);
  BOOST_TEST(ms.empty());
  BOOST_TEST(m.value()->field_errors() == 5u);
}

BOOST_AUTO_TEST_CASE(a_deep_document_is_refused_without_recursing) {
  std::string deep;
  for (int i = 0; i < 100000; ++i) deep += "{\"a\":";
  deep += "\"/etc/passwd\"";
  for (int i = 0; i < 100000; ++i) deep += "}";
  std::string ok = R"({"a":{"b":{"c":1}},"url":"/etc/passwd"})";
  auto m = Matcher::Create(rules(), {});
  BOOST_TEST_REQUIRE(m.ok());
  EventBatch b;
  add_json(b, R"({"url":"/etc/passwd","x":)" + deep + "}");
  add_json(b, ok);
  std::vector<Match> ms;
  m.value()->scan(b, 0, b.size(), &ms);
  BOOST_TEST(ids(*rules(), ms, 0) == Ids{});
  BOOST_TEST(ids(*rules(), ms, 1) == Ids{"web.passwd"});
  BOOST_TEST(m.value()->field_errors() == 1u);
}

BOOST_AUTO_TEST_CASE(json_body_after_a_syslog_header_is_the_event_object) {
  BOOST_TEST(match_syslog(R"({"tags":["malware"]})") == Ids{"web.tagged"});
  BOOST_TEST(match_syslog(R"({"winlog":{"event_data":{"Image":"C:\\cmd.exe"}}})") ==
             Ids{"win.cmd"});
}

BOOST_AUTO_TEST_CASE(json_whose_message_member_became_the_message_is_scanned_whole) {
  // Ingest takes "message" as the event's message; the literal is elsewhere in the line.
  BOOST_TEST(match_json(R"({"message":"GET /index","url":"\/etc\/passwd"})", "GET /index") ==
             Ids{"web.passwd"});
  BOOST_TEST(match_json(R"({"message":"GET /index","url":"/index"})", "GET /index") == Ids{});
}

BOOST_AUTO_TEST_CASE(kv_pairs_match_with_quoted_values_unescaped) {
  BOOST_TEST(match_syslog(R"(date=2026-12-07 action="deny" msg="they say \"hi\" twice")") ==
             Ids{"fgt.deny"});
  BOOST_TEST(match_syslog(R"(action=deny msg='say "hi"')") == Ids{"fgt.deny"});
  BOOST_TEST(match_syslog(R"(action="accept" msg="say \"hi\"")") == Ids{});
  BOOST_TEST(match_syslog(R"(xaction=deny msg="say \"hi\"")") == Ids{});
}

BOOST_AUTO_TEST_CASE(derived_literals_are_hyperscan_patterns_of_the_step) {
  const Rule* r = rules()->find("win.werfault");
  BOOST_TEST_REQUIRE(r != nullptr);
  const auto& ps = r->match().patterns;
  BOOST_TEST_REQUIRE(ps.size() == 1u);
  // all: the image (one literal, the longest) beats '7' and the two libraries.
  BOOST_TEST(ps[0].literal == R"(\\WerFaultSecure.exe)");
  BOOST_TEST(ps[0].derived);
  BOOST_TEST(ps[0].on_json);
  BOOST_TEST(match_kind_name(ps[0].kind) == "hyperscan-exact");
  const Rule* k = rules()->find("fgt.deny");
  BOOST_TEST_REQUIRE(k != nullptr);
  BOOST_TEST_REQUIRE(k->match().patterns.size() == 1u);
  BOOST_TEST(k->match().patterns[0].literal == "deny");  // as long as "say ", and first
  BOOST_TEST(!k->match().patterns[0].on_json);
  // No rule on fields is tried on every line.
  BOOST_TEST(rules()->always_units().empty());
}

BOOST_AUTO_TEST_CASE(a_rule_without_a_positive_text_condition_is_refused) {
  LoadReport report;
  auto rs = load(R"(rules:
  - id: only.negative
    title: t
    severity: low
    fields: json
    where:
      - not: {field: a, equals: x}
      - {field: host, equals: web1}
)",
                 &report);
  BOOST_TEST(rs == nullptr);
  BOOST_TEST(report.to_string().find("fields.yaml:7:") != std::string::npos, report.to_string());
  BOOST_TEST(report.to_string().find("needs a literal: give `match`, or a positive condition on "
                                     "a text") != std::string::npos,
             report.to_string());
}

// The property the prefilter must keep: on random events from a small alphabet, the engine
// matches exactly the rules whose `where` holds on the event's fields.
BOOST_AUTO_TEST_CASE(the_prefilter_never_misses_an_event_the_where_accepts) {
  constexpr std::string_view kProp = R"(rules:
  - id: p.contains
    title: t
    severity: low
    fields: json
    where: [{field: a, contains: 'x/y'}]
  - id: p.backslash
    title: t
    severity: low
    fields: json
    where: [{field: b, contains: 'y\x'}]
  - id: p.nocase_any
    title: t
    severity: low
    fields: json
    where:
      - any: [{field: a, startswith: 'xY', nocase: true}, {field: n.b, endswith: ['\y', '"x'], nocase: true}]
  - id: p.all_not
    title: t
    severity: low
    fields: json
    where:
      - {field: b, equals: 'yx'}
      - not: {field: a, contains: 'x'}
      - {field: n.b, glob: '*x?y*'}
  - id: p.key_only
    title: t
    severity: low
    fields: json
    where: [{field: n.b, regex: '^[xy]+$'}]
  - id: p.message
    title: t
    severity: low
    fields: json
    where: [{field: message, contains: 'yy', nocase: true}, {field: b, exists: true}]
)";
  LoadReport report;
  auto rs = load(kProp, &report);
  BOOST_TEST_REQUIRE(rs != nullptr, report.to_string());
  auto m = Matcher::Create(rs, {});
  BOOST_TEST_REQUIRE(m.ok());
  std::mt19937 rng(20261207);
  const std::string alphabet = "xyXY/\\\"";
  auto word = [&] {
    std::string w;
    const int n = static_cast<int>(rng() % 5);
    for (int i = 0; i < n; ++i) w += alphabet[rng() % alphabet.size()];
    return w;
  };
  auto json_string = [&](const std::string& w) {
    std::string s = "\"";
    for (char c : w) {
      if (c == '\\' || c == '"') s += '\\';
      if (c == '/' && rng() % 2 == 0) s += '\\';  // some emitters write \/
      s += c;
    }
    return s + "\"";
  };
  size_t accepted = 0;
  for (int round = 0; round < 40; ++round) {
    EventBatch b;
    std::vector<std::string> texts;
    for (int i = 0; i < 50; ++i) {
      std::string j = "{";
      auto member = [&](const std::string& k, const std::string& v) {
        if (j.size() > 1) j += ",";
        j += "\"" + k + "\":" + v;
      };
      if (rng() % 4 != 0) member("a", json_string(word()));
      if (rng() % 4 != 0) member("b", json_string(word()));
      // n.b nested or as one key (not both: the oracle below sees one value per field).
      if (const auto form = rng() % 3; form == 0) {
        member("n", "{\"b\":" + json_string(word()) + "}");
      } else if (form == 1) {
        member("n.b", json_string(word()));
      }
      j += "}";
      texts.push_back(j);
      if (rng() % 3 == 0) {
        add_event(b, {.message = texts.back(), .time_us = kT0});  // a JSON body after syslog
      } else {
        add_json(b, texts.back());
      }
    }
    std::vector<Match> ms;
    m.value()->scan(b, 0, b.size(), &ms);
    for (uint32_t ev = 0; ev < b.size(); ++ev) {
      const Event& e = b.events()[ev];
      EventFieldIndex ix;
      BOOST_TEST_REQUIRE(ix.load_json(json_text_of(b.raw(e), b.message(e))), texts[ev]);
      const std::string_view message = b.message(e);
      const FieldLookup lookup = [&](const std::string& name, std::string_view* out) {
        if (name == "message") {
          *out = message;
          return true;
        }
        return ix.first_value(name, out);
      };
      std::set<std::string> expected;
      for (const Rule& r : rs->rules()) {
        bool all = true;
        for (const Condition& c : r.match().where) all = all && where_holds(*rs, c, lookup);
        if (all) expected.insert(r.id);
      }
      const std::vector<std::string> got_v = ids(*rs, ms, ev);
      const std::set<std::string> got(got_v.begin(), got_v.end());
      std::string got_s, expected_s;
      for (const auto& x : got) got_s += x + " ";
      for (const auto& x : expected) expected_s += x + " ";
      BOOST_TEST(got_s == expected_s, texts[ev]);
      accepted += expected.size();
    }
  }
  BOOST_TEST(accepted > 100u);  // the rules do accept events: the comparison means something
}
