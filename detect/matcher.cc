#include "detect/matcher.h"

#include <hs/hs.h>
#include <re2/re2.h>

#include <algorithm>
#include <array>
#include <charconv>

#include "core/text.h"
#include "detect/event_fields.h"
#include "detect/joined_copy.h"

namespace wardsoc {

namespace {

constexpr uint32_t kTallyWarmup = 32;    // RE2 runs for fields before the tally is trusted
constexpr uint32_t kSplitWarmup = 32;    // runs of a pattern's head before it may be given up
constexpr uint32_t kTallyWindow = 1024;  // lines the tally remembers, roughly
// Joined scans: bytes of lines per Hyperscan call (the chunk stays in the core's cache), the
// longest line worth joining, and the fewest lines of one database worth it.
constexpr size_t kJoinedChunk = 64 * 1024;
constexpr size_t kJoinedLineMax = 4096;
constexpr size_t kJoinedMinLines = 4;
// Messages ahead of the one being copied into the joined text whose bytes are asked for.
constexpr size_t kCopyAhead = 8;
// Repeated hits (a pattern already seen on its line) allowed per chunk before the rest of
// it is scanned line by line: a joined scan reports every match, one per line does not.
constexpr uint32_t kRepeatsPerLine = 4;
constexpr uint32_t kRepeatsPerChunk = 1024;
// Occurrences of a pattern's leading literal tried anchored before one unanchored search
// takes the rest of the line.
constexpr int kLeadTries = 4;

// The text patterns run on: the syslog message. A non-syslog event's message is the whole
// line; if an input left the message span empty on such a line, fall back to the raw bytes.
std::string_view event_text(const EventBatch& batch, const Event& e) {
  if (e.header.format == SyslogFormat::kNone && e.header.message.empty()) return batch.raw(e);
  return batch.message(e);
}

bool parse_number(std::string_view s, double* out) {
  while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
  while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
  if (!s.empty() && s.front() == '+') s.remove_prefix(1);
  if (s.empty()) return false;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), *out);
  return ec == std::errc() && p == s.data() + s.size();
}

std::string quote(std::string_view s) { return "'" + std::string(s) + "'"; }

std::string join_names(const std::vector<std::string>& v) {
  std::string s;
  for (const auto& x : v) s += (s.empty() ? "" : ", ") + x;
  return s;
}

}  // namespace

// Everything a Matcher owns and does. Callers reach it once per call to Matcher; inside, the
// per-line loop calls its own members only.
class Matcher::Impl {
 public:
  static Result<std::unique_ptr<Impl>> Create(std::shared_ptr<const RuleSet> rules,
                                              MatcherOptions options);
  ~Impl();
  Impl(const Impl&) = delete;
  Impl& operator=(const Impl&) = delete;

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
  uint64_t events_with_fields() const { return events_with_fields_; }
  uint64_t field_errors() const { return field_errors_; }

 private:
  Impl(std::shared_ptr<const RuleSet> rules, MatcherOptions options);
  static int on_hit(unsigned int id, unsigned long long from, unsigned long long to,
                    unsigned int flags, void* context);
  static int on_joined_hit(unsigned int id, unsigned long long from, unsigned long long to,
                           unsigned int flags, void* context);
  // The database index (RuleSet::database_index) for the event; -1 = none.
  int database_for(const EventBatch& batch, const Event& e);
  // The JSON-literal database to scan the event's JSON text with, when it has one and that
  // text is not inside `text` (what the main database scans); null otherwise.
  const hs_database_t* json_database_for(const EventBatch& batch, const Event& e,
                                         std::string_view text) const;
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
  bool run_anchored(uint32_t expression, const re2::StringPiece& input, size_t at,
                    re2::StringPiece* groups, int n);
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
  // The event's own fields for a step with `fields:` (kNone: null), read at most once per
  // event and kind; a JSON body that does not parse gives an empty index (and is counted).
  const EventFieldIndex* event_fields(EventFields kind, const EventBatch& batch, const Event& e);
  // What holds() looks fields up with: a capture, a built-in field, then (for a step with
  // `fields:`) the event's fields.
  class Lookup {
   public:
    Lookup(Impl* impl, const MatchStep& step, const Match& m, const EventBatch& batch,
           const Event& e)
        : impl_(impl), kind_(step.fields), m_(m), batch_(batch), e_(e) {}
    bool has(const std::string& name) const {
      std::string_view v;
      if (impl_->field_value(name, m_, batch_, e_, &v)) return true;
      const EventFieldIndex* ix = impl_->event_fields(kind_, batch_, e_);
      return ix != nullptr && ix->has(name);
    }
    template <class Pred>
    bool any(const std::string& name, Pred&& pred) const {
      std::string_view v;
      if (impl_->field_value(name, m_, batch_, e_, &v)) return pred(v);
      const EventFieldIndex* ix = impl_->event_fields(kind_, batch_, e_);
      return ix != nullptr && ix->any_value(name, pred);
    }

   private:
    Impl* impl_;
    EventFields kind_;
    const Match& m_;
    const EventBatch& batch_;
    const Event& e_;
  };

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
  // By expression: RulePattern::head and tail, used only for runs that take fields (kept
  // out of Expression, which is read for every candidate). starts_anchored: the pattern
  // starts with '^', so a search from the line's start is a run anchored there.
  // tried/missed: head runs, and those after which the tail did not go on (the whole
  // pattern ran too). A head whose last group takes what the tail needs (`(?P<user>[^|]+)`
  // before `\.$`) makes every run a miss: the split is then given up for that expression.
  struct Split {
    const re2::RE2* head = nullptr;
    const re2::RE2* tail = nullptr;
    bool starts_anchored = false;
    uint32_t tried = 0;
    uint32_t missed = 0;
  };
  std::vector<Split> splits_;
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
  bool has_json_db_ = false;  // some rule has literals derived for `fields: json`
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
  // The event fields of the current event (stamp_), one index per kind.
  EventFieldIndex json_fields_;
  EventFieldIndex kv_fields_;
  uint32_t json_stamp_ = 0;
  uint32_t kv_stamp_ = 0;
  uint64_t events_with_fields_ = 0;
  uint64_t field_errors_ = 0;
};

