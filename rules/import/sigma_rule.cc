// Reading a Sigma file: YAML documents -> SigmaRule (see sigma_rule.h). The order of the
// work is the specification's: a detection's selections become tests, each key's modifiers
// are applied left to right to its values, then the condition is parsed and the selection
// names in it are replaced by their tests.
#include "rules/import/sigma_rule.h"

#include <sodium.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <fstream>
#include <functional>
#include <sstream>

#include "core/text.h"
#include "core/yaml_reader.h"

namespace wardsoc {

namespace {

using Kind = SigmaGlob::Kind;

}  // namespace

// ---- SigmaGlob ---------------------------------------------------------------------

SigmaGlob SigmaGlob::literal_text(std::string_view text) {
  SigmaGlob g;
  if (!text.empty()) g.pieces.push_back(SigmaGlob::Piece{Kind::kLiteral, std::string(text)});
  return g;
}

SigmaGlob SigmaGlob::parse(std::string_view s) {
  // The specification: `*` and `?` are wildcards; `\*`, `\?` and `\\` are the characters
  // themselves; a backslash before anything else is a plain backslash.
  SigmaGlob g;
  std::string lit;
  auto flush = [&] {
    if (!lit.empty()) g.pieces.push_back(SigmaGlob::Piece{Kind::kLiteral, std::move(lit)});
    lit.clear();
  };
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (c == '\\' && i + 1 < s.size() && (s[i + 1] == '*' || s[i + 1] == '?' || s[i + 1] == '\\')) {
      lit += s[++i];
    } else if (c == '*') {
      flush();
      if (g.pieces.empty() || g.pieces.back().kind != Kind::kAnyRun)
        g.pieces.push_back(SigmaGlob::Piece{Kind::kAnyRun, {}});
    } else if (c == '?') {
      flush();
      g.pieces.push_back(SigmaGlob::Piece{Kind::kAnyOne, {}});
    } else {
      lit += c;
    }
  }
  flush();
  return g;
}

bool SigmaGlob::is_literal() const {
  return pieces.empty() || (pieces.size() == 1 && pieces[0].kind == Kind::kLiteral);
}
bool SigmaGlob::is_contains() const {
  return pieces.size() == 3 && pieces[0].kind == Kind::kAnyRun &&
         pieces[1].kind == Kind::kLiteral && pieces[2].kind == Kind::kAnyRun;
}
bool SigmaGlob::is_startswith() const {
  return pieces.size() == 2 && pieces[0].kind == Kind::kLiteral && pieces[1].kind == Kind::kAnyRun;
}
bool SigmaGlob::is_endswith() const {
  return pieces.size() == 2 && pieces[0].kind == Kind::kAnyRun && pieces[1].kind == Kind::kLiteral;
}

std::string SigmaGlob::literal() const {
  if (pieces.empty()) return {};
  if (is_literal()) return pieces[0].text;
  if (is_contains()) return pieces[1].text;
  if (is_startswith()) return pieces[0].text;
  if (is_endswith()) return pieces[1].text;
  return {};
}

std::string SigmaGlob::to_sigma() const {
  std::string out;
  for (const Piece& p : pieces) {
    if (p.kind == Kind::kAnyRun) {
      out += '*';
    } else if (p.kind == Kind::kAnyOne) {
      out += '?';
    } else {
      for (size_t i = 0; i < p.text.size(); ++i) {
        char c = p.text[i];
        // A backslash is only special before a wildcard or another backslash.
        bool escape = c == '*' || c == '?' ||
                      (c == '\\' && (i + 1 == p.text.size() || p.text[i + 1] == '*' ||
                                     p.text[i + 1] == '?' || p.text[i + 1] == '\\'));
        if (escape) out += '\\';
        out += c;
      }
    }
  }
  return out;
}

