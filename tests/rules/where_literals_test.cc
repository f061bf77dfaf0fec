// `fields: json | kv` as the loader reads it, and the prefilter literals it derives from
// `where` for steps without `match`: which literals, in which escaping, and when a rule is
// refused or warned about.
#include "rules/where_literals.h"

#include <boost/test/unit_test.hpp>

#include "rules/rule_set.h"

using namespace wardsoc;

namespace {

struct Loaded {
  std::shared_ptr<const RuleSet> rules;
  LoadReport report;
};

Loaded load(const std::string& body) {
  Loaded l;
  auto set = RuleSet::LoadFromSources({RuleSource{"f.yaml", "rules:\n" + body}}, &l.report);
  if (set.ok()) l.rules = *set;
  return l;
}

// One rule `r` with the given keys after its title and severity.
Loaded rule(const std::string& keys) {
  return load("  - id: r\n    title: t\n    severity: low\n" + keys);
}

std::vector<std::string> literals(const Loaded& l, size_t step = 0) {
  std::vector<std::string> out;
  for (const RulePattern& p : l.rules->find("r")->steps[step].patterns) {
    if (p.derived) out.push_back(std::string(p.on_json ? "json:" : "") + p.literal);
  }
  return out;
}

using Lits = std::vector<std::string>;

}  // namespace

BOOST_AUTO_TEST_CASE(json_runs_are_escaped_and_cut_where_emitters_differ) {
  BOOST_TEST(json_literal_run(R"(\cmd.exe)") == R"(\\cmd.exe)");
  BOOST_TEST(json_literal_run(R"(say "hi")") == R"(say \"hi\")");
  BOOST_TEST(json_literal_run("/etc/passwd") == "passwd");
  BOOST_TEST(json_literal_run("caf\xc3\xa9 au lait") == " au lait");
  BOOST_TEST(json_literal_run("a<b>&c'd") == "a");
  BOOST_TEST(json_literal_run("line\none") == "line");
  BOOST_TEST(json_literal_run("///") == "");
  BOOST_TEST(kv_literal_run(R"(say "hi" now)") == "say ");
  BOOST_TEST(kv_literal_run(R"(a\b)") == "a");
}

BOOST_AUTO_TEST_CASE(all_takes_its_best_child_and_any_the_union) {
  Loaded l = rule(R"(    fields: json
    where:
      - {field: id, equals: '7'}
      - {field: Image, endswith: '\WerFault.exe', nocase: true}
      - any:
          - {field: Lib, endswith: ['\dbgcore.dll', '\dbghelp.dll']}
          - {field: Other, glob: '*\evil?.dll'}
      - not: {field: message, contains: 'foo'}
)");
  BOOST_TEST_REQUIRE(l.rules != nullptr, l.report.to_string());
  BOOST_TEST(literals(l) == Lits{R"(json:\\WerFault.exe)"});
  const RulePattern& p = l.rules->find("r")->match().patterns.front();
  BOOST_TEST(p.text.rfind("(?i)", 0) == 0u);  // nocase: Hyperscan looks in any case

  Loaded u = rule(R"(    fields: json
    where:
      - any:
          - {field: Lib, endswith: ['\dbgcore.dll', '\dbghelp.dll']}
          - {field: Other, glob: '*\evil?.dll'}
          - {field: message, contains: 'a/b'}
)");
  BOOST_TEST_REQUIRE(u.rules != nullptr, u.report.to_string());
  // Message literals are the text itself, not JSON-escaped.
  BOOST_TEST(literals(u) ==
             (Lits{R"(json:\\dbgcore.dll)", R"(json:\\dbghelp.dll)", R"(json:\\evil)", "a/b"}));
}