std::string_view explanation_stage_name(Explanation::Stage s) {
  switch (s) {
    case Explanation::Stage::kDisabled:
      return "disabled";
    case Explanation::Stage::kSource:
      return "sources";
    case Explanation::Stage::kProgram:
      return "programs";
    case Explanation::Stage::kPrefilter:
      return "prefilter";
    case Explanation::Stage::kRegex:
      return "regex";
    case Explanation::Stage::kExcluded:
      return "not";
    case Explanation::Stage::kWhere:
      return "where";
    case Explanation::Stage::kMatched:
      return "matched";
  }
  return "unknown";
}

namespace {

bool same_text(std::string_view a, std::string_view b, bool nocase) {
  if (!nocase) return a == b;
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return ascii_lower(x) == ascii_lower(y);
         });
}

bool has_text(std::string_view hay, std::string_view needle, bool nocase) {
  if (!nocase) return hay.find(needle) != std::string_view::npos;
  auto it = std::search(hay.begin(), hay.end(), needle.begin(), needle.end(),
                        [](char x, char y) { return ascii_lower(x) == ascii_lower(y); });
  return it != hay.end();
}

}  // namespace

bool condition_holds(const RuleSet& rules, const Condition& c, std::string_view value) {
  using Op = Condition::Op;
  switch (c.op) {
    case Op::kEquals:
      return !c.values.empty() && same_text(value, c.values.front(), c.nocase);
    case Op::kNotEquals:
      return c.values.empty() || !same_text(value, c.values.front(), c.nocase);
    case Op::kIn:
    case Op::kNotIn: {
      const bool in = std::any_of(c.values.begin(), c.values.end(), [&](const std::string& v) {
        return same_text(value, v, c.nocase);
      });
      return c.op == Op::kIn ? in : !in;
    }
    case Op::kContains:
      return std::any_of(c.values.begin(), c.values.end(),
                         [&](const std::string& v) { return has_text(value, v, c.nocase); });
    case Op::kStartsWith:
      return std::any_of(c.values.begin(), c.values.end(), [&](const std::string& v) {
        return value.size() >= v.size() && same_text(value.substr(0, v.size()), v, c.nocase);
      });
    case Op::kEndsWith:
      return std::any_of(c.values.begin(), c.values.end(), [&](const std::string& v) {
        return value.size() >= v.size() &&
               same_text(value.substr(value.size() - v.size()), v, c.nocase);
      });
    case Op::kGlob:
      return c.glob_regex &&
             RE2::FullMatch(re2::StringPiece(value.data(), value.size()), *c.glob_regex);
    // Nodes and the conditions on presence are decided by where_holds, which knows the
    // fields; given a value, the field is present.
    case Op::kExists:
      return c.exists;
    case Op::kFieldEquals:
    case Op::kAll:
    case Op::kAny:
    case Op::kNot:
      return false;
    case Op::kCidr:
    case Op::kNotCidr: {
      const auto addr = parse_ip(value);
      // A value that is not an address is in no network; not_cidr holds for it only if it
      // is an address, so garbage in a field never passes an allow-list check.
      if (!addr) return false;
      const bool in = std::any_of(c.networks.begin(), c.networks.end(),
                                  [&](const IpNetwork& n) { return n.contains(*addr); });
      return c.op == Op::kCidr ? in : !in;
    }
    case Op::kLt:
    case Op::kLe:
    case Op::kGt:
    case Op::kGe: {
      double v = 0;
      if (!parse_number(value, &v)) return false;
      return c.op == Op::kLt   ? v < c.number
             : c.op == Op::kLe ? v <= c.number
             : c.op == Op::kGt ? v > c.number
                               : v >= c.number;
    }
    case Op::kRegex:
    case Op::kNotRegex: {
      const bool hit =
          c.regex && RE2::PartialMatch(re2::StringPiece(value.data(), value.size()), *c.regex);
      return c.op == Op::kRegex ? hit : !hit;
    }
    case Op::kInList:
    case Op::kNotInList: {
      if (c.list_index >= rules.lists().size()) return false;
      const bool in = rules.lists()[c.list_index].contains(value);
      return c.op == Op::kInList ? in : !in;
    }
  }
  return false;
}

namespace {

// The hot path calls this with its own lookup (no std::function, no allocation per line):
// lookup.get(name, &v) finds a field's first value, lookup.any(name, pred) asks whether
// one of its values (an event field may have several: a JSON array) satisfies pred.
template <class Lookup>
bool holds(const RuleSet& rules, const Condition& c, const Lookup& lookup) {
  using Op = Condition::Op;
  switch (c.op) {
    case Op::kAll:
      return std::all_of(c.children.begin(), c.children.end(),
                         [&](const Condition& x) { return holds(rules, x, lookup); });
    case Op::kAny:
      return std::any_of(c.children.begin(), c.children.end(),
                         [&](const Condition& x) { return holds(rules, x, lookup); });
    case Op::kNot:
      return !c.children.empty() && !holds(rules, c.children.front(), lookup);
    case Op::kExists:
      return lookup.has(c.field) == c.exists;
    case Op::kFieldEquals:
      return lookup.any(c.field, [&](std::string_view a) {
        return lookup.any(c.other_field, [&](std::string_view b) { return a == b; });
      });
    default:
      // A field that took no part in the match makes the condition false.
      return lookup.any(c.field, [&](std::string_view v) { return condition_holds(rules, c, v); });
  }
}

// A FieldLookup as the lookup holds() takes: one value per field.
struct SingleValueLookup {
  const FieldLookup& f;
  bool has(const std::string& name) const {
    std::string_view v;
    return f(name, &v);
  }
  template <class Pred>
  bool any(const std::string& name, Pred&& pred) const {
    std::string_view v;
    return f(name, &v) && pred(v);
  }
};

}  // namespace

