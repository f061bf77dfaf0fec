#include "rules/pattern_syntax.h"

#include <boost/test/unit_test.hpp>

using namespace wardsoc;

BOOST_AUTO_TEST_CASE(named_groups_become_non_capturing_for_hyperscan) {
  const PatternSyntax s = analyze_pattern(R"(^Failed for (?P<user>\S+) from (?P<src_ip>[\d.]+))");
  BOOST_TEST(s.named_groups == (std::vector<std::string>{"user", "src_ip"}));
  BOOST_TEST(s.hyperscan_exact == R"(^Failed for (?:[^\t\n\f\r ]+) from (?:[\d.]+))");
  BOOST_TEST(!s.hyperscan_unsafe);
}

BOOST_AUTO_TEST_CASE(escapes_classes_and_quotes_are_not_groups) {
  // An escaped paren, a class holding "(?P<", and a \Q..\E quote are all literal text.
  const PatternSyntax s = analyze_pattern(R"(\(?P<a>x[(?P<b>]\Q(?P<c>\E(?P<d>y))");
  BOOST_TEST(s.named_groups == (std::vector<std::string>{"d"}));
  BOOST_TEST(s.hyperscan_exact.find("(?:y)") != std::string::npos);
  BOOST_TEST(s.hyperscan_exact.find("[(?P<b>]") != std::string::npos);
  BOOST_TEST(s.hyperscan_exact.find(R"(\x28\x3fP\x3cc\x3e)") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(class_with_leading_bracket_and_posix_class_is_kept) {
  const PatternSyntax s = analyze_pattern(R"([]a[:digit:]](?P<n>\d))");
  BOOST_TEST(s.named_groups == (std::vector<std::string>{"n"}));
  BOOST_TEST(s.hyperscan_exact == R"([]a[:digit:]](?:\d))");
}

BOOST_AUTO_TEST_CASE(dollar_becomes_end_of_text_unless_multiline) {
  BOOST_TEST(analyze_pattern("a$").hyperscan_exact == "a\\z");
  BOOST_TEST(analyze_pattern("(?m)a$").hyperscan_exact == "(?m)a$");
  BOOST_TEST(analyze_pattern("[$]").hyperscan_exact == "[$]");
}

BOOST_AUTO_TEST_CASE(whitespace_classes_follow_re2) {
  BOOST_TEST(analyze_pattern(R"(\s\v)").hyperscan_exact == R"([\t\n\f\r ]\x0b)");
  BOOST_TEST(analyze_pattern(R"([\s,])").hyperscan_exact == R"([\t\n\f\r\x20,])");
  BOOST_TEST(analyze_pattern(R"([^\S])").needs_confirm);
}

BOOST_AUTO_TEST_CASE(relaxed_form_drops_anchors_boundaries_and_ungreedy) {
  const PatternSyntax s = analyze_pattern(R"((?U)(?:^|\s)user=\b(?P<u>\w+)$)");
  BOOST_TEST(s.hyperscan_relaxed == R"((?:|[\t\n\f\r ])user=(?:\w+))");
  // A dropped assertion keeps an empty atom for a quantifier that follows it.
  BOOST_TEST(analyze_pattern(R"(a\b{2})").hyperscan_relaxed == "a(?:){2}");
  BOOST_TEST(analyze_pattern("(?iU:x)").hyperscan_relaxed == "(?i:x)");
}

BOOST_AUTO_TEST_CASE(unicode_classes_and_caseless_non_ascii_are_re2_only) {
  BOOST_TEST(analyze_pattern(R"(\pL+)").hyperscan_unsafe);
  BOOST_TEST(analyze_pattern(R"([\p{Greek}])").hyperscan_unsafe);
  BOOST_TEST(analyze_pattern("(?i)đăng nhập").hyperscan_unsafe);
  BOOST_TEST(analyze_pattern(R"((?i)\xe9)").hyperscan_unsafe);
  BOOST_TEST(!analyze_pattern("đăng nhập").hyperscan_unsafe);
  BOOST_TEST(!analyze_pattern("(?i)login").hyperscan_unsafe);
}

BOOST_AUTO_TEST_CASE(non_ascii_inside_brackets_warns) {
  BOOST_TEST(analyze_pattern("[ăâ]n").warnings.size() == 1u);
  BOOST_TEST(analyze_pattern("ăn|ân").warnings.empty());
}

BOOST_AUTO_TEST_CASE(lines_form_anchors_each_line_and_keeps_newlines_out) {
  // Anchors become a line's start and end (the joined scan runs in multi-line mode).
  BOOST_TEST(analyze_pattern("^a$").hyperscan_lines == "^a$");
  BOOST_TEST(analyze_pattern(R"(\Aa\z)").hyperscan_lines == "^a$");
  BOOST_TEST(analyze_pattern("(?m)^a$").hyperscan_lines == "^a$");
  BOOST_TEST(analyze_pattern("(?im)a").hyperscan_lines == "(?i)a");
  BOOST_TEST(analyze_pattern("(?m:a)").hyperscan_lines == "(?:a)");
  // Classes that would take '\n' leave it out, and stay exact on a line without one.
  const PatternSyntax s = analyze_pattern(R"(\s[^"]\D\W[\s,]\S)");
  BOOST_TEST(s.hyperscan_lines ==
             R"([\t\f\r ][^"\n][^0-9\n][^0-9A-Za-z_\n][\t\f\r\x20,][^\t\n\f\r ])");
  BOOST_TEST(s.lines_exact);
  BOOST_TEST(analyze_pattern(R"(a.b[ -~]+[a-z0-9])").lines_exact);
  BOOST_TEST(analyze_pattern(R"(user=\b\w+\B)").lines_exact);
}