namespace {

// ---- value transformations ---------------------------------------------------------

std::string base64(std::string_view bytes) {
  std::string out(sodium_base64_ENCODED_LEN(bytes.size(), sodium_base64_VARIANT_ORIGINAL), '\0');
  sodium_bin2base64(out.data(), out.size(), reinterpret_cast<const unsigned char*>(bytes.data()),
                    bytes.size(), sodium_base64_VARIANT_ORIGINAL);
  out.resize(std::strlen(out.c_str()));
  return out;
}

// The three ways `bytes` can appear inside a longer base64 text, by its offset modulo 3
// in the encoded data; the characters that depend on the neighbours are cut off.
std::vector<std::string> base64_offsets(std::string_view bytes) {
  static constexpr size_t kStart[3] = {0, 2, 3};
  static constexpr int kEndCut[3] = {0, 3, 2};
  std::vector<std::string> out;
  for (size_t i = 0; i < 3; ++i) {
    std::string padded(i, ' ');
    padded.append(bytes);
    std::string enc = base64(padded);
    size_t cut = static_cast<size_t>(kEndCut[(bytes.size() + i) % 3]);
    if (enc.size() < kStart[i] + cut) continue;
    out.push_back(enc.substr(kStart[i], enc.size() - kStart[i] - cut));
  }
  return out;
}

// UTF-8 -> code points; false on bytes that are not UTF-8.
bool decode_utf8(std::string_view s, std::vector<uint32_t>* out) {
  size_t i = 0;
  while (i < s.size()) {
    auto c = static_cast<unsigned char>(s[i]);
    size_t extra = c < 0x80             ? 0
                   : (c & 0xE0) == 0xC0 ? 1
                   : (c & 0xF0) == 0xE0 ? 2
                   : (c & 0xF8) == 0xF0 ? 3
                                        : 4;
    if (extra == 4 || i + extra >= s.size()) return false;  // not a lead byte, or cut short
    uint32_t cp = extra == 0 ? c : c & (0x7Fu >> (extra + 1));
    for (size_t k = 1; k <= extra; ++k) {
      auto cc = static_cast<unsigned char>(s[i + k]);
      if ((cc & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (cc & 0x3F);
    }
    out->push_back(cp);
    i += extra + 1;
  }
  return true;
}

bool utf16(std::string_view s, bool big_endian, bool bom, std::string* out) {
  std::vector<uint32_t> cps;
  if (!decode_utf8(s, &cps)) return false;
  auto unit = [&](uint32_t u) {
    char hi = static_cast<char>((u >> 8) & 0xFF), lo = static_cast<char>(u & 0xFF);
    if (big_endian) {
      *out += hi;
      *out += lo;
    } else {
      *out += lo;
      *out += hi;
    }
  };
  if (bom) unit(0xFEFF);
  for (uint32_t cp : cps) {
    if (cp >= 0x10000) {
      cp -= 0x10000;
      unit(0xD800 + (cp >> 10));
      unit(0xDC00 + (cp & 0x3FF));
    } else {
      unit(cp);
    }
  }
  return true;
}

bool is_word_byte(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
         (static_cast<unsigned char>(c) >= 0x80);
}

// windash: a '-' or '/' that starts a word (after a non-word character or at the start,
// before a word character) may be written with any of Windows' option characters.
std::vector<std::string> windash_variants(const std::string& text, size_t max, bool* too_many) {
  static const char* const kDashes[] = {"-", "/", "\xE2\x80\x93", "\xE2\x80\x94", "\xE2\x80\x95"};
  std::vector<std::string> out = {""};
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    bool starts_word = (c == '-' || c == '/') && (i == 0 || !is_word_byte(text[i - 1])) &&
                       i + 1 < text.size() && is_word_byte(text[i + 1]);
    if (!starts_word) {
      for (std::string& o : out) o += c;
      continue;
    }
    std::vector<std::string> next;
    for (const std::string& o : out) {
      for (const char* d : kDashes) next.push_back(o + d);
    }
    if (next.size() > max) {
      *too_many = true;
      return {};
    }
    out = std::move(next);
  }
  return out;
}

// ---- reading one key's values through its modifiers --------------------------------

bool is_null(const YAML::Node& n) { return n.IsNull(); }

// Applies `modifiers` to `values` and fills `test`; returns an error text or "".
std::string build_test(const std::vector<std::string>& modifiers,
                       const std::vector<YAML::Node>& values, const SigmaReadOptions& options,
                       bool keyword, SigmaTest* test) {
  enum class Type { kGlob, kRegex, kCidr, kExists, kNumber, kFieldRef };
  Type type = Type::kGlob;
  std::vector<SigmaGlob> globs;
  bool has_null = false;
  for (const YAML::Node& v : values) {
    if (is_null(v)) {
      has_null = true;
      continue;
    }
    if (!v.IsScalar())
      return "a value is a " + std::string(v.IsMap() ? "map" : "list") + ", not a string or number";
    globs.push_back(SigmaGlob::parse(v.Scalar()));
  }
  if (has_null) {
    if (!globs.empty() || !modifiers.empty()) return "null mixed with other values or modifiers";
    test->kind = SigmaTest::Kind::kNull;
    return "";
  }
  if (globs.empty()) return "no values";
  // The raw texts, for the modifiers that take their values as written.
  std::vector<std::string> raw;
  for (const YAML::Node& v : values) raw.push_back(v.Scalar());

  auto require_literal = [&](std::string_view mod) -> std::string {
    for (const SigmaGlob& g : globs) {
      if (!g.is_literal())
        return "'" + std::string(mod) + "' on a value with wildcards ('" + g.to_sigma() + "')";
    }
    return "";
  };
  bool bytes_not_text = false;  // utf16 output not yet base64-encoded
  for (size_t m = 0; m < modifiers.size(); ++m) {
    const std::string& mod = modifiers[m];
    if (mod == "contains" || mod == "startswith" || mod == "endswith") {
      for (SigmaGlob& g : globs) {
        auto& p = g.pieces;
        bool front = mod != "startswith", back = mod != "endswith";
        if (front && (p.empty() || p.front().kind != Kind::kAnyRun))
          p.insert(p.begin(), SigmaGlob::Piece{Kind::kAnyRun, {}});
        if (back && (p.empty() || p.back().kind != Kind::kAnyRun))
          p.push_back(SigmaGlob::Piece{Kind::kAnyRun, {}});
      }
    } else if (mod == "all") {
      test->all = true;
    } else if (mod == "cased") {
      test->cased = true;
    } else if (mod == "base64" || mod == "base64offset") {
      if (std::string e = require_literal(mod); !e.empty()) return e;
      std::vector<SigmaGlob> next;
      for (const SigmaGlob& g : globs) {
        std::string text = g.literal();
        if (mod == "base64") {
          next.push_back(SigmaGlob::literal_text(base64(text)));
        } else {
          for (std::string& v : base64_offsets(text)) next.push_back(SigmaGlob::literal_text(v));
        }
      }
      globs = std::move(next);
      bytes_not_text = false;
      // base64 text is case-sensitive by nature
      test->cased = true;
    } else if (mod == "utf16le" || mod == "wide" || mod == "utf16be" || mod == "utf16") {
      if (std::string e = require_literal(mod); !e.empty()) return e;
      for (SigmaGlob& g : globs) {
        std::string out;
        if (!utf16(g.literal(), mod == "utf16be", mod == "utf16", &out)) {
          return "'" + mod + "' on a value that is not UTF-8";
        }
        g = SigmaGlob::literal_text(out);
      }
      bytes_not_text = true;
    } else if (mod == "windash") {
      std::vector<SigmaGlob> next;
      for (const SigmaGlob& g : globs) {
        // Expand each literal piece; the product over pieces stays under the limit.
        std::vector<SigmaGlob> partial = {SigmaGlob{}};
        for (const SigmaGlob::Piece& p : g.pieces) {
          std::vector<std::string> variants = {p.text};
          if (p.kind == Kind::kLiteral) {
            bool too_many = false;
            variants = windash_variants(p.text, options.max_expansion, &too_many);
            if (too_many)
              return "windash gives more than " + std::to_string(options.max_expansion) + " values";
          }
          std::vector<SigmaGlob> grown;
          for (const SigmaGlob& base : partial) {
            for (const std::string& v : variants) {
              SigmaGlob n = base;
              SigmaGlob::Piece q = p;
              q.text = v;
              n.pieces.push_back(q);
              grown.push_back(std::move(n));
            }
          }
          partial = std::move(grown);
        }
        next.insert(next.end(), partial.begin(), partial.end());
        if (next.size() > options.max_expansion) {
          return "windash gives more than " + std::to_string(options.max_expansion) + " values";
        }
      }
      globs = std::move(next);
    } else if (mod == "expand") {
      std::vector<SigmaGlob> next;
      for (const SigmaGlob& g : globs) {
        std::string text = g.to_sigma();
        size_t a = text.find('%');
        size_t b = a == std::string::npos ? a : text.find('%', a + 1);
        if (b == std::string::npos) {
          next.push_back(g);
          continue;
        }
        std::string name = text.substr(a + 1, b - a - 1);
        auto it = options.placeholders.find(name);
        if (it == options.placeholders.end()) {
          return "placeholder %" + name + "% is not in the placeholder table";
        }
        for (const std::string& v : it->second) {
          next.push_back(SigmaGlob::parse(text.substr(0, a) + v + text.substr(b + 1)));
        }
      }
      globs = std::move(next);
    } else if (mod == "re") {
      type = Type::kRegex;
      test->cased = true;
      // Sub-modifiers follow directly.
      while (m + 1 < modifiers.size() &&
             (modifiers[m + 1] == "i" || modifiers[m + 1] == "m" || modifiers[m + 1] == "s")) {
        const std::string& sub = modifiers[++m];
        if (sub == "i") test->cased = false;
        if (sub == "m") test->regex_multiline = true;
        if (sub == "s") test->regex_dotall = true;
      }
    } else if (mod == "cidr") {
      type = Type::kCidr;
    } else if (mod == "exists") {
      type = Type::kExists;
    } else if (mod == "fieldref") {
      type = Type::kFieldRef;
    } else if (mod == "lt" || mod == "lte" || mod == "gt" || mod == "gte") {
      type = Type::kNumber;
      test->compare = mod == "lt"    ? SigmaTest::Compare::kLt
                      : mod == "lte" ? SigmaTest::Compare::kLte
                      : mod == "gt"  ? SigmaTest::Compare::kGt
                                     : SigmaTest::Compare::kGte;
    } else if (mod == "i" || mod == "m" || mod == "s") {
      return "'" + mod + "' is a sub-modifier of 're' and must follow it";
    } else {
      return "unknown modifier '" + mod + "'";
    }
  }
  if (bytes_not_text)
    return "utf16 without base64 after it: the bytes would hold NULs that no log line shows";
  if (keyword && type != Type::kGlob && type != Type::kRegex) {
    return "a keyword (no field) cannot take this modifier";
  }
  switch (type) {
    case Type::kGlob:
      test->kind = SigmaTest::Kind::kGlob;
      if (keyword) {
        // Keywords are searched anywhere in the event.
        for (SigmaGlob& g : globs) {
          auto& p = g.pieces;
          if (p.empty() || p.front().kind != Kind::kAnyRun)
            p.insert(p.begin(), SigmaGlob::Piece{Kind::kAnyRun, {}});
          if (p.back().kind != Kind::kAnyRun) p.push_back(SigmaGlob::Piece{Kind::kAnyRun, {}});
        }
      }
      test->globs = std::move(globs);
      return "";
    case Type::kRegex:
      test->kind = SigmaTest::Kind::kRegex;
      test->values = raw;
      return "";
    case Type::kCidr:
      test->kind = SigmaTest::Kind::kCidr;
      test->values = raw;
      return "";
    case Type::kFieldRef:
      test->kind = SigmaTest::Kind::kFieldRef;
      test->values = raw;
      return "";
    case Type::kExists: {
      test->kind = SigmaTest::Kind::kExists;
      if (raw.size() != 1) return "'exists' takes one value, true or false";
      std::string v = ascii_lower(raw[0]);
      if (v != "true" && v != "false") return "'exists' takes true or false, not '" + raw[0] + "'";
      test->exists = v == "true";
      return "";
    }
    case Type::kNumber: {
      test->kind = SigmaTest::Kind::kNumber;
      if (raw.size() != 1) return "a comparison takes one number";
      char* end = nullptr;
      test->number = std::strtod(raw[0].c_str(), &end);
      if (raw[0].empty() || *end != '\0' || !std::isfinite(test->number)) {
        return "a comparison takes a number, not '" + raw[0] + "'";
      }
      return "";
    }
  }
  return "";
}

// ---- the condition -------------------------------------------------------------------

// condition := or ; or := and ('or' and)* ; and := not ('and' not)* ;
// not := 'not' not | '(' or ')' | ('1'|'any'|'all') 'of' (pattern|'them') | name
class ConditionParser {
 public:
  ConditionParser(std::string_view text, const std::map<std::string, SigmaExpr>& selections)
      : selections_(selections) {
    tokenize(text);
  }

  Result<SigmaExpr> parse() {
    if (!error_.empty()) return fail();
    if (tokens_.empty()) return Error(Errc::kInvalidArgument, "the condition is empty");
    SigmaExpr e = parse_or();
    if (!error_.empty()) return fail();
    if (pos_ < tokens_.size()) {
      return Error(Errc::kInvalidArgument, "unexpected '" + tokens_[pos_] + "' in the condition");
    }
    return e;
  }

 private:
  Error fail() const { return Error(Errc::kInvalidArgument, error_); }

  void tokenize(std::string_view s) {
    size_t i = 0;
    while (i < s.size()) {
      char c = s[i];
      if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
        ++i;
      } else if (c == '(' || c == ')') {
        tokens_.emplace_back(1, c);
        ++i;
      } else if (c == '|') {
        error_ = "an aggregation after '|' is Sigma 1's form; write it as a correlation rule";
        return;
      } else {
        size_t j = i;
        while (j < s.size() && s[j] != ' ' && s[j] != '\t' && s[j] != '\n' && s[j] != '\r' &&
               s[j] != '(' && s[j] != ')' && s[j] != '|') {
          ++j;
        }
        tokens_.emplace_back(s.substr(i, j - i));
        i = j;
      }
    }
  }

  bool peek(std::string_view word) const {
    return pos_ < tokens_.size() && ascii_lower(tokens_[pos_]) == word;
  }

  static SigmaExpr combine(SigmaExpr::Op op, std::vector<SigmaExpr> parts) {
    if (parts.size() == 1) return std::move(parts[0]);
    SigmaExpr e;
    e.op = op;
    for (SigmaExpr& p : parts) {
      if (p.op == op) {
        for (SigmaExpr& c : p.children) e.children.push_back(std::move(c));
      } else {
        e.children.push_back(std::move(p));
      }
    }
    return e;
  }

  SigmaExpr parse_or() {
    std::vector<SigmaExpr> parts;
    parts.push_back(parse_and());
    while (error_.empty() && peek("or")) {
      ++pos_;
      parts.push_back(parse_and());
    }
    return combine(SigmaExpr::Op::kOr, std::move(parts));
  }

  SigmaExpr parse_and() {
    std::vector<SigmaExpr> parts;
    parts.push_back(parse_not());
    while (error_.empty() && peek("and")) {
      ++pos_;
      parts.push_back(parse_not());
    }
    return combine(SigmaExpr::Op::kAnd, std::move(parts));
  }

  SigmaExpr parse_not() {
    if (!error_.empty()) return {};
    if (pos_ >= tokens_.size()) {
      error_ = "the condition ends where a selection was expected";
      return {};
    }
    if (peek("not")) {
      ++pos_;
      SigmaExpr e;
      e.op = SigmaExpr::Op::kNot;
      e.children.push_back(parse_not());
      return e;
    }
    if (tokens_[pos_] == "(") {
      ++pos_;
      SigmaExpr e = parse_or();
      if (error_.empty() && (pos_ >= tokens_.size() || tokens_[pos_] != ")"))
        error_ = "a '(' is not closed";
      ++pos_;
      return e;
    }
    if (tokens_[pos_] == ")") {
      error_ = "a ')' without its '('";
      return {};
    }
    std::string word = ascii_lower(tokens_[pos_]);
    if ((word == "1" || word == "any" || word == "all") && pos_ + 1 < tokens_.size() &&
        ascii_lower(tokens_[pos_ + 1]) == "of") {
      pos_ += 2;
      if (pos_ >= tokens_.size()) {
        error_ = "'" + word + " of' names no selections";
        return {};
      }
      std::string pattern = tokens_[pos_++];
      std::vector<SigmaExpr> parts;
      for (const auto& [name, sel] : selections_) {
        bool hit = pattern == "them" ? name.empty() || name[0] != '_' : glob_match(pattern, name);
        if (hit) parts.push_back(sel);
      }
      if (parts.empty()) {
        error_ = "'" + word + " of " + pattern + "' matches no selection";
        return {};
      }
      return combine(word == "all" ? SigmaExpr::Op::kAnd : SigmaExpr::Op::kOr, std::move(parts));
    }
    if (word == "and" || word == "or" || word == "of") {
      error_ = "'" + tokens_[pos_] + "' where a selection was expected";
      return {};
    }
    auto it = selections_.find(tokens_[pos_]);
    if (it == selections_.end()) {
      error_ =
          "the condition names '" + tokens_[pos_] + "', which is no selection of the detection";
      return {};
    }
    ++pos_;
    return it->second;
  }

  // Selection-name patterns: `*` any run; everything else literal.
  static bool glob_match(std::string_view pattern, std::string_view name) {
    if (pattern.empty()) return name.empty();
    if (pattern[0] == '*') {
      for (size_t i = 0; i <= name.size(); ++i) {
        if (glob_match(pattern.substr(1), name.substr(i))) return true;
      }
      return false;
    }
    return !name.empty() && pattern[0] == name[0] && glob_match(pattern.substr(1), name.substr(1));
  }

  const std::map<std::string, SigmaExpr>& selections_;
  std::vector<std::string> tokens_;
  size_t pos_ = 0;
  std::string error_;
};

// ---- documents -----------------------------------------------------------------------

int line_of(const YAML::Node& n) { return n.Mark().line >= 0 ? n.Mark().line + 1 : 0; }

std::vector<std::string> string_list(const YAML::Node& n) {
  std::vector<std::string> out;
  if (!n) return out;
  if (n.IsScalar()) {
    out.push_back(n.Scalar());
  } else if (n.IsSequence()) {
    for (const YAML::Node& v : n) {
      if (v.IsScalar()) out.push_back(v.Scalar());
    }
  }
  return out;
}

std::vector<std::string> split_modifiers(const std::string& key, std::string* field) {
  std::vector<std::string> mods;
  size_t bar = key.find('|');
  *field = key.substr(0, bar);
  while (bar != std::string::npos) {
    size_t next = key.find('|', bar + 1);
    mods.push_back(
        key.substr(bar + 1, next == std::string::npos ? std::string::npos : next - bar - 1));
    bar = next;
  }
  return mods;
}

// One selection -> an expression; an error text on failure.
std::string read_selection(const std::string& name, const YAML::Node& node,
                           const SigmaReadOptions& options, SigmaExpr* out) {
  auto test_of = [&](const std::string& key, const YAML::Node& value, int line, bool keyword,
                     SigmaExpr* e) -> std::string {
    std::string field;
    std::vector<std::string> mods = split_modifiers(key, &field);
    std::vector<YAML::Node> values;
    if (value.IsSequence()) {
      for (const YAML::Node& v : value) values.push_back(v);
      if (values.empty()) return key + ": an empty list of values";
    } else {
      values.push_back(value);
    }
    e->op = SigmaExpr::Op::kTest;
    e->selection = name;
    e->test.field = keyword ? "" : field;
    e->test.written = key;
    e->test.line = line;
    std::string err = build_test(mods, values, options, keyword || field.empty(), &e->test);
    return err.empty() ? "" : (key.empty() ? std::string("keywords") : key) + ": " + err;
  };
  auto map_of = [&](const YAML::Node& m, SigmaExpr* e) -> std::string {
    std::vector<SigmaExpr> parts;
    for (const auto& kv : m) {
      SigmaExpr t;
      std::string key = kv.first.Scalar();
      std::string err = test_of(key, kv.second, line_of(kv.first), false, &t);
      if (!err.empty()) return err;
      parts.push_back(std::move(t));
    }
    if (parts.empty()) return "an empty map";
    if (parts.size() == 1) {
      *e = std::move(parts[0]);
    } else {
      e->op = SigmaExpr::Op::kAnd;
      e->children = std::move(parts);
    }
    return "";
  };
  if (node.IsMap()) return map_of(node, out);
  if (node.IsSequence()) {
    bool all_scalars = true, all_maps = true;
    for (const YAML::Node& v : node) {
      all_scalars = all_scalars && (v.IsScalar() || v.IsNull());
      all_maps = all_maps && v.IsMap();
    }
    if (node.size() == 0) return "an empty list";
    if (all_scalars) return test_of("", node, line_of(node), true, out);
    if (!all_maps) return "a list that mixes keywords and maps";
    std::vector<SigmaExpr> parts;
    for (const YAML::Node& m : node) {
      SigmaExpr e;
      std::string err = map_of(m, &e);
      if (!err.empty()) return err;
      parts.push_back(std::move(e));
    }
    if (parts.size() == 1) {
      *out = std::move(parts[0]);
    } else {
      out->op = SigmaExpr::Op::kOr;
      out->children = std::move(parts);
    }
    return "";
  }
  if (node.IsScalar()) return test_of("", node, line_of(node), true, out);
  return "neither a map nor a list";
}

std::optional<int64_t> seconds_of(const std::string& text) {
  if (text.size() < 2) return std::nullopt;
  char unit = text.back();
  std::string digits = text.substr(0, text.size() - 1);
  if (digits.empty() || digits.size() > 9 ||
      !std::all_of(digits.begin(), digits.end(), ::isdigit)) {
    return std::nullopt;
  }
  int64_t n = std::stoll(digits);
  switch (unit) {
    case 's':
      return n;
    case 'm':
      return n * 60;
    case 'h':
      return n * 3600;
    case 'd':
      return n * 86400;
    case 'w':
      return n * 7 * 86400;
    default:
      return std::nullopt;
  }
}

std::string read_correlation(const YAML::Node& c, SigmaCorrelation* out,
                             std::vector<SigmaNote>* notes) {
  if (!c.IsMap()) return "correlation: not a map";
  std::string type = c["type"] && c["type"].IsScalar() ? c["type"].Scalar() : "";
  if (type == "event_count") {
    out->type = SigmaCorrelation::Type::kEventCount;
  } else if (type == "value_count") {
    out->type = SigmaCorrelation::Type::kValueCount;
  } else if (type == "temporal") {
    out->type = SigmaCorrelation::Type::kTemporal;
  } else if (type == "temporal_ordered") {
    out->type = SigmaCorrelation::Type::kTemporalOrdered;
  } else {
    return type.empty() ? "correlation: no type"
                        : "correlation: type '" + type +
                              "' is none of event_count, value_count, temporal, temporal_ordered";
  }
  out->rules = string_list(c["rules"]);
  if (out->rules.empty()) return "correlation: no rules";
  out->group_by = string_list(c["group-by"]);
  YAML::Node span = c["timespan"] ? c["timespan"] : c["timeframe"];
  if (!span || !span.IsScalar()) return "correlation: no timespan";
  std::optional<int64_t> seconds = seconds_of(span.Scalar());
  if (!seconds || *seconds <= 0)
    return "correlation: timespan '" + span.Scalar() + "' is not a duration such as 5m";
  out->timespan_seconds = *seconds;
  if (c["generate"] && c["generate"].IsScalar())
    out->generate = ascii_lower(c["generate"].Scalar()) == "true";
  if (YAML::Node cond = c["condition"]) {
    if (!cond.IsMap()) return "correlation: condition is not a map";
    for (const auto& kv : cond) {
      std::string k = kv.first.Scalar();
      if (k == "field") {
        out->condition_field = kv.second.Scalar();
        continue;
      }
      if (!kv.second.IsScalar()) return "correlation: condition." + k + " is not a number";
      char* end = nullptr;
      long long n = std::strtoll(kv.second.Scalar().c_str(), &end, 10);
      if (kv.second.Scalar().empty() || *end != '\0' || n < 0) {
        return "correlation: condition." + k + " '" + kv.second.Scalar() +
               "' is not a whole number";
      }
      if (k == "gt")
        out->gt = n;
      else if (k == "gte")
        out->gte = n;
      else if (k == "lt")
        out->lt = n;
      else if (k == "lte")
        out->lte = n;
      else if (k == "eq")
        out->eq = n;
      else
        return "correlation: condition has '" + k + "', none of gt, gte, lt, lte, eq, field";
    }
  }
  bool any_bound = out->gt || out->gte || out->lt || out->lte || out->eq;
  bool temporal = out->type == SigmaCorrelation::Type::kTemporal ||
                  out->type == SigmaCorrelation::Type::kTemporalOrdered;
  if (!any_bound && !temporal) return "correlation: no condition (gt, gte, lt, lte or eq)";
  if (out->type == SigmaCorrelation::Type::kValueCount && out->condition_field.empty()) {
    return "correlation: value_count needs condition.field, the field whose distinct values are "
           "counted";
  }
  if (YAML::Node a = c["aliases"]) {
    if (!a.IsMap()) return "correlation: aliases is not a map";
    for (const auto& alias : a) {
      if (!alias.second.IsMap())
        return "correlation: aliases." + alias.first.Scalar() + " is not a map";
      for (const auto& kv : alias.second) {
        out->aliases[alias.first.Scalar()][kv.first.Scalar()] = kv.second.Scalar();
      }
    }
  }
  for (const auto& kv : c) {
    static const char* const kKnown[] = {"type",      "rules",    "group-by",  "timespan",
                                         "timeframe", "generate", "condition", "aliases"};
    std::string k = kv.first.Scalar();
    if (std::find(std::begin(kKnown), std::end(kKnown), k) == std::end(kKnown)) {
      notes->push_back(
          {line_of(kv.first), "correlation." + k + " is not a correlation key; left out"});
    }
  }
  return "";
}

std::string read_document(const YAML::Node& doc, const SigmaReadOptions& options, SigmaRule* rule) {
  if (!doc.IsMap()) return "the document is not a map";
  auto text = [&](const char* key) {
    return doc[key] && doc[key].IsScalar() ? doc[key].Scalar() : "";
  };
  rule->id = text("id");
  rule->name = text("name");
  rule->title = text("title");
  rule->status = text("status");
  rule->level = text("level");
  rule->description = text("description");
  rule->author = text("author");
  rule->tags = string_list(doc["tags"]);
  rule->references = string_list(doc["references"]);
  rule->falsepositives = string_list(doc["falsepositives"]);
  if (YAML::Node ls = doc["logsource"]; ls && ls.IsMap()) {
    auto lt = [&](const char* key) {
      return ls[key] && ls[key].IsScalar() ? ls[key].Scalar() : "";
    };
    rule->logsource = {lt("category"), lt("product"), lt("service"), lt("definition")};
  }
  if (doc["action"])
    return "'action' documents (Sigma 1 rule collections) are not read; write whole rules";
  if (YAML::Node c = doc["correlation"]) {
    SigmaCorrelation corr;
    std::string err = read_correlation(c, &corr, &rule->notes);
    if (!err.empty()) return err;
    rule->correlation = std::move(corr);
    return "";
  }
  YAML::Node det = doc["detection"];
  if (!det) return "no detection (and no correlation): not a Sigma rule";
  if (!det.IsMap()) return "detection is not a map";
  std::map<std::string, SigmaExpr> selections;
  YAML::Node condition;
  bool has_condition = false;
  for (const auto& kv : det) {
    std::string name = kv.first.Scalar();
    if (name == "condition") {
      condition = kv.second;
      has_condition = true;
      continue;
    }
    if (name == "timeframe") {
      rule->notes.push_back(
          {line_of(kv.first),
           "detection.timeframe belongs to Sigma 1 aggregations; left out (a correlation rule "
           "carries the window)"});
      continue;
    }
    SigmaExpr e;
    std::string err = read_selection(name, kv.second, options, &e);
    if (!err.empty()) return "detection." + name + ": " + err;
    selections.emplace(name, std::move(e));
  }
  if (!has_condition) return "detection has no condition";
  std::vector<std::string> conditions = string_list(condition);
  if (conditions.empty()) return "detection.condition is not a string";
  std::vector<SigmaExpr> alternatives;
  for (const std::string& c : conditions) {
    Result<SigmaExpr> e = ConditionParser(c, selections).parse();
    if (!e) return "detection.condition '" + c + "': " + e.error().message;
    alternatives.push_back(std::move(e).value());
  }
  if (alternatives.size() == 1) {
    rule->detection = std::move(alternatives[0]);
  } else {
    SigmaExpr any;
    any.op = SigmaExpr::Op::kOr;
    any.children = std::move(alternatives);
    rule->detection = std::move(any);
  }
  return "";
}

}  // namespace

