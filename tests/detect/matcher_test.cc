#include "detect/matcher.h"

#include <re2/re2.h>

#include <boost/test/unit_test.hpp>
#include <map>
#include <random>

#include "test_events.h"

using namespace wardsoc;
using namespace wardsoc::testing;

namespace {

std::shared_ptr<const RuleSet> load(std::string_view yaml) {
  LoadReport report;
  auto set = RuleSet::LoadFromString(yaml, "matcher.yaml", &report);
  BOOST_TEST_REQUIRE(set.ok(), report.to_string());
  return *set;
}

std::unique_ptr<Matcher> matcher(std::shared_ptr<const RuleSet> rs, MatcherOptions o = {}) {
  auto m = Matcher::Create(std::move(rs), o);
  BOOST_TEST_REQUIRE(m.ok());
  return std::move(m).value();
}

std::map<std::string, std::string> fields_of(const Match& m) {
  return std::map<std::string, std::string>(m.fields.begin(), m.fields.end());
}

constexpr std::string_view kRules = R"(rules:
  - id: ssh.failed
    title: failed
    severity: high
    programs: [sshd, sshd-session]
    match:
      regex:
        - '^Failed (?P<method>\S+) for (?:invalid user )?(?P<user>\S+) from (?P<src_ip>\S+) port \d+'
        - '^PAM: Authentication failure for (?P<user>\S+) from (?P<src_ip>\S+)'
      not: ['^Failed publickey for \S+ from ']
  - id: root.refused
    title: refused
    severity: medium
    match: {regex: '^ROOT LOGIN REFUSED'}
  - id: cam.tamper
    title: camera tamper
    severity: high
    sources: [camera]
    match: {regex: '(?i)^tamper(?:ing)? detected'}
  - id: opt.group
    title: optional group
    severity: low
    match: {regex: '^session (?P<state>opened|closed)(?: for user (?P<user>\w+))?$'}
)";

}  // namespace

BOOST_AUTO_TEST_CASE(hyperscan_hit_confirmed_by_re2_yields_named_captures) {
  auto m = matcher(load(kRules));
  auto ms =
      m->match_message("Failed password for invalid user admin from 203.0.113.7 port 52113 ssh2",
                       "sshd", AssetClass::kServer);
  BOOST_TEST_REQUIRE(ms.size() == 1u);
  BOOST_TEST(ms[0].rule == 0u);
  BOOST_TEST(ms[0].fields.size() == 3u);
  auto f = fields_of(ms[0]);
  BOOST_TEST(f["method"] == "password");
  BOOST_TEST(f["user"] == "admin");
  BOOST_TEST(f["src_ip"] == "203.0.113.7");
}

BOOST_AUTO_TEST_CASE(second_pattern_of_a_rule_matches_with_its_own_captures) {
  auto m = matcher(load(kRules));
  auto ms = m->match_message("PAM: Authentication failure for bob from 198.51.100.4", "sshd",
                             AssetClass::kServer);
  BOOST_TEST_REQUIRE(ms.size() == 1u);
  auto f = fields_of(ms[0]);
  BOOST_TEST(f.size() == 2u);
  BOOST_TEST(f["user"] == "bob");
}

BOOST_AUTO_TEST_CASE(not_pattern_suppresses_the_match) {
  auto m = matcher(load(kRules));
  BOOST_TEST(m->match_message("Failed publickey for git from 192.0.2.1 port 57904 ssh2: RSA x",
                              "sshd", AssetClass::kServer)
                 .empty());
  BOOST_TEST(
      m->match_message("Failed publickey for invalid user git from 192.0.2.1 port 57904 ssh2",
                       "sshd", AssetClass::kServer)
          .size() == 1u);
}

BOOST_AUTO_TEST_CASE(programs_filter_is_an_exact_match_on_the_app_name) {
  auto m = matcher(load(kRules));
  const std::string_view line = "Failed password for root from 203.0.113.7 port 1 ssh2";
  BOOST_TEST(m->match_message(line, "sshd", AssetClass::kServer).size() == 1u);
  BOOST_TEST(m->match_message(line, "sshd-session", AssetClass::kServer).size() == 1u);
  BOOST_TEST(m->match_message(line, "sshd2", AssetClass::kServer).empty());
  BOOST_TEST(m->match_message(line, "", AssetClass::kServer).empty());
}