bool where_holds(const RuleSet& rules, const Condition& c, const FieldLookup& lookup) {
  return holds(rules, c, SingleValueLookup{lookup});
}

Matcher::Impl::Impl(std::shared_ptr<const RuleSet> rules, MatcherOptions options)
    : rules_(std::move(rules)), options_(std::move(options)) {}

Matcher::Impl::~Impl() {
  if (scratch_ != nullptr) hs_free_scratch(scratch_);
}

Result<std::unique_ptr<Matcher::Impl>> Matcher::Impl::Create(std::shared_ptr<const RuleSet> rules,
                                                             MatcherOptions options) {
  std::unique_ptr<Impl> m(new Impl(std::move(rules), std::move(options)));
  const RuleSet& rs = *m->rules_;
  if (rs.scratch_prototype() != nullptr) {
    const hs_error_t rc = hs_clone_scratch(rs.scratch_prototype(), &m->scratch_);
    if (rc != HS_SUCCESS) {
      return Error(Errc::kInternal,
                   "matcher: cannot clone Hyperscan scratch (error " + std::to_string(rc) + ")");
    }
  }
  m->input_allowed_.resize(rs.rules().size());
  for (size_t r = 0; r < rs.rules().size(); ++r) {
    const Rule& rule = rs.rules()[r];
    if (rule.inputs.empty()) continue;
    // A rule restricted to inputs that this configuration does not have matches nothing;
    // the pipeline warns about such names when it starts.
    auto& allowed = m->input_allowed_[r];
    allowed.assign(std::max<size_t>(m->options_.input_names.size(), 1), 0);
    for (size_t i = 0; i < m->options_.input_names.size(); ++i) {
      const bool named = std::find(rule.inputs.begin(), rule.inputs.end(),
                                   m->options_.input_names[i]) != rule.inputs.end();
      allowed[i] = named ? 1 : 0;
    }
  }
  const uint32_t n = rs.expression_count();
  m->pattern_stamp_.assign(n, 0);
  m->joined_stamp_.assign(n, 0);
  m->buckets_.resize(rs.database_count());
  m->any_joined_ = rs.joined_database_count() > 0;
  m->has_json_db_ = rs.has_json_databases();
  m->expressions_.assign(n, Expression{});
  m->splits_.assign(n, Split{});
  std::vector<uint8_t> seen(n, 0);
  for (const Rule& r : rs.rules()) {
    for (const MatchStep& st : r.steps) {
      for (const auto* list : {&st.patterns, &st.exclusions}) {
        for (const RulePattern& p : *list) {
          Expression& x = m->expressions_[p.expression];
          // Only as many groups as the named captures need: RE2 runs fastest with none.
          if (list == &st.patterns && !p.captures.empty())
            x.groups = std::max(x.groups, p.captures.back().second + 1);
          if (seen[p.expression] != 0) continue;  // the same text: the same program and analysis
          seen[p.expression] = 1;
          x.re2 = p.re2.get();
          m->splits_[p.expression] = {p.head.get(), p.tail.get(), p.text.starts_with('^')};
          x.lead = p.lead;
          x.hyperscan_id = p.hyperscan_id;
          x.re2_only = p.kind == MatchKind::kRe2Only;
          x.needs_confirm = p.needs_confirm;
          x.confirm_joined = p.confirm_joined;
          // A literal derived from `where` only puts the line forward (the JSON text it was
          // found in may not be the text RE2 would confirm it on); the conditions decide.
          if (p.derived && p.kind != MatchKind::kRe2Only)
            x.needs_confirm = x.confirm_joined = false;
          x.captures = static_cast<uint32_t>(m->captures_.size());
          x.capture_count = static_cast<uint32_t>(p.captures.size());
          m->captures_.insert(m->captures_.end(), p.captures.begin(), p.captures.end());
        }
      }
    }
  }
  uint32_t total = 0;
  for (Expression& x : m->expressions_) {
    x.group_offset = total;
    total += static_cast<uint32_t>(x.groups);
  }
  m->groups_.resize(std::max<uint32_t>(total, 1));
  m->units_.reserve(rs.units().size());
  for (const UnitRef& ref : rs.units()) {
    const Rule& r = rs.rules()[ref.rule];
    const MatchStep& st = r.steps[ref.step];
    Unit u;
    u.rule = &r;
    u.step = &st;
    u.rule_index = ref.rule;
    u.step_index = ref.step;
    u.sources = r.sources;
    u.exprs = static_cast<uint32_t>(m->unit_exprs_.size());
    u.patterns = static_cast<uint32_t>(st.patterns.size());
    u.exclusions = static_cast<uint32_t>(st.exclusions.size());
    for (const RulePattern& p : st.patterns) m->unit_exprs_.push_back(p.expression);
    for (const RulePattern& p : st.exclusions) m->unit_exprs_.push_back(p.expression);
    u.enabled = r.enabled;
    u.inputs = !r.inputs.empty();
    u.programs = !r.programs.empty() || !st.programs.empty();
    u.where = !st.where.empty();
    m->units_.push_back(u);
  }
  m->unit_stamp_.assign(rs.units().size(), 0);
  m->candidates_.reserve(rs.units().size());
  // Without program names in any rule, the database depends on the asset class alone.
  for (const Rule& r : rs.rules()) {
    m->programs_named_ = m->programs_named_ || !r.programs.empty() ||
                         std::any_of(r.steps.begin(), r.steps.end(),
                                     [](const MatchStep& st) { return !st.programs.empty(); });
  }
  for (int c = 0; c < kAssetClassCount; ++c) {
    m->class_db_[static_cast<size_t>(c)] =
        rs.database_index(static_cast<AssetClass>(c), RuleSet::kNoRuleNamesThisProgram);
  }
  return m;
}

int Matcher::Impl::on_hit(unsigned int id, unsigned long long, unsigned long long, unsigned int,
                          void* context) {
  static_cast<Impl*>(context)->note_hit(id);
  return 0;
}