BOOST_AUTO_TEST_CASE(a_condition_without_a_value_literal_stands_in_with_its_key) {
  Loaded l = rule(R"(    fields: json
    where:
      - {field: Event.System.EventID, gt: 4000}
)");
  BOOST_TEST_REQUIRE(l.rules != nullptr, l.report.to_string());
  BOOST_TEST(literals(l) == Lits{"json:EventID\""});
  Loaded k = rule(R"(    fields: json
    where:
      - {field: ports, equals: '22'}
)");
  BOOST_TEST_REQUIRE(k.rules != nullptr, k.report.to_string());
  BOOST_TEST(literals(k) == Lits{"json:\"ports\""});  // preferred to a 2-byte value
  Loaded v = rule(R"(    fields: kv
    where:
      - {field: srcip, cidr: 10.0.0.0/8}
)");
  BOOST_TEST_REQUIRE(v.rules != nullptr, v.report.to_string());
  BOOST_TEST(literals(v) == Lits{"srcip="});
}

BOOST_AUTO_TEST_CASE(a_step_with_nothing_to_look_for_is_refused_with_its_place) {
  Loaded l = rule(R"(    fields: json
    where:
      - {field: host, equals: web1}
      - not: {field: Image, contains: x}
      - {field: Parent, exists: false}
)");
  BOOST_TEST(l.rules == nullptr);
  BOOST_TEST(l.report.to_string().find("f.yaml:7:") != std::string::npos, l.report.to_string());
  BOOST_TEST(l.report.to_string().find("where: needs a literal: give `match`") != std::string::npos,
             l.report.to_string());
}

BOOST_AUTO_TEST_CASE(a_short_literal_loads_with_a_warning) {
  Loaded l = rule(R"(    fields: kv
    where:
      - {field: message, contains: 'ab'}
)");
  BOOST_TEST_REQUIRE(l.rules != nullptr, l.report.to_string());
  BOOST_TEST(literals(l) == Lits{"ab"});
  BOOST_TEST(l.report.warning_count() == 1u);
  BOOST_TEST(l.report.to_string().find("shorter than 3 bytes") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(event_field_names_need_fields_and_match_may_then_be_left_out) {
  Loaded none = rule(R"(    match: {contains: x}
    where:
      - {field: Image, endswith: '\cmd.exe'}
)");
  BOOST_TEST(none.rules == nullptr);
  BOOST_TEST(none.report.to_string().find("'Image' is neither a built-in field") !=
             std::string::npos);
  Loaded no_match = rule(R"(    where:
      - {field: message, contains: 'abc'}
)");
  BOOST_TEST(no_match.rules == nullptr);  // without fields, match stays required
  Loaded both = rule(R"(    fields: kv
    match: {regex: 'user=(?P<user>\S+)'}
    where:
      - {field: user, equals: root}
      - {field: action, equals: deny}
)");
  BOOST_TEST_REQUIRE(both.rules != nullptr, both.report.to_string());
  BOOST_TEST(literals(both).empty());  // the match finds the lines
  BOOST_TEST(event_fields_name(both.rules->find("r")->match().fields) == "kv");
  Loaded bad = rule("    fields: xml\n    where: [{field: a, equals: bcd}]\n");
  BOOST_TEST(bad.rules == nullptr);
  BOOST_TEST(bad.report.to_string().find("'xml' is none of json") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(sequence_steps_take_the_rules_fields_or_their_own) {
  Loaded l = load(R"(  - id: base
    title: t
    severity: low
    fields: json
    where: [{field: EventID, equals: '4625'}]
  - id: r
    title: t
    severity: high
    fields: json
    sequence:
      window: 5m
      steps:
        - {name: fail, rule: base}
        - {name: kv, fields: kv, where: [{field: action, equals: login}]}
        - {name: json, where: [{field: EventID, equals: '4624'}]}
)");
  BOOST_TEST_REQUIRE(l.rules != nullptr, l.report.to_string());
  const Rule& r = *l.rules->find("r");
  BOOST_TEST(event_fields_name(r.steps[0].fields) == "json");
  BOOST_TEST(event_fields_name(r.steps[1].fields) == "kv");
  BOOST_TEST(event_fields_name(r.steps[2].fields) == "json");
  BOOST_TEST(literals(l, 0) == Lits{"json:4625"});
  BOOST_TEST(literals(l, 1) == Lits{"login"});
  BOOST_TEST(literals(l, 2) == Lits{"json:4624"});
}
