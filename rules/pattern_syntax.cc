#include "rules/pattern_syntax.h"

#include <algorithm>
#include <cctype>
#include <cstdio>

namespace wardsoc {

namespace {

constexpr long kLargeRepeat = 100;

bool is_quantifier(char c) { return c == '*' || c == '+' || c == '?' || c == '{'; }

bool is_hex(char c) { return std::isxdigit(static_cast<unsigned char>(c)) != 0; }

unsigned hex_value(char c) {
  if (c >= '0' && c <= '9') return static_cast<unsigned>(c - '0');
  return static_cast<unsigned>(std::tolower(static_cast<unsigned char>(c)) - 'a' + 10);
}

// One pass over the pattern. `multiline` says how to translate `$`; the pass reports whether
// multi-line mode is switched on anywhere, and the caller runs it again if it guessed wrong.
class Walker {
 public:
  Walker(std::string_view p, bool multiline) : p_(p), multiline_(multiline) {}

  PatternSyntax run() {
    while (i_ < p_.size()) {
      const char c = p_[i_];
      if (c == '\\') {
        escape();
      } else if (c == '[') {
        char_class();
      } else if (c == '(') {
        group_open();
      } else if (c == '^') {
        three("^", "", "^");
        ++i_;
        drop_assertion_fixup();
      } else if (c == '$') {
        three(multiline_ ? "$" : "\\z", "", "$");
        ++i_;
        drop_assertion_fixup();
      } else {
        track_shape(c);
        note_byte(c);
        if (c == '\n') crosses_lines();
        if (c == '.' && dotall_) crosses_lines();
        out_.hyperscan_exact += c;
        out_.hyperscan_relaxed += c;
        out_.hyperscan_lines += c;
        ++i_;
      }
    }
    if (nested_repeat_) {
      out_.cost_notes.emplace_back(
          "a repetition inside a repeated group (like (a+)+): large automata in Hyperscan and slow "
          "captures in RE2; write the inner part once");
    }
    if (largest_repeat_ >= kLargeRepeat) {
      out_.cost_notes.push_back(
          "a counted repetition of " + std::to_string(largest_repeat_) + " (like .{" +
          std::to_string(largest_repeat_) +
          "}): Hyperscan unrolls it, which makes the database large and slow to build");
    }
    if (caseless_ && non_ascii_) {
      unsafe("case-insensitive matching of non-ASCII letters differs between RE2 and Hyperscan");
    }
    if (class_non_ascii_) {
      out_.warnings.emplace_back(
          "a character class contains non-ASCII bytes; patterns match bytes, so a UTF-8 "
          "character inside [...] matches any one of its bytes (write it outside the brackets "
          "or as an alternation)");
    }
    out_.lines_exact = !crosses_lines_;
    return std::move(out_);
  }

  bool saw_multiline() const { return saw_multiline_; }

 private:
  void both(std::string_view exact, std::string_view relaxed) { three(exact, relaxed, exact); }
  void three(std::string_view exact, std::string_view relaxed, std::string_view lines) {
    out_.hyperscan_exact += exact;
    out_.hyperscan_relaxed += relaxed;
    out_.hyperscan_lines += lines;
  }
  // The pattern can match a newline byte: in joined lines, a hit may span two of them.
  void crosses_lines() { crosses_lines_ = true; }

  // A dropped assertion followed by a quantifier must not hand the quantifier to the atom
  // before it ("a\b{2}" is not "a{2}"): keep an empty group for it to apply to.
  void drop_assertion_fixup() {
    if (i_ < p_.size() && is_quantifier(p_[i_])) out_.hyperscan_relaxed += "(?:)";
  }