void Matcher::Impl::note_hit(uint32_t id) {
  pattern_stamp_[id] = stamp_;
  for (uint32_t unit : rules_->expression_users(id)) {  // none for a `not`-only expression
    if (unit_stamp_[unit] != stamp_) {
      unit_stamp_[unit] = stamp_;
      candidates_.push_back(unit);  // capacity is the unit count: never reallocates
    }
  }
}

void Matcher::Impl::begin_line() {
  if (++stamp_ == 0) {  // wrapped: old stamps could look current
    std::fill(pattern_stamp_.begin(), pattern_stamp_.end(), 0);
    std::fill(unit_stamp_.begin(), unit_stamp_.end(), 0);
    for (Expression& x : expressions_) x.confirm_stamp = 0;
    json_stamp_ = 0;
    kv_stamp_ = 0;
    stamp_ = 1;
  }
  candidates_.clear();
}

void Matcher::Impl::end_line() {
  for (uint32_t u : rules_->always_units()) {
    if (unit_stamp_[u] != stamp_) {
      unit_stamp_[u] = stamp_;
      candidates_.push_back(u);
    }
  }
  if (candidates_.size() > 1) std::sort(candidates_.begin(), candidates_.end());
}

int Matcher::Impl::database_for(const EventBatch& batch, const Event& e) {
  if (!programs_named_) return class_db_[static_cast<size_t>(e.asset_class)];
  // Lines of a batch mostly come from one program: look its database up once per run of them
  // rather than hashing the program name for every line.
  const std::string_view app = batch.view(e.header.app);
  if (!db_cached_ || e.asset_class != cached_class_ || app != cached_app_) {
    cached_db_ = rules_->database_index(e.asset_class, app);
    cached_app_.assign(app);
    cached_class_ = e.asset_class;
    db_cached_ = true;
  }
  return cached_db_;
}

const hs_database_t* Matcher::Impl::json_database_for(const EventBatch& batch, const Event& e,
                                                      std::string_view text) const {
  if (!has_json_db_) return nullptr;
  const hs_database_t* db = rules_->json_database(e.asset_class, batch.view(e.header.app));
  if (db == nullptr) return nullptr;
  const std::string_view json = json_text_of(batch.raw(e), batch.message(e));
  if (json.empty()) return nullptr;
  const bool inside =
      json.data() >= text.data() && json.data() + json.size() <= text.data() + text.size();
  return inside ? nullptr : db;
}

void Matcher::Impl::scan(const EventBatch& batch, size_t begin, size_t end,
                         std::vector<Match>* out) {
  end = std::min(end, batch.size());
  if (begin >= end) return;
  if (!options_.join_lines || end - begin < kJoinedMinLines || !any_joined_) {
    for (size_t i = begin; i < end; ++i) scan_event(batch, static_cast<uint32_t>(i), out);
    return;
  }
  joined_scan(batch, begin, end);
  // Events in order: each line scanned alone, each joined line with hits, and, when some
  // units are tried on every line, the joined lines without hits too. A joined line without
  // hits needs nothing else, and most lines are such.
  const bool every_line = !rules_->always_units().empty();
  const size_t joined = (end - begin) - alone_.size();
  events_scanned_ += joined;
  joined_lines_ += joined;
  size_t a = 0;
  size_t h = 0;
  for (size_t i = begin; i < end;) {
    const size_t next_alone = a < alone_.size() ? alone_[a] : end;
    const size_t next_hits = h < hit_lines_.size() ? hit_lines_[h].event : end;
    const size_t at = every_line ? i : std::min(next_alone, next_hits);
    if (at >= end) break;
    i = at + 1;
    if (at == next_alone) {
      ++a;
      scan_event(batch, static_cast<uint32_t>(at), out);
      continue;
    }
    begin_line();
    if (at == next_hits) {
      const HitLine& hl = hit_lines_[h++];
      // What the next line with hits will read is asked for while this one is evaluated.
      if (h < hit_lines_.size()) prefetch_line(batch, hit_lines_[h]);
      for (uint32_t k = hl.begin; k < hl.begin + hl.count; ++k) note_hit(hit_ids_[k]);
    }
    end_line();
    if (candidates_.empty()) continue;
    joined_line_ = true;
    evaluate_candidates(batch, static_cast<uint32_t>(at), event_text(batch, batch.events()[at]),
                        out);
    joined_line_ = false;
  }
}

void Matcher::Impl::prefetch_line(const EventBatch& batch, const HitLine& h) {
  // With many rules, what a line's candidates need (the event, the units, each expression's
  // program) has mostly left the core's caches since the joined scan; asking for it one line
  // ahead overlaps those misses with the work on the current line.
  const Event* e = &batch.events()[h.event];
  __builtin_prefetch(e);
  __builtin_prefetch(reinterpret_cast<const char*>(e) + 64);
  for (uint32_t k = h.begin; k < h.begin + h.count; ++k) {
    const uint32_t id = hit_ids_[k];
    for (uint32_t unit : rules_->expression_users(id)) __builtin_prefetch(&units_[unit]);
    const Expression& x = expressions_[id];
    if (x.re2 != nullptr && x.confirm_joined) {  // RE2 will run (fields imply confirm_joined)
      const auto* r = reinterpret_cast<const char*>(x.re2);
      for (size_t off = 0; off < sizeof(re2::RE2); off += 64) __builtin_prefetch(r + off);
    }
    if (x.capture_count > 0) __builtin_prefetch(&captures_[x.captures]);
  }
}

