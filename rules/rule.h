// One detection rule: its definition as read from a rule file (with where it was written)
// and, once the RuleSet is compiled, its RE2 programs and how Hyperscan handles each
// pattern. Immutable after RuleSet::Load; shared read-only by all threads through the
// RuleSet that owns it.
//
// A rule is made of one or more match steps (a plain rule has one; a `sequence` has one
// per step): each step says which lines count (patterns, `not` patterns, `where`
// conditions), and the rule's aggregation says how counted lines become an incident.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/event.h"
#include "core/incident.h"
#include "rules/ip_network.h"

namespace re2 {
class RE2;
}

namespace wardsoc {

// How a pattern is found in a line.
enum class MatchKind : uint8_t {
  kHyperscanExact,      // Hyperscan decides; RE2 runs only to extract named captures
  kHyperscanPrefilter,  // Hyperscan finds candidates (a superset), RE2 decides
  kRe2Only,             // Hyperscan cannot take it: RE2 runs on every line the rule applies to
};

std::string_view match_kind_name(
    MatchKind k);  // "hyperscan-exact", "hyperscan-prefilter", "re2-only"

struct SourcePosition {
  int line = 0;  // 1-based
  int column = 0;
};

inline constexpr uint32_t kNoHyperscanId = UINT32_MAX;

// One regular expression of a rule (match.regex, match.contains or match.not).
struct RulePattern {
  std::string text;  // as written (RE2 syntax); for a `contains` term, the quoted regex
  SourcePosition pos;
  std::vector<std::string> named_groups;  // (?P<name>...) in order of appearance
  bool from_contains = false;             // written as a literal `contains` term
  std::string literal;                    // the term itself, for a `contains` pattern
  // A literal derived from `where` (rules/where_literals.h) for a step without `match`: a
  // prefilter only, the conditions decide. on_json: it is looked for in the event's JSON
  // text (raw line or JSON body), which may differ from the message.
  bool derived = false;
  bool on_json = false;

  // Filled by the compile stage.
  std::shared_ptr<const re2::RE2> re2;
  // split_after_captures of the text, compiled (both or neither): fields are taken by
  // running `head` and asking `tail` only whether it matches where head ended, which costs
  // a run for fields over the start of the line instead of all of it.
  std::shared_ptr<const re2::RE2> head;
  std::shared_ptr<const re2::RE2> tail;
  // (name, RE2 group index) of each named group, by group index.
  std::vector<std::pair<std::string, int>> captures;
  int capture_groups = 0;  // all capturing groups, named or not
  MatchKind kind = MatchKind::kRe2Only;
  std::string hyperscan_text;  // what Hyperscan compiled; empty for kRe2Only
  uint32_t hyperscan_id = kNoHyperscanId;
  // Identical pattern texts share one expression (and one RE2 program): the matcher
  // confirms each expression at most once per line.
  uint32_t expression = 0;
  bool needs_confirm = true;  // a Hyperscan hit must still be checked by RE2
  // A hit from a scan of joined lines must be checked by RE2 (needs_confirm, or the
  // pattern can match '\n' and so span two lines there).
  bool confirm_joined = true;
  // The literal every match starts with (leading_literal), or empty: RE2 then runs
  // anchored at its occurrences instead of searching the whole line.
  std::string lead;
  std::string kind_reason;  // why the pattern is not hyperscan-exact
  // Literal strings (lowercase) that a matching line must contain, as RE2's prefilter
  // analysis finds them; empty when the pattern has no literal of 3+ bytes to anchor on.
  std::vector<std::string> literals;
  std::vector<std::string> cost_notes;  // why this pattern will be slow, if it will

  // How the pattern is shown to people: the regex, or contains 'term'.
  std::string display() const;
};

// A `where` condition on a captured, built-in or event field; or an all/any/not node
// over conditions (Sigma detections and hand-written rules alike).
struct Condition {
  enum class Op : uint8_t {
    kEquals,
    kNotEquals,
    kIn,
    kNotIn,
    kCidr,
    kNotCidr,
    kLt,
    kLe,
    kGt,
    kGe,
    kRegex,
    kNotRegex,
    kInList,
    kNotInList,
    kContains,  // any of `values` is in the field (an `all` node asks for every one)
    kStartsWith,
    kEndsWith,
    kGlob,         // `values` are globs: * any run, ? one byte, \ escapes them
    kExists,       // the field is present (`exists`) or not
    kFieldEquals,  // equal to the value of `other_field`
    kAll,          // every child holds
    kAny,          // at least one child holds
    kNot,          // the one child does not hold
  };
  std::string field;
  Op op = Op::kEquals;
  std::vector<std::string> values;  // kEquals/kNotEquals (one), kIn/kNotIn, kContains..kGlob
  std::vector<IpNetwork> networks;  // kCidr/kNotCidr
  double number = 0;                // kLt..kGe
  std::string regex_text;           // kRegex/kNotRegex
  std::shared_ptr<const re2::RE2> regex;
  std::string list;                  // kInList/kNotInList: the list's name
  uint32_t list_index = UINT32_MAX;  // resolved by the check stage: RuleSet::lists()
  // ASCII letters compare without case (equals, in, contains, startswith, endswith, glob).
  bool nocase = false;
  bool exists = true;               // kExists
  std::string other_field;          // kFieldEquals
  std::vector<Condition> children;  // kAll/kAny (one or more), kNot (one)
  // kGlob: the globs as one anchored RE2 program, built by the compile stage.
  std::shared_ptr<const re2::RE2> glob_regex;
  SourcePosition pos;

