// Matcher: finds which rules match which events of a batch. Hyperscan scans each event's
// message once with the database of the event's asset class and program: the messages of a
// batch that share a database are joined by '\n' and scanned together with its joined-lines
// form (one call for up to 64 KiB of lines instead of one per line, which costs several
// times the scan of a short line), each hit mapped back to its line; a message holding a
// newline, a long one, or a database without that form is scanned alone. Hits are checked
// against the rule's sources, inputs and programs, confirmed by RE2 where needed, filtered by the
// rule's `not` patterns and `where` conditions, and their named captures extracted. A step with
// `fields: json|kv` reads the event's own fields (detect/event_fields.h) once per event, when
// its first condition names one. One
// Matcher per thread: it owns a Hyperscan scratch cloned from the RuleSet's prototype, and
// scan() allocates nothing except the Matches it returns. Hyperscan and RE2 stay in
// matcher.cc (Matcher::Impl): each call here reaches them through one pointer, once per
// call, never per line.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/event.h"
#include "core/result.h"
#include "detect/match_fields.h"
#include "rules/rule_set.h"

namespace wardsoc {

struct Match {
  uint32_t event = 0;  // index in the batch
  uint32_t rule = 0;   // index in RuleSet::rules()
  uint32_t step = 0;   // index in Rule::steps (0 but for sequences)
  // Named captures of the pattern that matched, in group order; a group that took no part
  // in the match is left out, one that matched nothing is present and empty.
  MatchFields fields;
};

struct MatcherOptions {
  // Also match rules with `enabled: false` (the rule test runner tests them before they are
  // switched on).
  bool include_disabled = false;
  // Input names by Event::input: rules that name inputs in `sources` match only events
  // from those inputs, and `where` conditions on the built-in field `input` see the name.
  std::vector<std::string> input_names{};
  // Scan the lines of a batch that share a database in one Hyperscan call (see above);
  // false scans every line alone (same matches; for comparisons).
  bool join_lines = true;
};

// Why a rule did or did not match one line, for `wardsoc rules test --explain`.
struct Explanation {
  enum class Stage : uint8_t {
    kDisabled,   // enabled: false
    kSource,     // the line's asset class or input is not in the rule's sources
    kProgram,    // the line's program is not in the rule's programs
    kPrefilter,  // Hyperscan found none of the rule's patterns
    kRegex,      // a Hyperscan candidate that RE2 did not confirm, or an RE2-only miss
    kExcluded,   // a `not` pattern matched
    kWhere,      // a `where` condition was false
    kMatched,
  };
  Stage stage = Stage::kPrefilter;
  std::string message;
  std::vector<std::pair<std::string, std::string>> fields;  // captures, when a pattern matched
};

std::string_view explanation_stage_name(Explanation::Stage s);

class Matcher {
 public:
  static Result<std::unique_ptr<Matcher>> Create(std::shared_ptr<const RuleSet> rules,
                                                 MatcherOptions options = {});
  ~Matcher();
  Matcher(const Matcher&) = delete;
  Matcher& operator=(const Matcher&) = delete;

  // Appends the matches of events [begin, end) to *out, ordered by event, then by rule and
  // step.
  void scan(const EventBatch& batch, size_t begin, size_t end, std::vector<Match>* out);

  // One message as if it came in an event of the given program and asset class; for tests
  // and the rule test runner.
  std::vector<Match> match_message(std::string_view message, std::string_view app, AssetClass cls);

  // Follows one event through every stage for one match step (RuleSet::units() index) and
  // says where it stopped. Slow; for the tools only.
  Explanation explain(const EventBatch& batch, uint32_t event, uint32_t unit);
  // Units that Hyperscan (or the always-tried list) put forward for the event: the rules
  // that came close enough to be worth explaining.
  std::vector<uint32_t> candidates(const EventBatch& batch, uint32_t event);

  const RuleSet& rules() const { return *rules_; }
  uint64_t events_scanned() const;
  uint64_t scan_errors() const;
  // RE2 runs that took fields (or confirmed a pattern without fields), and runs of RE2's
  // DFA alone that ruled a line out before that (a pattern that mostly fails is asked the
  // cheap question first).
  uint64_t re2_runs() const;
  uint64_t re2_dfa_checks() const;
  // Lines whose hits came from a joined scan, and joined scans cut short (too many repeated
  // hits, like a pattern that matches at every byte of a long run) whose rest went line by line.
  uint64_t joined_lines() const;
  uint64_t joined_fallbacks() const;
  // Events whose own fields a `fields: json|kv` step read, and those among them whose JSON
  // object was missing or did not parse (their event-field conditions were all false).
  uint64_t events_with_fields() const;
  uint64_t field_errors() const;

 private:
  class Impl;  // the scratch, the per-line bookkeeping and every stage (matcher.cc)
  Matcher(std::shared_ptr<const RuleSet> rules, std::unique_ptr<Impl> impl);

  std::shared_ptr<const RuleSet> rules_;
  std::unique_ptr<Impl> impl_;
};

// Evaluates a `where` condition on a value; exposed for the tools' explanations.
bool condition_holds(const RuleSet& rules, const Condition& c, std::string_view value);

// Finds a field's value for `where`; false when the line has no such field.
using FieldLookup = std::function<bool(const std::string& name, std::string_view* value)>;

// Evaluates a whole condition (an any/all/not node, exists, field_equals, or a leaf on the
// value `lookup` finds for its field).
bool where_holds(const RuleSet& rules, const Condition& c, const FieldLookup& lookup);

}  // namespace wardsoc
