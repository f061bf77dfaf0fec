// The matcher scans the lines of a batch that share a database in one Hyperscan call over
// the lines joined by '\n'. Each case checks that this gives exactly the matches of scanning
// every line alone, on the shapes where joining could go wrong: patterns whose classes or
// anchors would reach across the joining newline, messages that hold a newline themselves,
// patterns that match at every byte, and batches mixing programs and classes.
#include <algorithm>
#include <boost/test/unit_test.hpp>
#include <filesystem>
#include <string>
#include <tuple>
#include <vector>

#include "detect/matcher.h"
#include "test_events.h"

using namespace wardsoc;
using namespace wardsoc::testing;

namespace {

std::shared_ptr<const RuleSet> load(std::string_view yaml, LoadOptions lo = {}) {
  LoadReport report;
  auto set = RuleSet::LoadFromString(yaml, "joined.yaml", &report, lo);
  BOOST_TEST_REQUIRE(set.ok(), report.to_string());
  return *set;
}

using Found = std::tuple<uint32_t, std::string, std::vector<std::pair<std::string, std::string>>>;

std::vector<Found> run(const std::shared_ptr<const RuleSet>& rs, const EventBatch& b, bool join,
                       uint64_t* joined_lines = nullptr, uint64_t* fallbacks = nullptr) {
  MatcherOptions o;
  o.join_lines = join;
  auto m = std::move(Matcher::Create(rs, o).value());
  std::vector<Match> out;
  m->scan(b, 0, b.size(), &out);
  std::vector<Found> f;
  for (const Match& x : out) {
    f.emplace_back(
        x.event, rs->rules()[x.rule].id,
        std::vector<std::pair<std::string, std::string>>(x.fields.begin(), x.fields.end()));
  }
  if (joined_lines != nullptr) *joined_lines = m->joined_lines();
  if (fallbacks != nullptr) *fallbacks = m->joined_fallbacks();
  return f;
}

// Matches as (event, rule id) only.
std::vector<std::pair<uint32_t, std::string>> hits(const std::vector<Found>& f) {
  std::vector<std::pair<uint32_t, std::string>> h;
  for (const auto& [e, id, fields] : f) h.emplace_back(e, id);
  return h;
}

void add_all(EventBatch& b, const std::vector<std::string>& lines, std::string_view app = "app") {
  for (const std::string& l : lines) add_event(b, {.message = l, .time_us = kT0, .app = app});
}

std::string rule(std::string_view id, std::string_view regex) {
  return "  - id: " + std::string(id) + "\n    title: t\n    severity: low\n    match: {regex: '" +
         std::string(regex) + "'}\n";
}

}  // namespace

BOOST_AUTO_TEST_CASE(classes_and_anchors_do_not_reach_across_the_joining_newline) {
  // Exact in Hyperscan (no captures): a joined hit is taken without RE2, so the joined form
  // itself must keep '\n' out of \s, [^...], \D, \W and read ^ $ \A \z per line.
  const std::string yaml = "rules:\n" + rule("space", R"(tail\shead)") +
                           rule("negated", R"(tail[^x]+head)") + rule("nondigit", R"(tail\Dhead)") +
                           rule("nonword", R"(tail\Whead)") + rule("start", "^head") +
                           rule("end", "tail$") + rule("start_text", R"(\Ahead)") +
                           rule("end_text", R"(tail\z)");
  auto rs = load(yaml);
  BOOST_TEST(rs->joined_database_count() == 1u);
  EventBatch b;
  add_all(b, {"x tail", "head y", "x tail", "head y", "tail head", "no", "head", "tail",
              "mid head tail mid"});
  uint64_t joined = 0;
  const auto j = run(rs, b, true, &joined);
  BOOST_TEST(joined == b.size());  // every line went through the joined scan
  const std::vector<std::pair<uint32_t, std::string>> want = {
      {0, "end"},   {0, "end_text"},   {1, "start"},    {1, "start_text"},
      {2, "end"},   {2, "end_text"},   {3, "start"},    {3, "start_text"},
      {4, "space"}, {4, "negated"},    {4, "nondigit"}, {4, "nonword"},
      {6, "start"}, {6, "start_text"}, {7, "end"},      {7, "end_text"}};
  auto sorted = [](std::vector<std::pair<uint32_t, std::string>> v) {
    std::sort(v.begin(), v.end());
    return v;
  };
  BOOST_TEST(sorted(hits(j)) == sorted(want));
  BOOST_TEST(hits(j) == hits(run(rs, b, false)));
}