void Matcher::Impl::joined_scan(const EventBatch& batch, size_t begin, size_t end) {
  const RuleSet& rs = *rules_;
  alone_.clear();
  hit_lines_.clear();
  hit_ids_.clear();
  for (auto& b : buckets_) b.clear();
  for (size_t i = begin; i < end; ++i) {
    const Event& e = batch.events()[i];
    const int db = database_for(batch, e);
    const std::string_view text = event_text(batch, e);
    // No database (or none with a joined form), a long message that gains nothing, or an
    // event whose JSON text must be scanned too.
    if (db < 0 || rs.joined_database_at(db) == nullptr || text.size() > kJoinedLineMax ||
        json_database_for(batch, e, text) != nullptr) {
      alone_.push_back(static_cast<uint32_t>(i));
      continue;
    }
    buckets_[static_cast<size_t>(db)].push_back(JoinedLine{static_cast<uint32_t>(i), text});
  }
  if (joined_buf_ == nullptr)
    joined_buf_ = std::make_unique<char[]>(kJoinedChunk + kJoinedLineMax + 1);
  char* const buf = joined_buf_.get();
  for (size_t d = 0; d < buckets_.size(); ++d) {
    const std::vector<JoinedLine>& lines = buckets_[d];
    if (lines.size() < kJoinedMinLines) {
      for (const JoinedLine& l : lines) alone_.push_back(l.event);
      continue;
    }
    const hs_database_t* db = rs.joined_database_at(static_cast<int>(d));
    for (size_t k = 0; k < lines.size();) {
      line_end_.clear();
      chunk_events_.clear();
      size_t len = 0;
      while (k < lines.size() && len < kJoinedChunk) {
        // The messages are read for the first time here: ask for a later one meanwhile.
        if (k + kCopyAhead < lines.size()) __builtin_prefetch(lines[k + kCopyAhead].text.data());
        const JoinedLine& l = lines[k++];
        // A message holding a newline is left out (scanned alone): its bytes are overwritten.
        if (copy_message(buf + len, l.text)) {
          alone_.push_back(l.event);
          continue;
        }
        len += l.text.size();
        line_end_.push_back(static_cast<uint32_t>(len));
        buf[len++] = '\n';
        chunk_events_.push_back(l.event);
      }
      if (!line_end_.empty()) scan_chunk(db);
    }
  }
  // In event order (the databases' lines interleave, and a cut-short chunk adds its rest).
  if (!std::is_sorted(alone_.begin(), alone_.end())) std::sort(alone_.begin(), alone_.end());
  const auto by_event = [](const HitLine& x, const HitLine& y) { return x.event < y.event; };
  if (!std::is_sorted(hit_lines_.begin(), hit_lines_.end(), by_event)) {
    std::sort(hit_lines_.begin(), hit_lines_.end(), by_event);
  }
}

int Matcher::Impl::on_joined_hit(unsigned int id, unsigned long long, unsigned long long to,
                                 unsigned int, void* context) {
  auto* self = static_cast<Impl*>(context);
  const std::vector<uint32_t>& ends = self->line_end_;
  uint32_t l = self->cur_line_;
  if (to > ends[l]) {
    do {
      ++l;
    } while (to > ends[l]);  // the last end is the text's end: never passed
  } else if (l > 0 && to <= ends[l - 1]) {
    // Hyperscan reports in order of end offset; should one come earlier, find its line.
    self->out_of_order_ = true;
    l = static_cast<uint32_t>(
        std::lower_bound(ends.begin(), ends.end(), static_cast<uint32_t>(to)) - ends.begin());
  }
  self->cur_line_ = l;
  const uint32_t serial = self->chunk_serial_ + l + 1;
  if (self->joined_stamp_[id] == serial) return ++self->repeats_ > self->repeat_limit_ ? 1 : 0;
  self->joined_stamp_[id] = serial;
  self->chunk_hits_.push_back(ChunkHit{l, id});
  return 0;
}

void Matcher::Impl::scan_chunk(const hs_database_t* db) {
  const auto lines = static_cast<uint32_t>(line_end_.size());
  if (chunk_serial_ > UINT32_MAX - lines - 2) {  // wrapped: old stamps could look current
    std::fill(joined_stamp_.begin(), joined_stamp_.end(), 0);
    chunk_serial_ = 0;
  }
  chunk_hits_.clear();
  cur_line_ = 0;
  repeats_ = 0;
  repeat_limit_ = kRepeatsPerLine * lines + kRepeatsPerChunk;
  out_of_order_ = false;
  const hs_error_t rc =
      hs_scan(db, joined_buf_.get(), line_end_.back(), 0, scratch_, &Impl::on_joined_hit, this);
  // Lines whose hits are all in: every one, or those before the line where the scan stopped
  // (matches come in order of their end). The others are scanned alone when evaluated.
  uint32_t complete = lines;
  if (rc == HS_SCAN_TERMINATED) {
    complete = out_of_order_ ? 0 : cur_line_;
    ++joined_fallbacks_;
  } else if (rc != HS_SUCCESS) {
    complete = 0;
    ++joined_fallbacks_;
  }
  if (out_of_order_) {
    std::stable_sort(chunk_hits_.begin(), chunk_hits_.end(),
                     [](const ChunkHit& a, const ChunkHit& b) { return a.line < b.line; });
  }
  for (size_t h = 0; h < chunk_hits_.size() && chunk_hits_[h].line < complete;) {
    const uint32_t l = chunk_hits_[h].line;
    HitLine hl{chunk_events_[l], static_cast<uint32_t>(hit_ids_.size()), 0};
    for (; h < chunk_hits_.size() && chunk_hits_[h].line == l; ++h)
      hit_ids_.push_back(chunk_hits_[h].expression);
    hl.count = static_cast<uint32_t>(hit_ids_.size()) - hl.begin;
    hit_lines_.push_back(hl);
  }
  for (uint32_t l = complete; l < lines; ++l) alone_.push_back(chunk_events_[l]);
  chunk_serial_ += lines + 1;
}

void Matcher::Impl::find_candidates(const EventBatch& batch, const Event& e,
                                    std::string_view text) {
  begin_line();
  const int db = database_for(batch, e);
  if (db >= 0) {
    const hs_error_t rc =
        hs_scan(rules_->database_at(db), text.data(), static_cast<unsigned int>(text.size()), 0,
                scratch_, &Impl::on_hit, this);
    if (rc != HS_SUCCESS) ++scan_errors_;
  }
  // The literals of `fields: json` steps are in that database too; the JSON text is scanned
  // for them on its own only when it is not inside the text just scanned.
  if (const hs_database_t* jdb = json_database_for(batch, e, text); jdb != nullptr) {
    const std::string_view json = json_text_of(batch.raw(e), batch.message(e));
    const hs_error_t rc = hs_scan(jdb, json.data(), static_cast<unsigned int>(json.size()), 0,
                                  scratch_, &Impl::on_hit, this);
    if (rc != HS_SUCCESS) ++scan_errors_;
  }
  end_line();
}