  // Follows groups and quantifiers to find repetitions inside repeated groups and large
  // counted repetitions. Called for the characters the walk does not treat specially.
  void track_shape(char c) {
    if (c == ')') {
      const bool inner = !group_unbounded_.empty() && group_unbounded_.back() &&
                         !(!group_literal_start_.empty() && group_literal_start_.back());
      if (!group_unbounded_.empty()) group_unbounded_.pop_back();
      if (!group_literal_start_.empty()) group_literal_start_.pop_back();
      const size_t next = i_ + 1;
      if (inner && next < p_.size() && (p_[next] == '*' || p_[next] == '+' || p_[next] == '{'))
        nested_repeat_ = true;
      return;
    }
    if (c == '*' || c == '+') {
      mark_unbounded();
      return;
    }
    if (c == '{') {
      // {n}, {n,}, {n,m}: the largest bound, and whether it is open-ended.
      size_t j = i_ + 1;
      long lo = 0, hi = -1;
      bool comma = false, digits = false;
      while (j < p_.size() && (std::isdigit(static_cast<unsigned char>(p_[j])) || p_[j] == ',')) {
        if (p_[j] == ',') {
          comma = true;
          hi = 0;
        } else {
          digits = true;
          long& v = comma ? hi : lo;
          if (v < 1000000) v = v * 10 + (p_[j] - '0');
        }
        ++j;
      }
      if (!digits || j >= p_.size() || p_[j] != '}') return;  // a literal brace
      if (comma && hi == 0 && p_[j - 1] == ',') {
        mark_unbounded();
        hi = lo;
      }
      largest_repeat_ = std::max(largest_repeat_, std::max(lo, hi));
    }
  }

  void mark_unbounded() { std::fill(group_unbounded_.begin(), group_unbounded_.end(), true); }

  void note_byte(char c) {
    if (static_cast<unsigned char>(c) >= 0x80) non_ascii_ = true;
  }

  void unsafe(std::string reason) {
    if (!out_.hyperscan_unsafe) {
      out_.hyperscan_unsafe = true;
      out_.unsafe_reason = std::move(reason);
    }
  }

  // \x41, \x{41}: returns the length of the escape (from the backslash) and notes a value
  // above 0x7f.
  size_t hex_escape(size_t at, unsigned long* value = nullptr) {
    unsigned long ignored = 0;
    unsigned long& v_out = value != nullptr ? *value : ignored;
    size_t j = at + 2;
    if (j < p_.size() && p_[j] == '{') {
      size_t k = j + 1;
      unsigned long v = 0;
      while (k < p_.size() && is_hex(p_[k])) {
        if (v < 0x1000000) v = v * 16 + hex_value(p_[k]);
        ++k;
      }
      if (k < p_.size() && p_[k] == '}') ++k;
      if (v >= 0x80) non_ascii_ = true;
      v_out = v;
      return k - at;
    }
    unsigned v = 0;
    size_t k = j;
    while (k < p_.size() && k < j + 2 && is_hex(p_[k])) v = v * 16 + hex_value(p_[k++]);
    if (v >= 0x80) non_ascii_ = true;
    v_out = v;
    return k - at;
  }

  // \Q...\E: every byte literal. Written out as escapes so nothing depends on Hyperscan
  // reading \Q the way RE2 does.
  void quoted() {
    size_t j = i_ + 2;
    while (j < p_.size()) {
      if (p_[j] == '\\' && j + 1 < p_.size() && p_[j + 1] == 'E') {
        j += 2;
        break;
      }
      const unsigned char b = static_cast<unsigned char>(p_[j]);
      note_byte(p_[j]);
      if (b == '\n') crosses_lines();
      char buf[8];
      if (std::isalnum(b) || b >= 0x80) {
        buf[0] = static_cast<char>(b);
        buf[1] = '\0';
      } else {
        std::snprintf(buf, sizeof buf, "\\x%02x", b);
      }
      both(buf, buf);
      ++j;
    }
    i_ = j;
  }