BOOST_AUTO_TEST_CASE(sources_filter_selects_asset_classes) {
  auto m = matcher(load(kRules));
  BOOST_TEST(m->match_message("Tamper detected on channel 1", "", AssetClass::kCamera).size() ==
             1u);
  BOOST_TEST(m->match_message("Tamper detected on channel 1", "", AssetClass::kLan).empty());
}

BOOST_AUTO_TEST_CASE(case_insensitive_flag_works_end_to_end) {
  auto m = matcher(load(kRules));
  BOOST_TEST(m->match_message("TAMPERING DETECTED", "", AssetClass::kCamera).size() == 1u);
  BOOST_TEST(m->match_message("tamper detected", "", AssetClass::kCamera).size() == 1u);
  BOOST_TEST(m->match_message("no tamper detected", "", AssetClass::kCamera).empty());
}

BOOST_AUTO_TEST_CASE(exact_pattern_without_captures_matches_with_no_fields) {
  auto m = matcher(load(kRules));
  auto ms = m->match_message("ROOT LOGIN REFUSED FROM 192.0.2.1", "sshd", AssetClass::kServer);
  BOOST_TEST_REQUIRE(ms.size() == 1u);
  BOOST_TEST(ms[0].rule == 1u);
  BOOST_TEST(ms[0].fields.empty());
}

BOOST_AUTO_TEST_CASE(group_that_took_no_part_is_left_out) {
  auto m = matcher(load(kRules));
  auto a = m->match_message("session opened for user alice", "", AssetClass::kServer);
  BOOST_TEST_REQUIRE(a.size() == 1u);
  BOOST_TEST(fields_of(a[0])["user"] == "alice");
  auto b = m->match_message("session closed", "", AssetClass::kServer);
  BOOST_TEST_REQUIRE(b.size() == 1u);
  BOOST_TEST(b[0].fields.size() == 1u);
  BOOST_TEST(b[0].fields[0].first == "state");
}

BOOST_AUTO_TEST_CASE(prefilter_and_re2_only_patterns_still_match_correctly) {
  auto rs = load(R"(rules:
  - id: kv.prefilter
    title: key-value list
    severity: low
    match: {regex: '(?:(?:^|;) *\w+=\w+)+ user=(?P<user>\w+)'}
  - id: letters.re2only
    title: letters only
    severity: low
    match: {regex: '^(?P<name>\pL+)$'}
)");
  BOOST_TEST((rs->rules()[0].steps[0].patterns[0].kind == MatchKind::kHyperscanPrefilter));
  BOOST_TEST((rs->rules()[1].steps[0].patterns[0].kind == MatchKind::kRe2Only));
  auto m = matcher(rs);
  auto a = m->match_message("a=1;b=2 user=bob", "", AssetClass::kOther);
  BOOST_TEST_REQUIRE(a.size() == 1u);
  BOOST_TEST(fields_of(a[0])["user"] == "bob");
  BOOST_TEST(m->match_message("a=1,b=2 user=bob", "", AssetClass::kOther)
                 .empty());  // prefilter hit, RE2 says no
  auto b = m->match_message("Alice", "", AssetClass::kOther);
  BOOST_TEST_REQUIRE(b.size() == 1u);
  BOOST_TEST(b[0].rule == 1u);
  BOOST_TEST(fields_of(b[0])["name"] == "Alice");
  BOOST_TEST(m->match_message("R2D2", "", AssetClass::kOther).empty());
}

BOOST_AUTO_TEST_CASE(disabled_rules_match_only_when_asked) {
  auto rs = load(R"(rules:
  - id: off
    title: off
    severity: low
    enabled: false
    match: {regex: 'x'}
)");
  BOOST_TEST(matcher(rs)->match_message("x", "", AssetClass::kOther).empty());
  BOOST_TEST(matcher(rs, MatcherOptions{true})->match_message("x", "", AssetClass::kOther).size() ==
             1u);
}