BOOST_AUTO_TEST_CASE(lines_form_says_when_a_match_can_span_lines) {
  // Each of these can match a newline byte: a hit in joined lines must be confirmed.
  for (const char* p : {R"(a\nb)", R"(a\x0ab)", R"(a\x{a}b)", R"(a[\n]b)", R"(a[\x00-\x7f]b)",
                        R"(a[\t-\r]b)", R"((?s)a.b)", R"(a[[:space:]]b)", R"(a[\D]b)", "a\nb", R"(\Q
\E)",
                        R"(a\Cb)", R"(a\012b)"}) {
    BOOST_TEST_CONTEXT(p) { BOOST_TEST(!analyze_pattern(p).lines_exact); }
  }
}

BOOST_AUTO_TEST_CASE(leading_literal_is_what_every_match_starts_with) {
  BOOST_TEST(leading_literal(R"(sshd\[(?P<pid>\d+)\]: )") == "sshd[");
  BOOST_TEST(leading_literal(R"(Failed password for (?P<user>\S+))") == "Failed password for ");
  BOOST_TEST(leading_literal(R"(a\.b\-c\d)") == "a.b-c");
  // A quantifier takes the last byte out; too short a run is not worth it.
  BOOST_TEST(leading_literal("abcd?e") == "abc");
  BOOST_TEST(leading_literal("abc*") == "ab");
  BOOST_TEST(leading_literal("ab{2}").empty());
  BOOST_TEST(leading_literal("a+b").empty());
  // None: anchored, starting with a group, a class, an assertion or flags, a top-level
  // alternative.
  for (const char* p : {"^abc", "(abc)d", "[ab]cd", R"(\babc)", R"(\dabc)", "(?s)abc", "(?i)abc",
                        "abc|def", ".abc", R"(\Qabc\E)"}) {
    BOOST_TEST_CONTEXT(p) { BOOST_TEST(leading_literal(p).empty()); }
  }
  // An alternative inside a group, or flags after the lead, leave the lead alone.
  BOOST_TEST(leading_literal("abc(?:d|e)") == "abc");
  BOOST_TEST(leading_literal("abc(?i:d)") == "abc");
  BOOST_TEST(leading_literal("abc (?i)up") == "abc ");
}

BOOST_AUTO_TEST_CASE(split_after_captures_cuts_after_the_last_named_group_at_the_top_level) {
  auto s = split_after_captures(R"(^(?:x)? from (?P<src_ip>[\d.]+)(?: port \d+)?: auth failed$)");
  BOOST_TEST(s.head == R"(^(?:x)? from (?P<src_ip>[\d.]+))");
  BOOST_TEST(s.tail == R"((?: port \d+)?: auth failed$)");
  // A quantifier stays with its group; a group holding the name is cut after as a whole.
  s = split_after_captures(R"(^a(?P<u>\w+)?? b(?:c(?P<v>d)e){1,2}[)(]f)");
  BOOST_TEST(s.head == R"(^a(?P<u>\w+)?? b(?:c(?P<v>d)e){1,2})");
  BOOST_TEST(s.tail == R"([)(]f)");
  // Nothing to cut: no name, nothing after it, a top-level '|', bare flags, \Q.
  BOOST_TEST(split_after_captures(R"(^a(b)c)").head.empty());
  BOOST_TEST(split_after_captures(R"(^a(?P<x>b))").head.empty());
  BOOST_TEST(split_after_captures(R"(^a(?P<x>b)c|d)").head.empty());
  BOOST_TEST(split_after_captures(R"((?i)a(?P<x>b)c)").head.empty());
  BOOST_TEST(split_after_captures(R"(\Qa(\E(?P<x>b)c)").head.empty());
  // Brackets and parentheses inside classes and escapes are not groups.
  s = split_after_captures(R"(^\((?P<x>[^)\]]+)\)[\]]$)");
  BOOST_TEST(s.head == R"(^\((?P<x>[^)\]]+))");
  BOOST_TEST(s.tail == R"(\)[\]]$)");
}