  void escape() {
    if (i_ + 1 >= p_.size()) {  // a trailing backslash; RE2 rejects it
      both("\\", "\\");
      ++i_;
      return;
    }
    const char e = p_[i_ + 1];
    switch (e) {
      case 'Q':
        quoted();
        return;
      case 's':
        three("[\\t\\n\\f\\r ]", "[\\t\\n\\f\\r ]", "[\\t\\f\\r ]");
        break;
      case 'D':
        three("\\D", "\\D", "[^0-9\\n]");
        break;
      case 'W':
        three("\\W", "\\W", "[^0-9A-Za-z_\\n]");
        break;
      case 'n':
      case 'C':
      case '0':
      case '1':
      case '2':
      case '3':
      case '4':
      case '5':
      case '6':
      case '7':
        crosses_lines();  // \n, any byte, an octal code (possibly 012)
        both(p_.substr(i_, 2), p_.substr(i_, 2));
        break;
      case 'S':
        both("[^\\t\\n\\f\\r ]", "[^\\t\\n\\f\\r ]");
        break;
      case 'v':
        both("\\x0b", "\\x0b");
        break;
      case 'b':
      case 'B':
      case 'A':
      case 'z':
        out_.hyperscan_exact += '\\';
        out_.hyperscan_exact += e;
        // Joined lines are scanned in multi-line mode: the text's start and end are a
        // line's start and end.
        out_.hyperscan_lines += e == 'A' ? "^" : e == 'z' ? "$" : e == 'b' ? "\\b" : "\\B";
        i_ += 2;
        drop_assertion_fixup();
        return;
      case 'p':
      case 'P':
        unsafe("Unicode character classes (\\p, \\P) are matched by RE2 only");
        both(p_.substr(i_, 2), p_.substr(i_, 2));
        break;
      case 'x': {
        unsigned long v = 0;
        const size_t len = hex_escape(i_, &v);
        if (v == '\n') crosses_lines();
        both(p_.substr(i_, len), p_.substr(i_, len));
        i_ += len;
        return;
      }
      default:
        note_byte(e);
        both(p_.substr(i_, 2), p_.substr(i_, 2));
        break;
    }
    i_ += 2;
  }

  void char_class() {
    const size_t start = i_;
    std::string body = "[";
    std::string lines = "[";
    ++i_;
    const bool negated = i_ < p_.size() && p_[i_] == '^';
    if (negated) {
      body += p_[i_];
      lines += p_[i_++];
    }
    // Whether the class can match a newline, for the joined-lines form: a negated class
    // gets \n added to what it leaves out; a positive one that holds \n (or a range over
    // it) makes the whole pattern able to span lines.
    bool newline = false;
    int prev = -1;  // the byte of the last plain item, for ranges; -1 when not known
    auto item = [&](int byte) {
      if (!negated && byte == '\n') newline = true;
      prev = byte;
    };
    if (i_ < p_.size() && p_[i_] == ']') {  // a leading ] is literal
      body += p_[i_];
      lines += p_[i_++];
      item(']');
    }
    while (i_ < p_.size() && p_[i_] != ']') {
      const char c = p_[i_];
      if (c == '[' && i_ + 1 < p_.size() && p_[i_ + 1] == ':') {  // [:alpha:]
        const size_t end = p_.find(":]", i_ + 2);
        if (end == std::string_view::npos) break;
        const std::string_view name = p_.substr(i_ + 2, end - i_ - 2);
        if (!negated && (name == "space" || name == "cntrl" || name.starts_with('^')))
          newline = true;
        body += p_.substr(i_, end + 2 - i_);
        lines += p_.substr(i_, end + 2 - i_);
        i_ = end + 2;
        prev = -1;
        continue;
      }
      if (c == '-' && prev >= 0 && i_ + 1 < p_.size() && p_[i_ + 1] != ']') {
        // A range: from the last item to the next plain byte; an escape as its end is not
        // followed here, so the range counts as holding \n unless it starts above it.
        const unsigned char hi = static_cast<unsigned char>(p_[i_ + 1]);
        const bool plain_hi = p_[i_ + 1] != '\\';
        if (!negated && prev <= '\n' && (!plain_hi || hi >= '\n')) newline = true;
        body += c;
        lines += c;
        ++i_;
        prev = -1;
        continue;
      }
      if (c == '\\' && i_ + 1 < p_.size()) {
        const char e = p_[i_ + 1];
        prev = -1;
        if (e == 's') {
          body += "\\t\\n\\f\\r\\x20";
          lines += "\\t\\f\\r\\x20";
        } else if (e == 'S') {
          // [\S] in PCRE leaves out \v, RE2 keeps it: close, not exact.
          out_.needs_confirm = true;
          body += "\\S";
          lines += "\\S";
        } else if (e == 'v') {
          body += "\\x0b";
          lines += "\\x0b";
          prev = 0x0b;
        } else if (e == 'p' || e == 'P') {
          unsafe("Unicode character classes (\\p, \\P) are matched by RE2 only");
          body += p_.substr(i_, 2);
          lines += p_.substr(i_, 2);
        } else if (e == 'x') {
          unsigned long v = 0;
          const size_t len = hex_escape(i_, &v);
          body += p_.substr(i_, len);
          lines += p_.substr(i_, len);
          item(static_cast<int>(std::min<unsigned long>(v, 0xff)));
          i_ += len;
          continue;
        } else {
          if (static_cast<unsigned char>(e) >= 0x80) class_non_ascii_ = non_ascii_ = true;
          if (!negated && (e == 'n' || e == 'D' || e == 'W' || (e >= '0' && e <= '7')))
            newline = true;
          // An escaped punctuation byte stands for itself; a letter code (\t, \a, \r) is
          // taken as low, so a range from it counts as holding \n.
          prev = std::isalnum(static_cast<unsigned char>(e)) ? 0 : static_cast<unsigned char>(e);
          body += p_.substr(i_, 2);
          lines += p_.substr(i_, 2);
        }
        i_ += 2;
        continue;
      }
      if (static_cast<unsigned char>(c) >= 0x80) class_non_ascii_ = non_ascii_ = true;
      item(static_cast<unsigned char>(c));
      body += c;
      lines += c;
      ++i_;
    }
    if (i_ < p_.size()) {
      body += ']';
      lines += negated ? "\\n]" : "]";
      ++i_;
    } else {
      // Unterminated: RE2 reports it; hand the rest over unchanged.
      body = std::string(p_.substr(start));
      lines = body;
    }
    if (newline) crosses_lines();
    three(body, body, lines);
  }

