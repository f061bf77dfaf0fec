// Matcher: finds which rules match which events of a batch. Hyperscan scans each event's
// message once with the database of the event's asset class and program: the messages of a
// batch that share a database are joined by '\n' and scanned together with its joined-lines
// form (one call for up to 64 KiB of lines instead of one per line, which costs several
// times the scan of a short line), each hit mapped back to its line; a message holding a
// newline, a long one, or a database without that form is scanned alone. Hits are checked
// against the rule's sources, inputs and programs, confirmed by RE2 where needed, filtered by the
// rule's `not` patterns and `where` conditions, and their named captures extracted. One
// Matcher per thread: it owns a Hyperscan scratch cloned from the RuleSet's prototype, and
// scan() allocates nothing except the Matches it returns.
#pragma once

#include <hs/hs.h>
#include <re2/re2.h>

#include <array>
#include <boost/container/small_vector.hpp>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/event.h"
#include "core/result.h"
#include "rules/rule_set.h"

namespace wardsoc {

// The named captures of one match, held in the Match itself up to three: most rules take a
// few fields, and a heap block per match cost more than the rest of its bookkeeping.
using MatchFields = boost::container::small_vector<std::pair<std::string, std::string>, 3>;

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
  std::vector<std::string> input_names;
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
  uint64_t events_scanned() const { return events_scanned_; }
  uint64_t scan_errors() const { return scan_errors_; }
  // RE2 runs that took fields (or confirmed a pattern without fields), and runs of RE2's
  // DFA alone that ruled a line out before that (see ConfirmTally below).
  uint64_t re2_runs() const { return re2_runs_; }
  uint64_t re2_dfa_checks() const { return re2_dfa_checks_; }
  // Lines whose hits came from a joined scan, and joined scans cut short (too many repeated
  // hits, like a pattern that matches at every byte of a long run) whose rest went line by line.
  uint64_t joined_lines() const { return joined_lines_; }
  uint64_t joined_fallbacks() const { return joined_fallbacks_; }

 private:
  explicit Matcher(std::shared_ptr<const RuleSet> rules, MatcherOptions options);
  static int on_hit(unsigned int id, unsigned long long from, unsigned long long to,
                    unsigned int flags, void* context);
  static int on_joined_hit(unsigned int id, unsigned long long from, unsigned long long to,
                           unsigned int flags, void* context);
  // The database index (RuleSet::database_index) for the event; -1 = none.
  int database_for(const EventBatch& batch, const Event& e);
  // Per-line candidate bookkeeping: begin_line(), note_hit() per Hyperscan hit, end_line()
  // adds the always-tried units and sorts.
  void begin_line();
  void note_hit(uint32_t expression);
  void end_line();
  // Runs Hyperscan over the event and fills candidates_ (sorted) with the units to try.
  void find_candidates(const EventBatch& batch, const Event& e, std::string_view text);
  void scan_event(const EventBatch& batch, uint32_t index, std::vector<Match>* out);
  // The joined scan of events [begin, end): fills hit_lines_ with the joined lines that had
  // hits and alone_ with the lines to scan alone, both in event order.
  void joined_scan(const EventBatch& batch, size_t begin, size_t end);
  void scan_chunk(const hs_database_t* db);
  struct HitLine;
  // Asks the memory for what evaluating a line with hits will read (see scan()).
  void prefetch_line(const EventBatch& batch, const HitLine& h);
  // Checks candidates_ for the event and appends its matches.
  void evaluate_candidates(const EventBatch& batch, uint32_t index, std::string_view text,
                           std::vector<Match>* out);
  // RE2 on the text: the expression's leftmost match and its groups (n of them).
  bool run_re2(uint32_t expression, std::string_view text, re2::StringPiece* groups, int n);
  // Whether an expression matches the current event: Hyperscan's word for exact patterns,
  // else RE2's, asked once per expression and event (several rules share patterns).
  bool expression_matches(uint32_t expression, std::string_view text);
  bool pattern_matches(const RulePattern& p, std::string_view text) {
    return expression_matches(p.expression, text);
  }
  // The pattern that matches (nullptr if none); its groups are at groups_of(p).
  const RulePattern* first_pattern(const MatchStep& step, std::string_view text);
  const re2::StringPiece* groups_of(const RulePattern& p) const {
    return groups_.data() + expressions_[p.expression].group_offset;
  }
  struct Unit;
  bool evaluate(const Unit& unit, const EventBatch& batch, const Event& e, std::string_view text,
                Match* match);
  // The value of a field for `where`: a capture, else a built-in field. False if absent.
  bool field_value(const std::string& name, const Match& m, const EventBatch& batch, const Event& e,
                   std::string_view* out) const;
  bool condition_holds(const Condition& c, std::string_view value) const;