BOOST_AUTO_TEST_CASE(scan_covers_the_range_in_event_then_rule_order) {
  auto rs = load(R"(rules:
  - id: a
    title: a
    severity: low
    match: {regex: 'alpha'}
  - id: b
    title: b
    severity: low
    match: {regex: 'alpha|beta'}
)");
  auto m = matcher(rs);
  EventBatch batch;
  add_event(batch, {.message = "alpha", .time_us = kT0});
  add_event(batch, {.message = "beta", .time_us = kT0});
  add_event(batch, {.message = "gamma", .time_us = kT0});
  add_event(batch, {.message = "alpha beta", .time_us = kT0});
  std::vector<Match> out;
  m->scan(batch, 1, 4, &out);
  BOOST_TEST_REQUIRE(out.size() == 3u);
  BOOST_TEST(out[0].event == 1u);
  BOOST_TEST(out[0].rule == 1u);
  BOOST_TEST(out[1].event == 3u);
  BOOST_TEST(out[1].rule == 0u);
  BOOST_TEST(out[2].event == 3u);
  BOOST_TEST(out[2].rule == 1u);
  BOOST_TEST(m->events_scanned() == 3u);
}

BOOST_AUTO_TEST_CASE(patterns_see_the_message_not_the_header) {
  auto rs = load(R"(rules:
  - id: a
    title: a
    severity: low
    match: {regex: '^Failed'}
)");
  auto m = matcher(rs);
  EventBatch batch;
  add_event(batch, {.message = "Failed password", .time_us = kT0});
  std::vector<Match> out;
  m->scan(batch, 0, 1, &out);
  BOOST_TEST(out.size() ==
             1u);  // the raw line starts with "gw sshd[100]: ", the message with "Failed"
}

BOOST_AUTO_TEST_CASE(line_with_invalid_utf8_is_still_matched) {
  auto m = matcher(load(kRules));
  auto ms = m->match_message(
      "Failed password for invalid user \xc3\x28"
      "adm from 203.0.113.7 port 1 ssh2",
      "sshd", AssetClass::kServer);
  BOOST_TEST_REQUIRE(ms.size() == 1u);
  BOOST_TEST(fields_of(ms[0])["user"] ==
             "\xc3\x28"
             "adm");
}

