// Runs the test lines that rule files carry (`tests: match / no_match`) through the real
// Matcher — Hyperscan and RE2, exactly as in production — and says what failed and why.
// Used by `wardsoc rules test`/`rules check` and by the unit tests of the rule packs.
// Pure function of the RuleSet; safe from any thread.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "rules/rule_set.h"

namespace wardsoc {

struct RuleTestFailure {
  std::string file;
  int line = 0;
  std::string rule_id;
  std::string message;
};

struct RuleTestReport {
  size_t rules = 0;  // rules that have at least one test line
  size_t cases = 0;
  size_t passed = 0;
  std::vector<RuleTestFailure> failures;
  std::vector<std::string> untested_rules;  // ids of rules without test lines

  bool ok() const { return failures.empty(); }
  // "file:line: rule-id: message" per failure, then a summary line.
  std::string to_string() const;
};

RuleTestReport run_rule_tests(const RuleSet& rules);

// A test line split the way ingest splits a file line, without depending on ingest:
// "Mmm dd hh:mm:ss [host] app[pid]: msg" (an optional <PRI>, an RFC 3339 timestamp instead
// of the BSD one, and a missing host are accepted), or an RFC 5424 line; anything else is
// all message with no app.
struct TestLine {
  std::string_view host;
  std::string_view app;
  std::string_view message;
};
TestLine split_test_line(std::string_view line);

}  // namespace wardsoc