  std::shared_ptr<const RuleSet> rules_;
  MatcherOptions options_;
  hs_scratch_t* scratch_ = nullptr;
  // Per rule: which inputs it accepts (empty = all), by Event::input.
  std::vector<std::vector<uint8_t>> input_allowed_;
  // Per-event bookkeeping, sized once: a stamp per Hyperscan pattern and per unit says
  // "hit in the current event" without clearing anything between events.
  uint32_t stamp_ = 0;
  std::vector<uint32_t> pattern_stamp_;  // by expression: Hyperscan reported it
  // By expression: how often RE2 was asked for its fields and how often it matched. A run
  // for fields costs the same whether it matches or not (RE2 backtracks, or builds its
  // one-pass state, over the line); for an expression that mostly fails, RE2's DFA is
  // asked first whether it matches at all, which is several times cheaper to say no.
  struct ConfirmTally {
    uint32_t asked = 0;
    uint32_t matched = 0;
  };
  // What checking a candidate needs, packed so that one costs a few cache lines rather than
  // a walk through Rule, MatchStep and RulePattern (which are large and, with many rules,
  // cold): by expression, its program and how to confirm it; by unit (match step), what
  // admits a line and which expressions it tries.
  struct alignas(64) Expression {
    const re2::RE2* re2 = nullptr;
    std::string_view lead;  // RulePattern::lead
    uint32_t hyperscan_id = kNoHyperscanId;
    uint32_t group_offset = 0;  // in groups_
    int groups = 0;             // groups RE2 fills (0 = none needed)
    uint32_t captures = 0;      // in captures_: the named groups, RulePattern::captures
    uint32_t capture_count = 0;
    uint32_t confirm_stamp = 0;  // RE2 was asked for the current event
    ConfirmTally tally;
    bool re2_only = false;
    bool needs_confirm = true;
    bool confirm_joined = true;
    bool confirmed = false;  // RE2's answer for the current event
  };
  std::vector<Expression> expressions_;
  std::vector<std::pair<std::string, int>> captures_;
  struct Unit {
    const Rule* rule = nullptr;
    const MatchStep* step = nullptr;
    uint32_t rule_index = 0;
    uint32_t step_index = 0;
    uint32_t sources = 0;  // Rule::sources
    uint32_t exprs = 0;    // in unit_exprs_: the patterns' expressions, then the exclusions'
    uint32_t patterns = 0;
    uint32_t exclusions = 0;
    bool enabled = true;
    bool inputs = false;    // the rule names inputs
    bool programs = false;  // the rule or step names programs
    bool where = false;     // the step has conditions
  };
  std::vector<Unit> units_;
  std::vector<uint32_t> unit_exprs_;
  std::vector<uint32_t> unit_stamp_;
  std::vector<uint32_t> candidates_;
  // Capture groups of each expression's last RE2 run, side by side.
  std::vector<re2::StringPiece> groups_;
  // The database of the last line's asset class and program; by class alone when no rule
  // names programs.
  bool programs_named_ = false;
  std::array<int, kAssetClassCount> class_db_{};
  bool db_cached_ = false;
  AssetClass cached_class_ = AssetClass::kServer;
  std::string cached_app_;
  int cached_db_ = -1;
  // The joined scan. A line's hits are recorded (expression ids, in hit_ids_) and replayed
  // when the line is evaluated, since the per-expression stamps hold one line at a time.
  bool any_joined_ = false;   // some database has a joined-lines form
  bool joined_line_ = false;  // the line being evaluated came from a joined scan
  struct HitLine {
    uint32_t event;
    uint32_t begin;  // its hits: hit_ids_[begin, begin + count)
    uint32_t count;
  };
  std::vector<HitLine> hit_lines_;
  std::vector<uint32_t> hit_ids_;
  std::vector<uint32_t> alone_;  // events not covered by a (complete) joined scan
  struct JoinedLine {
    uint32_t event;
    std::string_view text;
  };
  std::vector<std::vector<JoinedLine>> buckets_;  // by database index: lines to join
  std::unique_ptr<char[]> joined_buf_;            // kJoinedChunk + the longest line + '\n'
  std::vector<uint32_t> line_end_;                // by line of the chunk: offset of its end ('\n')
  std::vector<uint32_t> chunk_events_;            // by line of the chunk: the event
  struct ChunkHit {
    uint32_t line;
    uint32_t expression;
  };
  std::vector<ChunkHit> chunk_hits_;
  std::vector<uint32_t> joined_stamp_;  // by expression: chunk_serial_ + line + 1 of its last hit
  uint32_t chunk_serial_ = 0;
  uint32_t cur_line_ = 0;
  uint32_t repeats_ = 0;       // hits of a pattern already seen on its line, this chunk
  uint32_t repeat_limit_ = 0;  // beyond it, the rest of the chunk is scanned line by line
  bool out_of_order_ = false;
  uint64_t events_scanned_ = 0;
  uint64_t scan_errors_ = 0;
  uint64_t re2_runs_ = 0;
  uint64_t re2_dfa_checks_ = 0;
  uint64_t joined_lines_ = 0;
  uint64_t joined_fallbacks_ = 0;
};

// Evaluates a `where` condition on a value; exposed for the tools' explanations.
bool condition_holds(const RuleSet& rules, const Condition& c, std::string_view value);

// Finds a field's value for `where`; false when the line has no such field.
using FieldLookup = std::function<bool(const std::string& name, std::string_view* value)>;

// Evaluates a whole condition (an any/all/not node, exists, field_equals, or a leaf on the
// value `lookup` finds for its field).
bool where_holds(const RuleSet& rules, const Condition& c, const FieldLookup& lookup);

}  // namespace wardsoc