  void group_open() {
    const size_t depth = group_unbounded_.size();
    group_unbounded_.push_back(false);
    group_open_impl();
    if (group_unbounded_.size() > depth) {
      // "(?:" is left for the main loop to copy; its content starts after the "?:".
      group_literal_start_.push_back(literal_at(p_.substr(i_, 2) == "?:" ? i_ + 2 : i_));
    }
  }

  // A group whose content starts with a literal byte (like "(?: \S+)*") cannot have its
  // repetitions overlap, so a repetition inside it costs nothing special.
  bool literal_at(size_t i) const {
    if (i >= p_.size()) return false;
    const unsigned char c = static_cast<unsigned char>(p_[i]);
    if (c == '\\') return i + 1 < p_.size() && !std::isalnum(static_cast<unsigned char>(p_[i + 1]));
    return std::isalnum(c) || c == ' ' || c == '-' || c == ':' || c == '=' || c == ',' ||
           c == ';' || c == '/' || c == '@' || c >= 0x80;
  }

  void group_open_impl() {
    if (p_.substr(i_, 4) == "(?P<") {
      const size_t end = p_.find('>', i_ + 4);
      if (end != std::string_view::npos) {
        out_.named_groups.emplace_back(p_.substr(i_ + 4, end - i_ - 4));
        both("(?:", "(?:");
        i_ = end + 1;
        return;
      }
    }
    if (p_.substr(i_, 2) == "(?") {
      // Flag groups: (?flags) and (?flags:...), flags from [imsU] with an optional '-'.
      size_t j = i_ + 2;
      std::string on, off;
      bool negate = false;
      while (j < p_.size() &&
             (p_[j] == 'i' || p_[j] == 'm' || p_[j] == 's' || p_[j] == 'U' || p_[j] == '-')) {
        if (p_[j] == '-') {
          negate = true;
        } else {
          (negate ? off : on) += p_[j];
        }
        ++j;
      }
      if (j > i_ + 2 && j < p_.size() && (p_[j] == ')' || p_[j] == ':')) {
        if (on.find('i') != std::string::npos) caseless_ = true;
        if (on.find('m') != std::string::npos) saw_multiline_ = true;
        // Any (?s) makes '.' take newlines from there on; not followed by scope here.
        if (on.find('s') != std::string::npos) dotall_ = true;
        out_.hyperscan_exact += p_.substr(i_, j + 1 - i_);
        {
          // Joined lines are scanned in multi-line mode already; m has no effect on one line.
          std::string lon, loff;
          for (char ch : on) {
            if (ch != 'm') lon += ch;
          }
          for (char ch : off) {
            if (ch != 'm') loff += ch;
          }
          if (!lon.empty() || !loff.empty()) {
            out_.hyperscan_lines +=
                "(?" + lon + (loff.empty() ? "" : "-" + loff) + (p_[j] == ')' ? ")" : ":");
          } else if (p_[j] == ':') {
            out_.hyperscan_lines += "(?:";
          }
        }
        // Ungreedy mode changes which match is reported, never whether one exists.
        auto without_u = [](const std::string& f) {
          std::string r;
          for (char ch : f) {
            if (ch != 'U') r += ch;
          }
          return r;
        };
        on = without_u(on);
        off = without_u(off);
        std::string relaxed = "(?" + on + (off.empty() ? "" : "-" + off);
        if (p_[j] == ')') {
          group_unbounded_.pop_back();  // a flag setting, not a group: nothing closes it
          if (!on.empty() || !off.empty()) out_.hyperscan_relaxed += relaxed + ")";
        } else {
          out_.hyperscan_relaxed += relaxed + ":";
        }
        i_ = j + 1;
        return;
      }
    }
    both("(", "(");
    ++i_;
  }