BOOST_AUTO_TEST_CASE(a_pattern_that_can_match_a_newline_is_confirmed_on_its_line) {
  // These can match '\n' itself, so in joined lines they may span two: RE2 decides.
  const std::string yaml = "rules:\n" + rule("lf", R"(tail\nhead)") +
                           rule("range", R"(tail[\x00-\x7f]head)") +
                           rule("dotall", R"((?s)tail.head)");
  auto rs = load(yaml);
  BOOST_TEST(rs->joined_database_count() == 1u);
  EventBatch b;
  add_all(b, {"x tail", "head y", "x tail", "head y", "tail-head", "z"});
  const auto j = run(rs, b, true);
  const std::vector<std::pair<uint32_t, std::string>> want = {{4, "range"}, {4, "dotall"}};
  auto h = hits(j);
  std::sort(h.begin(), h.end());
  auto w = want;
  std::sort(w.begin(), w.end());
  BOOST_TEST(h == w);
  BOOST_TEST(hits(j) == hits(run(rs, b, false)));
}

BOOST_AUTO_TEST_CASE(a_message_holding_a_newline_is_scanned_alone) {
  const std::string yaml =
      "rules:\n" + rule("lf", R"(tail\nhead)") + rule("start", "^head") + rule("end", "tail$");
  auto rs = load(yaml);
  EventBatch b;
  add_all(b, {"a tail", "one tail\nhead two", "head b", "c", "d"});
  uint64_t joined = 0;
  const auto j = run(rs, b, true, &joined);
  BOOST_TEST(joined == 4u);
  // Line 1 matches tail\nhead, but not ^head or tail$: RE2's ^ and $ are the text's ends.
  const std::vector<std::pair<uint32_t, std::string>> want = {{0, "end"}, {1, "lf"}, {2, "start"}};
  BOOST_TEST(hits(j) == want);
  BOOST_TEST(hits(j) == hits(run(rs, b, false)));
}

BOOST_AUTO_TEST_CASE(captures_and_not_patterns_agree_with_lines_scanned_alone) {
  const std::string yaml =
      "rules:\n"
      "  - id: ssh.failed\n    title: t\n    severity: high\n    programs: [sshd]\n"
      "    match:\n      regex: ['^Failed (?P<method>\\S+) for (?:invalid user )?(?P<user>\\S+) "
      "from (?P<ip>\\S+) port "
      "\\d+']\n      not: ['^Failed publickey ']\n"
      "  - id: word\n    title: t\n    severity: low\n    match: {contains: ['refused']}\n"
      "  - id: cam\n    title: t\n    severity: low\n    sources: [camera]\n    match: {regex: "
      "'(?i)^tamper'}\n";
  auto rs = load(yaml);
  BOOST_TEST(rs->joined_database_count() >= 2u);
  EventBatch b;
  // Programs and classes interleave: each database gets its own joined scan, and the
  // matches still come in event order.
  for (int i = 0; i < 40; ++i) {
    const std::string n = std::to_string(i);
    add_event(b, {.message = "Failed password for u" + n + " from 10.0.0." + n + " port 22 ssh2",
                  .app = "sshd"});
    add_event(b, {.message = "Failed publickey for u" + n + " from 10.0.0." + n + " port 22 ssh2",
                  .app = "sshd"});
    add_event(b, {.message = "connection refused " + n, .app = "nginx"});
    add_event(b, {.message = "Tamper detected " + n, .app = "cam", .cls = AssetClass::kCamera});
    add_event(b, {.message = "Failed password for u" + n + " from 10.0.0." + n + " port 22 ssh2",
                  .app = "other"});
  }
  uint64_t joined = 0;
  const auto j = run(rs, b, true, &joined);
  BOOST_TEST(joined == b.size());
  BOOST_TEST(j.size() == 120u);
  BOOST_TEST(j == run(rs, b, false));
  BOOST_TEST(std::get<0>(j[0]) == 0u);
  BOOST_TEST(std::get<2>(j[0]) == (std::vector<std::pair<std::string, std::string>>{
                                      {"method", "password"}, {"user", "u0"}, {"ip", "10.0.0.0"}}));
}

BOOST_AUTO_TEST_CASE(a_pattern_matching_at_every_byte_falls_back_to_lines_alone) {
  // Joined, 'aa' is reported at every byte of a run of a's (one line alone reports it
  // once): the scan stops and the rest of the chunk goes line by line, same matches.
  const std::string yaml = "rules:\n" + rule("run", "aa") + rule("end", "z$");
  auto rs = load(yaml);
  EventBatch b;
  std::vector<std::string> lines;
  for (int i = 0; i < 20; ++i) lines.push_back(i % 2 == 0 ? std::string(3000, 'a') : "b z");
  add_all(b, lines);
  uint64_t joined = 0, fallbacks = 0;
  const auto j = run(rs, b, true, &joined, &fallbacks);
  BOOST_TEST(fallbacks >= 1u);
  BOOST_TEST(joined < b.size());
  BOOST_TEST(j.size() == 20u);
  BOOST_TEST(hits(j) == hits(run(rs, b, false)));
}