BOOST_AUTO_TEST_CASE(a_line_excluded_by_hyperscan_alone_never_runs_re2_for_fields) {
  auto m = matcher(load(R"(rules:
  - id: pam.local
    title: local PAM failures
    severity: low
    match:
      regex: '^pam_(?P<module>\w+)\((?P<service>[^:)]+):auth\): authentication failure; .*user=(?P<user>\S+)'
      not: ['^pam_\w+\((?:sshd|sudo):auth\)']
)"));
  BOOST_TEST(
      m->match_message("pam_unix(sshd:auth): authentication failure; logname= uid=0 user=root",
                       "sshd", AssetClass::kServer)
          .empty());
  BOOST_TEST(m->re2_runs() == 0u);
  const auto ms = m->match_message(
      "pam_unix(su:auth): authentication failure; logname=alice uid=1000 user=root", "su",
      AssetClass::kServer);
  BOOST_TEST_REQUIRE(ms.size() == 1u);
  BOOST_TEST(fields_of(ms[0]).at("service") == "su");
  BOOST_TEST(m->re2_runs() == 1u);
}

BOOST_AUTO_TEST_CASE(a_pattern_that_mostly_fails_is_ruled_out_by_the_dfa_with_the_same_answers) {
  // ' from ' is the only literal Hyperscan can look for, so most lines that have it are
  // not this rule's; after a first few of them RE2's DFA answers first, and the lines that
  // do match still get exactly their fields.
  auto m = matcher(load(R"(rules:
  - id: pam.remote
    title: remote PAM failures
    severity: low
    match: {regex: '^PAM: (?:[Aa]uthentication failure|User not known) for (?P<user>.*) from (?P<src_ip>\S+)$'}
)"));
  for (int round = 0; round < 4; ++round) {
    for (int i = 0; i < 40; ++i) {
      BOOST_TEST(m->match_message("Connection closed from 203.0.113." + std::to_string(i), "sshd",
                                  AssetClass::kServer)
                     .empty());
    }
    const auto ms = m->match_message(
        "PAM: Authentication failure for bob smith from 198.51.100." + std::to_string(round),
        "sshd", AssetClass::kServer);
    BOOST_TEST_REQUIRE(ms.size() == 1u);
    BOOST_TEST(fields_of(ms[0]).at("user") == "bob smith");
    BOOST_TEST(fields_of(ms[0]).at("src_ip") == "198.51.100." + std::to_string(round));
  }
  BOOST_TEST(m->re2_dfa_checks() > 100u);
  // Field runs: the lines before the tally was trusted, and each line that matched.
  BOOST_TEST(m->re2_runs() < 40u);
}

BOOST_AUTO_TEST_CASE(a_pattern_that_mostly_matches_goes_straight_to_its_fields) {
  auto m = matcher(load(kRules));
  for (int i = 0; i < 200; ++i) {
    const auto ms = m->match_message(
        "Failed password for root from 203.0.113." + std::to_string(i % 250) + " port 22 ssh2",
        "sshd", AssetClass::kServer);
    BOOST_TEST_REQUIRE(ms.size() == 1u);
  }
  BOOST_TEST(m->re2_dfa_checks() == 0u);
  BOOST_TEST(m->re2_runs() == 200u);
}

BOOST_AUTO_TEST_CASE(
    an_unanchored_pattern_runs_from_its_leading_literal_and_finds_the_leftmost_match) {
  // 'port[' starts every match: RE2 runs anchored at each occurrence until one matches.
  // The first two occurrences do not match; the third does.
  auto rs = load(R"(rules:
  - id: link
    title: link state
    severity: low
    match: {regex: 'port\[(?P<n>\d+)\] (?P<state>up|down)'}
)");
  BOOST_TEST(rs->rules()[0].steps[0].patterns[0].lead == "port[");
  auto m = matcher(rs);
  auto ms = m->match_message("port[x] port[1] bad port[2] up port[3] down", "kernel",
                             AssetClass::kServer);
  BOOST_TEST_REQUIRE(ms.size() == 1u);
  BOOST_TEST(fields_of(ms[0]).at("n") == "2");
  BOOST_TEST(fields_of(ms[0]).at("state") == "up");
  // More occurrences than are tried anchored: the rest of the line is searched at once.
  ms = m->match_message("port[a] port[b] port[c] port[d] port[e] port[f] port[7] down", "kernel",
                        AssetClass::kServer);
  BOOST_TEST_REQUIRE(ms.size() == 1u);
  BOOST_TEST(fields_of(ms[0]).at("n") == "7");
  BOOST_TEST(m->match_message("port[1] sideways port[2]", "kernel", AssetClass::kServer).empty());
}

BOOST_AUTO_TEST_CASE(runs_from_the_leading_literal_give_what_re2_searching_the_line_gives) {
  // Random lines made of pieces that start, continue and break the patterns, against RE2
  // searching each whole line: same lines matched, same fields.
  const std::vector<std::string> patterns = {
      R"(ab(?P<x>\d+)(?P<y>ab|a)?)", R"(ab\[(?P<x>[^\]]*)\]:? (?P<y>\w+))",
      R"(a b (?P<x>\S+) (?P<y>b+)$)", R"(ab(?P<x>a*)b(?P<y>\d*)\b)"};
  std::string yaml = "rules:\n";
  for (size_t i = 0; i < patterns.size(); ++i) {
    yaml += "  - id: r" + std::to_string(i) +
            "\n    title: t\n    severity: low\n    match: {regex: '" + patterns[i] + "'}\n";
  }
  auto rs = load(yaml);
  for (size_t i = 0; i < patterns.size(); ++i)
    BOOST_TEST(!rs->rules()[i].steps[0].patterns[0].lead.empty());
  auto m = matcher(rs);
  RE2::Options o;
  o.set_encoding(RE2::Options::EncodingLatin1);
  std::vector<std::unique_ptr<RE2>> res;
  for (const auto& p : patterns) res.push_back(std::make_unique<RE2>(p, o));
  const std::vector<std::string> pieces = {"ab", "a", "b", " ",    "1",   "22", "[",
                                           "]",  ":", "x", "a b ", "ab[", "bb"};
  std::mt19937 rng(11);
  size_t matched = 0;
  for (int n = 0; n < 3000; ++n) {
    std::string line;
    const int len = 1 + static_cast<int>(rng() % 14);
    for (int k = 0; k < len; ++k) line += pieces[rng() % pieces.size()];
    std::map<std::string, std::map<std::string, std::string>> want;
    for (size_t i = 0; i < patterns.size(); ++i) {
      re2::StringPiece g[3];
      if (!res[i]->Match(line, 0, line.size(), RE2::UNANCHORED, g, 3)) continue;
      auto& f = want["r" + std::to_string(i)];
      if (g[1].data() != nullptr) f["x"] = std::string(g[1].data(), g[1].size());
      if (g[2].data() != nullptr) f["y"] = std::string(g[2].data(), g[2].size());
    }
    std::map<std::string, std::map<std::string, std::string>> got;
    for (const Match& x : m->match_message(line, "app", AssetClass::kServer))
      got[rs->rules()[x.rule].id] = fields_of(x);
    BOOST_TEST_CONTEXT(line) { BOOST_TEST((got == want)); }
    matched += want.size();
  }
  BOOST_TEST(matched > 500u);  // the pieces make the patterns match often enough to tell
}

BOOST_AUTO_TEST_CASE(flags_after_the_leading_literal_apply_only_to_what_follows) {
  auto rs = load(R"(rules:
  - id: link
    title: link state
    severity: low
    match: {regex: 'port (?i)(?P<state>up|down)'}
)");
  BOOST_TEST(rs->rules()[0].steps[0].patterns[0].lead == "port ");
  auto m = matcher(rs);
  const auto ms = m->match_message("PORT up, port DOWN", "kernel", AssetClass::kServer);
  BOOST_TEST_REQUIRE(ms.size() == 1u);
  BOOST_TEST(fields_of(ms[0]).at("state") == "DOWN");
  BOOST_TEST(m->match_message("PORT UP", "kernel", AssetClass::kServer).empty());
}

BOOST_AUTO_TEST_CASE(
    fields_come_from_the_whole_pattern_when_its_start_alone_would_choose_otherwise) {
  // The fields are taken from the part of the pattern up to its last named group, and the
  // rest only asked whether it goes on from there. Where the start's first choice does not
  // let the rest match, the whole pattern decides, as RE2 alone would.
  auto m = matcher(load(R"(rules:
  - id: split.fields
    title: split
    severity: low
    match:
      regex: ['^(?P<f>\w+?) from (?P<src_ip>[\d.]+?)(?:\.9)? port$']
)"));
  // First choice 192.0.2.1, the rest " port$" goes on from there.
  auto ms = m->match_message("ab from 192.0.2.1 port", "x", AssetClass::kServer);
  BOOST_TEST_REQUIRE(ms.size() == 1u);
  BOOST_TEST(fields_of(ms[0])["f"] == "ab");
  BOOST_TEST(fields_of(ms[0])["src_ip"] == "192.0.2.1");
  // First choice "1", the rest cannot go on from it: the whole pattern takes 192.0.2
  // (and ".9" as the optional part), as RE2 on the whole pattern does.
  ms = m->match_message("ab from 192.0.2.9 port", "x", AssetClass::kServer);
  BOOST_TEST_REQUIRE(ms.size() == 1u);
  std::string whole_ip;
  BOOST_TEST_REQUIRE(RE2::FullMatch("ab from 192.0.2.9 port",
                                    R"(^(?:\w+?) from ([\d.]+?)(?:\.9)? port$)", &whole_ip));
  BOOST_TEST(fields_of(ms[0])["src_ip"] == whole_ip);
  BOOST_TEST(whole_ip == "192.0.2");
  // The start matches, the rest does not: no match.
  BOOST_TEST(m->match_message("ab from 192.0.2.1 port x", "x", AssetClass::kServer).empty());
  // A pattern whose last field takes what the rest needs misses every time; once the
  // matcher stops cutting it, the fields are still the whole pattern's.
  auto greedy = matcher(load(R"(rules:
  - id: split.greedy
    title: greedy
    severity: low
    match:
      regex: ['^login failed for (?P<user>[^|]+)\.$']
)"));
  for (int i = 0; i < 100; ++i) {
    const std::string user = "user" + std::to_string(i) + ".x";
    auto g = greedy->match_message("login failed for " + user + ".", "x", AssetClass::kServer);
    BOOST_TEST_REQUIRE(g.size() == 1u);
    BOOST_TEST(fields_of(g[0])["user"] == user);
  }
}