  std::string_view p_;
  bool multiline_;
  size_t i_ = 0;
  bool caseless_ = false;
  bool non_ascii_ = false;
  bool class_non_ascii_ = false;
  bool saw_multiline_ = false;
  bool dotall_ = false;
  bool crosses_lines_ = false;
  std::vector<bool> group_unbounded_;      // per open group: holds an unbounded repetition
  std::vector<bool> group_literal_start_;  // per open group: its content starts with a literal
  bool nested_repeat_ = false;
  long largest_repeat_ = 0;
  PatternSyntax out_;
};

}  // namespace

PatternSyntax analyze_pattern(std::string_view re2_pattern) {
  Walker first(re2_pattern, false);
  PatternSyntax result = first.run();
  if (first.saw_multiline()) {
    Walker second(re2_pattern, true);
    result = second.run();
  }
  return result;
}

std::string required_literal(std::string_view p, bool* caseless) {
  std::string best;
  for (std::string& run : required_literal_runs(p, caseless)) {
    if (run.size() > best.size()) best = std::move(run);
  }
  return best;
}

std::string capture_free_prefix(std::string_view p) {
  if (p.empty() || p[0] != '^') return {};
  // Index just past the bracket expression that starts at p[i] == '['.
  auto class_end = [&](size_t i) {
    size_t j = i + 1;
    if (j < p.size() && p[j] == '^') ++j;
    if (j < p.size() && p[j] == ']') ++j;
    while (j < p.size() && p[j] != ']') j += p[j] == '\\' ? 2 : 1;
    return j + 1;
  };
  size_t cut = std::string_view::npos;
  int depth = 0;
  size_t group_start = 0;  // where the depth-0 group being walked began
  for (size_t i = 1; i < p.size();) {
    const char c = p[i];
    if (c == '\\') {
      if (i + 1 < p.size() && (p[i + 1] == 'Q' || p[i + 1] == 'E')) return {};
      i += 2;
      continue;
    }
    if (c == '[') {
      i = class_end(i);
      continue;
    }
    if (c == '|' && depth == 0) return {};
    if (c == '(') {
      const bool non_capturing = p.substr(i, 3) == "(?:";
      const bool named = p.substr(i, 4) == "(?P<";
      if (!non_capturing && !named && p.substr(i, 2) == "(?") return {};  // flags: keep it simple
      if (depth == 0) group_start = i;
      if (!non_capturing && cut == std::string_view::npos) cut = depth == 0 ? i : group_start;
      ++depth;
      i += non_capturing ? 3 : 1;
      continue;
    }
    if (c == ')') {
      if (depth > 0) --depth;
      ++i;
      continue;
    }
    ++i;
  }
  if (cut == std::string_view::npos || cut <= 1) return {};
  return std::string(p.substr(0, cut));
}

std::vector<std::string> required_literal_runs(std::string_view p, bool* caseless) {
  *caseless = false;
  std::vector<std::string> runs;
  std::string cur;
  int depth = 0;
  bool top_alternation = false;
  auto flush = [&] {
    if (!cur.empty()) runs.push_back(cur);
    cur.clear();
  };
  for (size_t i = 0; i < p.size();) {
    const char c = p[i];
    if (c == '\\') {
      if (i + 1 >= p.size()) break;
      const char e = p[i + 1];
      if (e == 'Q') {  // \Q...\E: all literal
        size_t j = i + 2;
        for (; j < p.size() && !(p[j] == '\\' && j + 1 < p.size() && p[j + 1] == 'E'); ++j) {
          if (depth == 0) cur += p[j];
        }
        i = j + 2;
        continue;
      }
      if (!std::isalnum(static_cast<unsigned char>(e)) && depth == 0) {
        cur += e;  // an escaped punctuation character is itself
      } else {
        flush();  // a class (\d, \S), an assertion (\b, \z) or a code (\x41)
      }
      i += 2;
      continue;
    }
    if (c == '(') {
      flush();
      // (?flags) sets flags without opening a group; (?flags:...) opens one.
      if (p.substr(i, 2) == "(?") {
        size_t j = i + 2;
        bool on = true;
        while (j < p.size() && (std::isalpha(static_cast<unsigned char>(p[j])) || p[j] == '-')) {
          if (p[j] == '-') on = false;
          if (p[j] == 'i' && on) *caseless = true;
          ++j;
        }
        if (j < p.size() && p[j] == ')' && j > i + 2) {
          i = j + 1;
          continue;
        }
      }
      ++depth;
      ++i;
      continue;
    }
    if (c == ')') {
      flush();
      if (depth > 0) --depth;
      ++i;
      continue;
    }
    if (c == '[') {  // a class: skip to its end
      flush();
      size_t j = i + 1;
      if (j < p.size() && p[j] == '^') ++j;
      if (j < p.size() && p[j] == ']') ++j;
      while (j < p.size() && p[j] != ']') j += p[j] == '\\' ? 2 : 1;
      i = j + 1;
      continue;
    }
    if (c == '|') {
      if (depth == 0) top_alternation = true;
      flush();
      ++i;
      continue;
    }
    if (c == '*' || c == '+' || c == '?' || c == '{') {
      // The quantified atom is the last byte of the run: it is not required as written.
      if (!cur.empty()) cur.pop_back();
      flush();
      if (c == '{') {
        while (i < p.size() && p[i] != '}') ++i;
      }
      ++i;
      continue;
    }
    if (c == '.' || c == '^' || c == '$') {
      flush();
      ++i;
      continue;
    }
    if (depth == 0) {
      cur += c;
    } else {
      flush();
    }
    ++i;
  }
  flush();
  if (top_alternation) return {};
  return runs;
}

std::string leading_literal(std::string_view p) {
  // required_literal_runs is empty with a top-level '|': a match could start with the other
  // branch. Flags cannot touch the lead: they come in a group, which ends it.
  bool caseless = false;
  if (required_literal_runs(p, &caseless).empty()) return {};
  std::string lead;
  size_t i = 0;
  while (i < p.size()) {
    const char c = p[i];
    if (c == '\\') {
      // An escaped punctuation byte is itself; a letter or digit is a class, an assertion
      // or a code, and ends the run.
      if (i + 1 >= p.size() || std::isalnum(static_cast<unsigned char>(p[i + 1]))) break;
      lead += p[i + 1];
      i += 2;
      continue;
    }
    if (std::string_view("^$.|?*+()[]{}").find(c) != std::string_view::npos) break;
    lead += c;
    ++i;
  }
  // A quantifier makes the run's last byte optional or repeated: it is not part of every
  // match's start as written.
  if (i < p.size() && std::string_view("?*+{").find(p[i]) != std::string_view::npos &&
      !lead.empty())
    lead.pop_back();
  if (lead.size() < 2) return {};
  return lead;
}

namespace {

// Where the class opened at p[i] == '[' ends (one past its ']'), npos if it does not.
size_t class_end(std::string_view p, size_t i) {
  size_t j = i + 1;
  if (j < p.size() && p[j] == '^') ++j;
  if (j < p.size() && p[j] == ']') ++j;  // a ']' first is a member
  while (j < p.size()) {
    if (p[j] == '\\') {
      j += 2;
      continue;
    }
    if (p[j] == '[' && j + 1 < p.size() && p[j + 1] == ':') {
      size_t e = p.find(":]", j + 2);
      if (e != std::string_view::npos) {
        j = e + 2;
        continue;
      }
    }
    if (p[j] == ']') return j + 1;
    ++j;
  }
  return std::string_view::npos;
}

// One past a quantifier ("*", "+", "?", "{n}", "{n,}", "{n,m}", each maybe followed by
// '?') at p[i], or i when there is none.
size_t after_quantifier(std::string_view p, size_t i) {
  if (i >= p.size()) return i;
  size_t j = i;
  if (p[j] == '*' || p[j] == '+' || p[j] == '?') {
    ++j;
  } else if (p[j] == '{') {
    size_t k = j + 1;
    while (k < p.size() && (std::isdigit(static_cast<unsigned char>(p[k])) != 0 || p[k] == ','))
      ++k;
    if (k == j + 1 || k >= p.size() || p[k] != '}' || p[j + 1] == ',') return i;  // a literal '{'
    j = k + 1;
  } else {
    return i;
  }
  if (j < p.size() && p[j] == '?') ++j;
  return j;
}

}  // namespace

CaptureSplit split_after_captures(std::string_view p) {
  // Walk the top level element by element; remember where the last element that holds a
  // named group ends.
  size_t cut = std::string_view::npos;
  size_t i = 0;
  while (i < p.size()) {
    const char c = p[i];
    size_t end = i + 1;
    bool named = false;
    if (c == '|') return {};
    if (c == '\\') {
      if (i + 1 >= p.size() || p[i + 1] == 'Q') return {};
      end = i + 2;
      const char e = p[i + 1];
      if ((e == 'p' || e == 'P' || e == 'x') && end < p.size() && p[end] == '{') {
        size_t close = p.find('}', end);
        if (close == std::string_view::npos) return {};
        end = close + 1;
      } else if ((e == 'p' || e == 'P') && end < p.size()) {
        end += 1;
      } else if (e == 'x') {
        end = std::min(p.size(), end + 2);
      } else if (e >= '0' && e <= '7') {
        while (end < p.size() && end < i + 4 && p[end] >= '0' && p[end] <= '7') ++end;
      }
    } else if (c == '[') {
      end = class_end(p, i);
      if (end == std::string_view::npos) return {};
    } else if (c == '(') {
      // Bare flags "(?i)" change what follows at this level: a tail would lose them.
      if (p.compare(i, 2, "(?") == 0) {
        size_t k = i + 2;
        while (k < p.size() && (std::isalpha(static_cast<unsigned char>(p[k])) != 0 || p[k] == '-'))
          ++k;
        if (k < p.size() && p[k] == ')') return {};
      }
      int depth = 0;
      size_t j = i;
      for (; j < p.size(); ++j) {
        const char d = p[j];
        if (d == '\\') {
          if (j + 1 < p.size() && p[j + 1] == 'Q') return {};
          ++j;
          continue;
        }
        if (d == '[') {
          size_t e = class_end(p, j);
          if (e == std::string_view::npos) return {};
          j = e - 1;
          continue;
        }
        if (d == '(') {
          ++depth;
          if (p.compare(j, 4, "(?P<") == 0 || (p.compare(j, 3, "(?<") == 0 && j + 3 < p.size() &&
                                               p[j + 3] != '=' && p[j + 3] != '!'))
            named = true;
        } else if (d == ')') {
          if (--depth == 0) break;
        }
      }
      if (j >= p.size()) return {};
      end = j + 1;
    } else if (c == ')') {
      return {};  // unbalanced: leave it to RE2's own error
    }
    end = after_quantifier(p, end);
    if (named) cut = end;
    i = end;
  }
  if (cut == std::string_view::npos || cut >= p.size()) return {};
  return {std::string(p.substr(0, cut)), std::string(p.substr(cut))};
}

}  // namespace wardsoc