void Matcher::Impl::scan_event(const EventBatch& batch, uint32_t index, std::vector<Match>* out) {
  const Event& e = batch.events()[index];
  const std::string_view text = event_text(batch, e);
  ++events_scanned_;
  find_candidates(batch, e, text);
  if (candidates_.empty()) return;
  evaluate_candidates(batch, index, text, out);
}

void Matcher::Impl::evaluate_candidates(const EventBatch& batch, uint32_t index,
                                        std::string_view text, std::vector<Match>* out) {
  const Event& e = batch.events()[index];
  const uint32_t cls = 1u << static_cast<unsigned>(e.asset_class);
  for (uint32_t c : candidates_) {
    const Unit& u = units_[c];
    if (!u.enabled && !options_.include_disabled) continue;
    if ((u.sources & cls) == 0) continue;
    if (u.inputs) {
      const auto& allowed = input_allowed_[u.rule_index];
      if (e.input >= allowed.size() || allowed[e.input] == 0) continue;
    }
    if (u.programs && !u.rule->step_accepts_program(*u.step, batch.view(e.header.app))) continue;
    // Built where it is kept: a Match holds its fields inline, and moving one costs more
    // than dropping the few that fail.
    Match& m = out->emplace_back();
    m.event = index;
    m.rule = u.rule_index;
    m.step = u.step_index;
    if (!evaluate(u, batch, e, text, &m)) out->pop_back();
  }
}

bool Matcher::Impl::expression_matches(uint32_t expression, std::string_view text) {
  Expression& x = expressions_[expression];
  const bool hit =
      x.re2_only || (x.hyperscan_id != kNoHyperscanId && pattern_stamp_[x.hyperscan_id] == stamp_);
  if (!hit) return false;
  if (!(joined_line_ ? x.confirm_joined : x.needs_confirm)) return true;
  if (x.confirm_stamp != stamp_) {
    x.confirm_stamp = stamp_;
    const re2::StringPiece input(text.data(), text.size());
    const int groups = x.groups;
    ConfirmTally& t = x.tally;
    // After a first few lines, an expression that fails more often than it matches is
    // asked the cheap question first. Either way the answer and the fields are the same.
    // (A pattern with a leading literal needs no such question: it is run anchored where
    // the literal is, and a line without the literal never reaches RE2.)
    const bool ask_dfa_first =
        groups > 1 && x.lead.empty() && t.asked >= kTallyWarmup && t.matched * 2 < t.asked;
    bool matched = false;
    if (ask_dfa_first) ++re2_dfa_checks_;
    if (ask_dfa_first && !x.re2->Match(input, 0, input.size(), RE2::UNANCHORED, nullptr, 0)) {
      matched = false;
    } else {
      matched = run_re2(expression, text, groups_.data() + x.group_offset, groups);
    }
    x.confirmed = matched;
    if (groups > 1) {
      if (++t.asked == kTallyWindow) {  // halve both: the tally follows what the lines are now
        t.asked /= 2;
        t.matched /= 2;
      }
      t.matched += matched ? 1 : 0;
    }
  }
  return x.confirmed;
}

bool Matcher::Impl::run_re2(uint32_t expression, std::string_view text, re2::StringPiece* groups,
                            int n) {
  const Expression& x = expressions_[expression];
  const re2::StringPiece input(text.data(), text.size());
  size_t from = 0;
  if (!x.lead.empty()) {
    // Every match starts with the lead: the leftmost match starts at the first occurrence
    // from which the pattern matches anchored. An anchored run needs neither RE2's forward
    // DFA (where does a match end?) nor its reverse DFA (where does it start?), whose
    // states for a rarely used pattern are cold in the cache: ~3x cheaper per line.
    for (int tries = 0; tries < kLeadTries; ++tries) {
      const size_t at = text.find(x.lead, from);
      if (at == std::string_view::npos) return false;
      ++re2_runs_;
      if (run_anchored(expression, input, at, groups, n)) return true;
      from = at + 1;
    }
  }
  // No lead, or it occurs too often: the leftmost match at or after `from` (none starts
  // before it).
  ++re2_runs_;
  if (from == 0 && splits_[expression].starts_anchored)
    return run_anchored(expression, input, 0, groups, n);
  return x.re2->Match(input, from, input.size(), RE2::UNANCHORED, groups, n);
}

bool Matcher::Impl::run_anchored(uint32_t expression, const re2::StringPiece& input, size_t at,
                                 re2::StringPiece* groups, int n) {
  Split& s = splits_[expression];
  if (s.head != nullptr && n > 1) {
    // Every match of the whole pattern begins with a match of its head, so no head, no
    // match. The head's first match is the one the whole pattern takes when the tail
    // goes on from its end; otherwise another way through the head may be needed.
    ++s.tried;
    if (!s.head->Match(input, at, input.size(), RE2::ANCHOR_START, groups, n)) return false;
    const size_t end = static_cast<size_t>(groups[0].data() - input.data()) + groups[0].size();
    if (s.tail->Match(input, end, input.size(), RE2::ANCHOR_START, nullptr, 0)) return true;
    // More than one run in four needing the whole pattern costs more than it saves.
    if (++s.missed * 4 > s.tried && s.tried >= kSplitWarmup) s.head = nullptr;
  }
  return expressions_[expression].re2->Match(input, at, input.size(), RE2::ANCHOR_START, groups, n);
}

const RulePattern* Matcher::Impl::first_pattern(const MatchStep& step, std::string_view text) {
  for (const RulePattern& p : step.patterns) {
    if (pattern_matches(p, text)) return &p;
  }
  return nullptr;
}