  bool is_node() const { return op == Op::kAll || op == Op::kAny || op == Op::kNot; }
  // "src_ip not_in_list trusted_admins", "port gt 1024", "any(user equals root, ...)":
  // stable, used in versions.
  std::string describe() const;
};

// Where the fields that are neither captures nor built-ins come from.
enum class EventFields : uint8_t {
  kNone,  // only captures and built-in fields
  kJson,  // the event is a JSON object: fields are its members, by dotted path (a.b.c)
  kKv,    // the message is key=value pairs (firewalls, routers)
};

std::string_view event_fields_name(EventFields f);  // "none", "json", "kv"

// Calls f on every condition of the tree, nodes and leaves, depth first.
template <class F>
void for_each_condition(std::vector<Condition>& where, F&& f) {
  for (Condition& c : where) {
    f(c);
    for_each_condition(c.children, f);
  }
}
template <class F>
void for_each_condition(const std::vector<Condition>& where, F&& f) {
  for (const Condition& c : where) {
    f(c);
    for_each_condition(c.children, f);
  }
}

std::string_view condition_op_name(Condition::Op op);  // "equals", "not_in_list", ...

// One set of line criteria: the whole match of a plain rule, or one step of a sequence.
struct MatchStep {
  std::string name;                         // sequence step name; empty for a plain rule
  uint32_t count = 1;                       // sequence: matches of this step needed
  std::vector<RulePattern> patterns;        // the line matches if any matches; empty = any line
  std::vector<RulePattern> exclusions;      // the line does not match if any matches
  std::vector<Condition> where;             // all must hold
  EventFields fields = EventFields::kNone;  // where `where` finds fields it does not capture
  std::vector<std::string> programs;        // empty: the rule's programs
  std::string from_rule;                    // the step reuses this rule's match and where
  SourcePosition pos;
};

// How counted lines become an incident.
enum class AggregationKind : uint8_t {
  kCount,     // `count` matches within `window` (a rule without aggregation is count 1)
  kDistinct,  // `count` distinct values of `distinct_field` within `window`
  kSequence,  // every step's `count` matches, in step order (or any order), within `window`
  kAbsence,   // no matching line from a group key for `window`
};

std::string_view aggregation_kind_name(AggregationKind k);  // "count", "distinct", ...

// A line from the rule's own `tests:` section.
struct RuleTestCase {
  std::string line;
  std::vector<std::pair<std::string, std::string>> fields;  // expected captures (match cases)
  std::string step;                                         // sequence: the step it must match
  SourcePosition pos;
};

inline constexpr uint32_t kAllSources = (1u << kAssetClassCount) - 1;

struct Rule {
  // Definition.
  std::string id;
  std::string title;
  std::string title_vi;  // Vietnamese title for the police dashboard; may be empty
  std::string description;
  Severity severity = Severity::kMedium;
  int level = 0;                      // 0..15
  uint32_t sources = kAllSources;     // bit (1 << AssetClass) per class the rule applies to
  std::vector<std::string> inputs;    // input names from `sources`; empty = every input
  std::vector<std::string> programs;  // syslog APP-NAME, exact; empty = any
  std::vector<std::string> tags;
  bool enabled = true;
  std::vector<MatchStep> steps;  // one for every kind but kSequence
  AggregationKind kind = AggregationKind::kCount;
  bool aggregated = false;  // an `aggregation:`/`sequence:`/`absence:` section was given
  uint32_t count = 1;       // kCount/kDistinct: matches (values) needed within `window_us`
  // kCount/kDistinct: at most this many matches (values), 0 = no upper bound. With an upper
  // bound the window is fixed (from the key's first match, `window_us` long) and decided
  // when it closes; without one, `count` is "at least" over a sliding window.
  uint32_t count_max = 0;
  bool any_order = false;  // kSequence: the steps may come in any order (`order: any`)
  // false: the rule's matches make no incident of their own (they only feed rules that
  // reuse its match with `rule:`).
  bool incidents = true;
  int64_t window_us = 0;       // kAbsence: the silence that makes an incident
  std::string distinct_field;  // kDistinct
  SourcePosition distinct_pos;
  std::vector<std::string> group_by;  // empty: the event's host, else its peer
  std::vector<SourcePosition> group_by_pos;
  int64_t suppress_us = 0;  // gap that closes an open incident
  std::vector<RuleTestCase> match_tests;
  std::vector<RuleTestCase> no_match_tests;
  // Hashes of the named lists the rule's conditions use (name -> hash), filled by the
  // check stage, so editing a list changes the version of the rules that read it.
  std::vector<std::pair<std::string, std::string>> list_hashes;

  // Where it was written.
  std::string file;
  SourcePosition pos;

  // 16 hex digits of XXH3 over canonical_text(); changes when the definition does (tests
  // excluded: they do not change what the rule detects).
  std::string version;

  // The single step of a plain rule (and the first of a sequence).
  const MatchStep& match() const { return steps.front(); }
  // An upper bound on the count: the window is fixed and decided when it closes.
  bool decided_at_close() const {
    return count_max != 0 &&
           (kind == AggregationKind::kCount || kind == AggregationKind::kDistinct);
  }
  bool applies_to(AssetClass c) const { return (sources & (1u << static_cast<unsigned>(c))) != 0; }
  bool accepts_program(std::string_view app) const;
  bool step_accepts_program(const MatchStep& step, std::string_view app) const;
  // A stable text form of the definition (not of the file: comments and layout don't count).
  std::string canonical_text() const;
};

// Wazuh-style level implied by a severity when the rule gives none.
int default_level(Severity s);

// Built-in fields a rule may group by or test in `where` besides its named captures:
// host, app, peer (the sender's address), procid, msgid, input (the input's name),
// asset_class.
bool is_builtin_field(std::string_view name);
// The built-in fields `where` may test: those and `message` (the event's message, the text
// patterns run on).
bool is_where_builtin_field(std::string_view name);

}  // namespace wardsoc