BOOST_AUTO_TEST_CASE(lines_scanned_alone_and_rules_tried_on_every_line_keep_event_order) {
  // A rule without a pattern is tried on every line, joined or not. Camera lines have no
  // database (no rule for them has a pattern); long lines and lines holding a newline are
  // scanned alone; the rest are joined. However each line went, the matches are those of
  // line by line, in event order.
  const std::string yaml =
      "rules:\n"
      "  - id: word\n    title: t\n    severity: low\n    sources: [server]\n"
      "    match: {regex: 'refused (?P<n>\\d+)'}\n"
      "  - id: silent\n    title: t\n    severity: low\n    sources: [server, camera]\n"
      "    absence: {after: 15m}\n";
  auto rs = load(yaml);
  BOOST_TEST(rs->always_units().size() == 1u);
  EventBatch b;
  for (int i = 0; i < 30; ++i) {
    const std::string n = std::to_string(i);
    add_event(b, {.message = "connection refused " + n});
    add_event(b, {.message = "motion " + n, .cls = AssetClass::kCamera});
    add_event(b, {.message = "quiet " + n});
    if (i % 7 == 0) add_event(b, {.message = std::string(5000, 'x') + " refused " + n});
    if (i % 5 == 0) add_event(b, {.message = "refused " + n + "\nrefused 99"});
  }
  uint64_t joined = 0;
  const auto j = run(rs, b, true, &joined);
  BOOST_TEST(joined == 60u);  // the server lines that are neither long nor hold a newline
  BOOST_TEST(j.size() ==
             (30u + 5u + 6u) * 2 + 30u * 2);  // word and silent; silent on 'quiet' and camera
  BOOST_TEST(j == run(rs, b, false));
  BOOST_TEST(std::is_sorted(j.begin(), j.end(), [](const Found& x, const Found& y) {
    return std::get<0>(x) < std::get<0>(y);
  }));
}

BOOST_AUTO_TEST_CASE(a_pattern_that_can_match_empty_keeps_its_database_line_by_line) {
  const std::string yaml = "rules:\n" + rule("maybe", "x*") + rule("word", "hello");
  auto rs = load(yaml);
  BOOST_TEST(rs->joined_database_count() == 0u);
  EventBatch b;
  add_all(b, {"hello", "a", "b", "hello x", "c"});
  uint64_t joined = 0;
  const auto j = run(rs, b, true, &joined);
  BOOST_TEST(joined == 0u);
  BOOST_TEST(j.size() == 7u);
  BOOST_TEST(hits(j) == hits(run(rs, b, false)));
}

BOOST_AUTO_TEST_CASE(joined_databases_come_back_from_the_cache) {
  const auto dir = std::filesystem::temp_directory_path() /
                   ("wardsoc-joined-cache-" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  LoadOptions lo;
  lo.cache_dir = dir.string();
  const std::string yaml = "rules:\n" + rule("end", "tail$") + rule("start", "^head");
  auto cold = load(yaml, lo);
  auto warm = load(yaml, lo);
  BOOST_TEST(!cold->databases_from_cache());
  BOOST_TEST(warm->databases_from_cache());
  BOOST_TEST(warm->joined_database_count() == cold->joined_database_count());
  BOOST_TEST(warm->joined_database_count() == 1u);
  EventBatch b;
  add_all(b, {"a tail", "head b", "a tail", "head b", "a tail"});
  BOOST_TEST(hits(run(warm, b, true)) == hits(run(cold, b, false)));
  BOOST_TEST(run(warm, b, true).size() == 5u);
  std::filesystem::remove_all(dir);
}

BOOST_AUTO_TEST_CASE(a_newline_at_any_byte_of_a_message_of_any_length_is_found) {
  // The copy into the joined text looks for newlines 16 bytes at a time, the last 16
  // overlapping: every length and position must still be caught.
  const std::string yaml = "rules:\n" + rule("start", "^y") + rule("end", "y$");
  auto rs = load(yaml);
  EventBatch b;
  size_t plain = 0;
  for (size_t len = 1; len <= 40; ++len) {
    for (size_t pos : {size_t{0}, len / 2, len - 1}) {
      std::string m(len, 'x');
      m[pos] = '\n';
      if (pos + 1 < len) m[pos + 1] = 'y';  // "\ny": ^y would hit in joined text
      if (pos > 0) m[pos - 1] = 'y';        // "y\n": y$ would hit in joined text
      add_event(b, {.message = m, .time_us = kT0, .app = "app"});
      add_event(b, {.message = std::string(len, 'y'), .time_us = kT0, .app = "app"});
      ++plain;
    }
  }
  uint64_t joined = 0;
  const auto j = run(rs, b, true, &joined);
  BOOST_TEST(joined == plain);  // every message without a newline, none with one
  BOOST_TEST(hits(j) == hits(run(rs, b, false)));
  BOOST_TEST(j.size() >= 2 * plain);  // each plain line matches both rules
}