bool Matcher::Impl::evaluate(const Unit& unit, const EventBatch& batch, const Event& e,
                             std::string_view text, Match* match) {
  const uint32_t* patterns = unit_exprs_.data() + unit.exprs;
  const uint32_t* exclusions = patterns + unit.patterns;
  // A `not` pattern that Hyperscan decides alone costs nothing to ask: an excluded line
  // (pam.auth_failure's sshd lines, say) then never pays for RE2 taking its fields.
  for (uint32_t k = 0; k < unit.exclusions; ++k) {
    if (!expressions_[exclusions[k]].needs_confirm && expression_matches(exclusions[k], text))
      return false;
  }
  uint32_t matched = unit.patterns;  // none
  for (uint32_t k = 0; k < unit.patterns; ++k) {
    if (expression_matches(patterns[k], text)) {
      matched = k;
      break;
    }
  }
  if (unit.patterns > 0 && matched == unit.patterns) return false;
  for (uint32_t k = 0; k < unit.exclusions; ++k) {
    if (expressions_[exclusions[k]].needs_confirm && expression_matches(exclusions[k], text))
      return false;
  }
  if (matched < unit.patterns) {
    const Expression& x = expressions_[patterns[matched]];
    if (x.capture_count > 0) {
      const re2::StringPiece* groups = groups_.data() + x.group_offset;
      match->fields.reserve(x.capture_count);
      for (uint32_t k = x.captures; k < x.captures + x.capture_count; ++k) {
        const re2::StringPiece& g = groups[captures_[k].second];
        if (g.data() == nullptr) continue;  // the group took no part in the match
        match->fields.emplace_back(captures_[k].first, std::string(g.data(), g.size()));
      }
    }
  }
  if (!unit.where) return true;
  const Lookup lookup(this, *unit.step, *match, batch, e);
  for (const Condition& c : unit.step->where) {
    if (!holds(*rules_, c, lookup)) return false;
  }
  return true;
}

bool Matcher::Impl::field_value(const std::string& name, const Match& m, const EventBatch& batch,
                                const Event& e, std::string_view* out) const {
  for (const auto& [k, v] : m.fields) {
    if (k == name) {
      *out = v;
      return true;
    }
  }
  if (name == "host") {
    *out = batch.view(e.header.host);
  } else if (name == "app") {
    *out = batch.view(e.header.app);
  } else if (name == "peer") {
    *out = batch.view(e.peer);
  } else if (name == "procid") {
    *out = batch.view(e.header.procid);
  } else if (name == "msgid") {
    *out = batch.view(e.header.msgid);
  } else if (name == "input") {
    *out = e.input < options_.input_names.size() ? std::string_view(options_.input_names[e.input])
                                                 : std::string_view();
  } else if (name == "asset_class") {
    *out = asset_class_name(e.asset_class);
  } else if (name == "message") {
    *out = event_text(batch, e);
  } else {
    return false;
  }
  return true;
}

const EventFieldIndex* Matcher::Impl::event_fields(EventFields kind, const EventBatch& batch,
                                                   const Event& e) {
  if (kind == EventFields::kJson) {
    if (json_stamp_ != stamp_) {
      json_stamp_ = stamp_;
      ++events_with_fields_;
      const std::string_view text = json_text_of(batch.raw(e), batch.message(e));
      if (!json_fields_.load_json(text)) ++field_errors_;
    }
    return &json_fields_;
  }
  if (kind == EventFields::kKv) {
    if (kv_stamp_ != stamp_) {
      kv_stamp_ = stamp_;
      ++events_with_fields_;
      kv_fields_.load_kv(event_text(batch, e));
    }
    return &kv_fields_;
  }
  return nullptr;
}

std::vector<Match> Matcher::Impl::match_message(std::string_view message, std::string_view app,
                                                AssetClass cls) {
  EventBatch batch;
  Event e;
  e.raw = batch.append(message);
  e.header.message = e.raw;
  e.header.format = app.empty() ? SyslogFormat::kNone : SyslogFormat::kRfc3164;
  e.header.app = batch.append(app);
  e.asset_class = cls;
  batch.events().push_back(e);
  std::vector<Match> out;
  scan(batch, 0, 1, &out);
  return out;
}

std::vector<uint32_t> Matcher::Impl::candidates(const EventBatch& batch, uint32_t event) {
  const Event& e = batch.events()[event];
  find_candidates(batch, e, event_text(batch, e));
  return candidates_;
}