Result<SigmaFile> read_sigma_text(const std::string& file, std::string_view text,
                                  const SigmaReadOptions& options) {
  if (std::optional<YamlSyntaxError> bad = check_yaml_syntax(text)) {
    return Error(Errc::kInvalidArgument, file + ":" + std::to_string(bad->line) + ":" +
                                             std::to_string(bad->column) +
                                             ": not YAML: " + bad->message);
  }
  std::vector<YAML::Node> docs;
  try {
    docs = YAML::LoadAll(std::string(text));
  } catch (const YAML::Exception& e) {
    return Error(Errc::kInvalidArgument,
                 file + ":" + std::to_string(e.mark.line + 1) + ": not YAML: " + e.msg);
  }
  SigmaFile out;
  for (const YAML::Node& doc : docs) {
    if (!doc || doc.IsNull()) continue;
    SigmaRule rule;
    rule.file = file;
    rule.line = line_of(doc);
    std::string err;
    try {
      err = read_document(doc, options, &rule);
    } catch (const YAML::Exception& e) {
      err = std::string("unexpected YAML shape: ") + e.msg;
    }
    if (!err.empty()) {
      std::string who = rule.id.empty() ? rule.title : rule.id;
      out.refused.push_back({rule.line, (who.empty() ? "" : who + ": ") + err});
      continue;
    }
    out.rules.push_back(std::move(rule));
  }
  return out;
}

Result<SigmaFile> read_sigma_file(const std::string& path, const SigmaReadOptions& options) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Error(Errc::kIo, path + ": cannot be read: " + std::strerror(errno));
  std::ostringstream text;
  text << in.rdbuf();
  return read_sigma_text(path, text.str(), options);
}

}  // namespace wardsoc
