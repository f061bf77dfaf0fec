// Reads a rule pattern (RE2 syntax) before anything is compiled: which named groups it
// captures (the check stage needs them) and how to say the same thing to Hyperscan, whose
// dialect is PCRE's. Pure functions; safe from any thread.
//
// Both engines work on bytes (RE2 in Latin-1 mode, Hyperscan without HS_FLAG_UTF8), so a
// Hyperscan hit and an RE2 match agree byte for byte; where the dialects read one construct
// differently the translation rewrites it (\s, \v, $) or gives up on Hyperscan (RE2 only).
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace wardsoc {

struct PatternSyntax {
  // Names of (?P<name>...) groups, in order of appearance.
  std::vector<std::string> named_groups;
  // The pattern in Hyperscan's dialect, matching exactly what RE2 matches: named groups
  // become (?:, \s becomes [\t\n\f\r ] (PCRE's \s also takes \v), \v becomes \x0b, and $
  // becomes \z unless multi-line mode is on (PCRE's $ also matches before a final newline).
  std::string hyperscan_exact;
  // The exact pattern for a scan of many lines joined by '\n' in multi-line mode
  // (HS_FLAG_MULTILINE): ^ $ \A \z become a line's start and end, and classes that would
  // take a newline leave it out (\s, \D, \W, [^...]), so that on lines without a newline it
  // matches exactly where hyperscan_exact matches on each line alone.
  std::string hyperscan_lines;
  // False when hyperscan_lines can still match a newline (\n, [\x00-\x7f], (?s) and .):
  // a hit in joined lines may then span two of them, and RE2 confirms it on the line.
  bool lines_exact = true;
  // A looser pattern for HS_FLAG_PREFILTER when Hyperscan rejects the exact one: anchors and
  // word boundaries dropped, (?U) dropped. It matches a superset; RE2 confirms every hit.
  std::string hyperscan_relaxed;
  // Hyperscan would read the pattern differently from RE2 (a Unicode class; case-insensitive
  // non-ASCII letters): it is matched by RE2 only. The reason is for the warning.
  bool hyperscan_unsafe = false;
  std::string unsafe_reason;
  // Even an exact Hyperscan hit must be confirmed by RE2 (a construct whose translation is
  // close but not exact, such as \S inside brackets).
  bool needs_confirm = false;
  // Things the rule writer probably did not mean (non-ASCII bytes inside brackets).
  std::vector<std::string> warnings;
  // Shapes that cost time or memory in one of the engines (a repetition inside a
  // repetition, a large counted repetition); `rules check` shows them.
  std::vector<std::string> cost_notes;
};

PatternSyntax analyze_pattern(std::string_view re2_pattern);

// The longest run of literal bytes every match must contain (outside groups, not made
// optional by a quantifier, in a pattern without a top-level '|'); empty if there is none.
// *caseless is set when a case-insensitive flag appears anywhere in the pattern.
std::string required_literal(std::string_view re2_pattern, bool* caseless);

// The start of a pattern anchored with '^' up to its first capturing group (or the group
// holding it), e.g. "^Failed " of "^Failed (?P<method>\S+) for": every match of the pattern
// begins with a match of it, so it is a prefilter that also knows the anchor. Empty when
// the pattern is not anchored, has a top-level '|', inline flags or \Q...\E, or begins
// with its first capture.
std::string capture_free_prefix(std::string_view re2_pattern);

// The literal bytes every match of an unanchored pattern starts with, e.g. "sshd[" of
// "sshd\[(?P<pid>\d+)\]: ": the leftmost match starts at the leftmost occurrence of it from
// which the pattern matches anchored, so RE2 can be run anchored there (one pass, no DFA
// to find where the match starts). Empty when the pattern starts otherwise (with '^', a
// group, flags, a class), has a top-level '|', or the run is shorter than 2.
std::string leading_literal(std::string_view re2_pattern);

// A pattern cut in two at the top level, right after the part that holds its last named
// group: `head` (everything up to there) and `tail` (the rest), so that fields can be
// taken by running `head` alone and `tail` only asked whether it matches where `head`
// ended. With RE2's leftmost-first choice this gives the fields of the whole pattern when
// both match (the choices inside head are made before those of tail, and head's first
// match is the first way the whole can begin); when tail does not match there the whole
// pattern must be run. Empty (both) when the pattern has a top-level '|', bare flags
// ("(?i)" outside a group), \Q...\E, no named group, or nothing after the last one.
struct CaptureSplit {
  std::string head;
  std::string tail;
};
CaptureSplit split_after_captures(std::string_view re2_pattern);

// Every such run, in the order they appear (empty with a top-level '|'), for choosing the
// one fewest other patterns share.
std::vector<std::string> required_literal_runs(std::string_view re2_pattern, bool* caseless);

}  // namespace wardsoc