Explanation Matcher::Impl::explain(const EventBatch& batch, uint32_t event, uint32_t unit) {
  using Stage = Explanation::Stage;
  const RuleSet& rs = *rules_;
  const Event& e = batch.events()[event];
  const std::string_view text = event_text(batch, e);
  const UnitRef& ref = rs.units()[unit];
  const Rule& rule = rs.rules()[ref.rule];
  const MatchStep& step = rule.steps[ref.step];
  Explanation x;
  auto stop = [&](Stage s, std::string msg) {
    x.stage = s;
    x.message = std::move(msg);
    return x;
  };
  if (!rule.enabled && !options_.include_disabled)
    return stop(Stage::kDisabled, "the rule is disabled (enabled: false)");
  if (!rule.applies_to(e.asset_class)) {
    std::string classes;
    for (int c = 0; c < kAssetClassCount; ++c) {
      if (rule.applies_to(static_cast<AssetClass>(c))) {
        classes += (classes.empty() ? "" : ", ") +
                   std::string(asset_class_name(static_cast<AssetClass>(c)));
      }
    }
    return stop(Stage::kSource, "the line's asset class '" +
                                    std::string(asset_class_name(e.asset_class)) +
                                    "' is not in sources [" + classes + "]");
  }
  if (!rule.inputs.empty()) {
    const auto& allowed = input_allowed_[ref.rule];
    if (e.input >= allowed.size() || allowed[e.input] == 0) {
      const std::string name =
          e.input < options_.input_names.size() ? options_.input_names[e.input] : "";
      return stop(Stage::kSource, "the line's input '" + name + "' is not in sources [" +
                                      join_names(rule.inputs) + "]");
    }
  }
  const std::string_view app = batch.view(e.header.app);
  if (!rule.step_accepts_program(step, app)) {
    const auto& progs = step.programs.empty() ? rule.programs : step.programs;
    return stop(Stage::kProgram,
                "its program " + quote(app) + " is not in programs [" + join_names(progs) + "]");
  }
  find_candidates(batch, e, text);
  Match m;
  m.event = event;
  m.rule = ref.rule;
  m.step = ref.step;
  const RulePattern* matched = nullptr;
  if (!step.patterns.empty()) {
    bool any_candidate = false;
    for (const RulePattern& p : step.patterns) {
      any_candidate =
          any_candidate || p.kind == MatchKind::kRe2Only ||
          (p.hyperscan_id != kNoHyperscanId && pattern_stamp_[p.hyperscan_id] == stamp_);
    }
    if (!any_candidate) {
      // Name the required text that is missing; if some pattern has all of its literal
      // text, the rest of that pattern is what failed.
      const std::string hay = ascii_lower(text);
      std::string missing;
      const RulePattern* complete = nullptr;
      for (const RulePattern& p : step.patterns) {
        std::string first_missing;
        for (const std::string& lit : p.literals) {
          if (hay.find(lit) == std::string::npos) {
            first_missing = lit;
            break;
          }
        }
        if (first_missing.empty()) {
          complete = &p;
          break;
        }
        if (missing.empty()) missing = first_missing;
      }
      if (complete != nullptr) {
        return stop(Stage::kPrefilter,
                    "Hyperscan found none of its patterns: " + complete->display() +
                        " has its literal text in the message, but does not match as a whole");
      }
      return stop(Stage::kPrefilter, "Hyperscan found none of its patterns: the text " +
                                         quote(missing) + " is not in the message");
    }
    matched = first_pattern(step, text);
    if (matched == nullptr) {
      std::string which;
      for (const RulePattern& p : step.patterns) {
        which += (which.empty() ? "" : ", ") + p.display() + " (" +
                 std::string(match_kind_name(p.kind)) + ")";
      }
      return stop(Stage::kRegex, "no regex matches the message (" + which + ")");
    }
    if (!matched->captures.empty()) {
      const re2::StringPiece* groups = groups_of(*matched);
      for (const auto& [name, index] : matched->captures) {
        const re2::StringPiece& g = groups[index];
        if (g.data() != nullptr) m.fields.emplace_back(name, std::string(g.data(), g.size()));
      }
    }
    x.fields.assign(m.fields.begin(), m.fields.end());
  }
  for (const RulePattern& p : step.exclusions) {
    if (pattern_matches(p, text)) {
      return stop(Stage::kExcluded, "it matched " +
                                        (matched ? matched->display() : std::string("the rule")) +
                                        " but is excluded by not " + p.display());
    }
  }
  const Lookup lookup(this, step, m, batch, e);
  for (const Condition& c : step.where) {
    if (holds(*rules_, c, lookup)) continue;
    if (c.is_node() || c.op == Condition::Op::kExists || c.op == Condition::Op::kFieldEquals) {
      return stop(Stage::kWhere, "where " + c.describe() + " is false");
    }
    if (!lookup.has(c.field)) {
      if (step.fields == EventFields::kNone) {
        return stop(Stage::kWhere,
                    "where " + c.describe() + ": the field '" + c.field + "' was not captured");
      }
      std::string why = "the event has no field '" + c.field + "'";
      if (step.fields == EventFields::kJson && json_fields_.size() == 0 &&
          !json_fields_.error().empty()) {
        why = "the event is not a JSON object (" + json_fields_.error() + ")";
      }
      return stop(Stage::kWhere, "where " + c.describe() + ": " + why);
    }
    std::string_view value;
    lookup.any(c.field, [&](std::string_view v) {
      value = v;
      return true;
    });
    return stop(Stage::kWhere,
                "where " + c.describe() + " is false for " + c.field + "=" + quote(value));
  }
  return stop(Stage::kMatched,
              matched ? "matched " + matched->display() : "matched (the rule takes every line)");
}

Matcher::Matcher(std::shared_ptr<const RuleSet> rules, std::unique_ptr<Impl> impl)
    : rules_(std::move(rules)), impl_(std::move(impl)) {}

Matcher::~Matcher() = default;

Result<std::unique_ptr<Matcher>> Matcher::Create(std::shared_ptr<const RuleSet> rules,
                                                 MatcherOptions options) {
  if (!rules) return Error(Errc::kInvalidArgument, "matcher: no rule set");
  auto impl = Impl::Create(rules, std::move(options));
  if (!impl.ok()) return std::move(impl).error();
  return std::unique_ptr<Matcher>(new Matcher(std::move(rules), std::move(*impl)));
}

void Matcher::scan(const EventBatch& batch, size_t begin, size_t end, std::vector<Match>* out) {
  impl_->scan(batch, begin, end, out);
}

std::vector<Match> Matcher::match_message(std::string_view message, std::string_view app,
                                          AssetClass cls) {
  return impl_->match_message(message, app, cls);
}

Explanation Matcher::explain(const EventBatch& batch, uint32_t event, uint32_t unit) {
  return impl_->explain(batch, event, unit);
}

std::vector<uint32_t> Matcher::candidates(const EventBatch& batch, uint32_t event) {
  return impl_->candidates(batch, event);
}

uint64_t Matcher::events_scanned() const { return impl_->events_scanned(); }
uint64_t Matcher::scan_errors() const { return impl_->scan_errors(); }
uint64_t Matcher::re2_runs() const { return impl_->re2_runs(); }
uint64_t Matcher::re2_dfa_checks() const { return impl_->re2_dfa_checks(); }
uint64_t Matcher::joined_lines() const { return impl_->joined_lines(); }
uint64_t Matcher::joined_fallbacks() const { return impl_->joined_fallbacks(); }
uint64_t Matcher::events_with_fields() const { return impl_->events_with_fields(); }
uint64_t Matcher::field_errors() const { return impl_->field_errors(); }

}  // namespace wardsoc
