// LogTester: runs log lines through the real Matcher and Correlator, line by line, and
// says for each line which rules matched (with their fields and how far their aggregation
// got: "3 of 5", "incident created"), and for near misses where they stopped (program
// not listed, the prefilter's literal absent, the regex, a `not` pattern, a `where`
// condition with the field's value). The engine behind `wardsoc rules test --log`.
// Single-threaded; one tester per run.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/event.h"
#include "core/result.h"
#include "detect/correlator.h"
#include "detect/matcher.h"
#include "rules/rule_set.h"

namespace wardsoc {

struct LogTesterOptions {
  int rule = -1;         // only this rule (index in RuleSet::rules()), -1 = every rule
  bool explain = false;  // explain near misses (slower)
  std::vector<std::string> input_names{};
  bool include_disabled = true;  // a rule is tried before it is switched on
};

struct LineHit {
  uint32_t rule = 0;
  uint32_t step = 0;
  std::vector<std::pair<std::string, std::string>> fields;
  MatchOutcome outcome;
};

struct NearMiss {
  uint32_t rule = 0;
  uint32_t step = 0;
  Explanation why;
};

struct LineResult {
  uint32_t event = 0;  // index in the batch
  std::vector<LineHit> hits;
  std::vector<NearMiss> near_misses;  // with explain only
};

struct RuleHitCount {
  uint64_t matches = 0;
  uint64_t incidents = 0;
};

class LogTester {
 public:
  static Result<std::unique_ptr<LogTester>> Create(const std::shared_ptr<const RuleSet>& rules,
                                                   const LogTesterOptions& options);

  // One result per event of the batch, in order. Incidents opened are appended to *changes.
  void process(const EventBatch& batch, std::vector<LineResult>* out,
               std::vector<IncidentChange>* changes);
  // The lines have ended: decides the fixed windows still open (count conditions with an
  // upper bound); the incidents they open are appended to *changes and counted in tallies().
  void finish(std::vector<IncidentChange>* changes);

  const std::vector<RuleHitCount>& tallies() const { return tallies_; }
  uint64_t lines() const { return lines_; }
  uint64_t unmatched_lines() const { return unmatched_; }

 private:
  LogTester(const std::shared_ptr<const RuleSet>& rules, LogTesterOptions options);
  void tally_closed_windows(const std::vector<IncidentChange>& changes, size_t first);

  std::shared_ptr<const RuleSet> rules_;
  LogTesterOptions options_;
  std::unique_ptr<Matcher> matcher_;
  Correlator correlator_;
  std::vector<RuleHitCount> tallies_;
  std::vector<Match> matches_;
  std::vector<MatchOutcome> trace_;
  uint64_t lines_ = 0;
  uint64_t unmatched_ = 0;
};

}  // namespace wardsoc
