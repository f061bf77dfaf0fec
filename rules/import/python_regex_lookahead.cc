#include "rules/import/python_regex_lookahead.h"

#include <algorithm>
#include <bitset>
#include <cctype>
#include <cstring>
#include <map>
#include <vector>

#include "rules/import/python_regex.h"

namespace wardsoc {

namespace {

using Bytes = std::bitset<256>;

constexpr size_t kMaxLabel = 6000;  // characters of one rewritten part, at most
constexpr int kMaxRepeat = 16;      // {n,m} bounds expanded, at most

Bytes one(unsigned char c) {
  Bytes b;
  b.set(c);
  return b;
}

Bytes span(int lo, int hi) {
  Bytes b;
  for (int c = lo; c <= hi; ++c) b.set(static_cast<size_t>(c));
  return b;
}

Bytes digits() { return span('0', '9'); }
Bytes word() { return span('0', '9') | span('A', 'Z') | span('a', 'z') | one('_'); }
Bytes spaces() { return span('\t', '\r') | one(' '); }

// With case folding, a set holds both cases of each ASCII letter it holds.
Bytes fold_case(Bytes b) {
  for (int c = 'a'; c <= 'z'; ++c)
    if (b.test(static_cast<size_t>(c)) || b.test(static_cast<size_t>(c - 32))) {
      b.set(static_cast<size_t>(c));
      b.set(static_cast<size_t>(c - 32));
    }
  return b;
}

// A character escape or class escape at py[i] == '\\'; false for anything else (\b, \1...).
bool parse_escape(std::string_view py, size_t* i, Bytes* out) {
  if (*i + 1 >= py.size()) return false;
  char n = py[*i + 1];
  *i += 2;
  switch (n) {
    case 'd':
      *out = digits();
      return true;
    case 'D':
      *out = ~digits();
      return true;
    case 'w':
      *out = word();
      return true;
    case 'W':
      *out = ~word();
      return true;
    case 's':
      *out = spaces();
      return true;
    case 'S':
      *out = ~spaces();
      return true;
    case 't':
      *out = one('\t');
      return true;
    case 'n':
      *out = one('\n');
      return true;
    case 'r':
      *out = one('\r');
      return true;
    case 'f':
      *out = one('\f');
      return true;
    case 'v':
      *out = one('\v');
      return true;
    case 'a':
      *out = one('\a');
      return true;
    case 'x': {
      if (*i + 2 > py.size() || !std::isxdigit(static_cast<unsigned char>(py[*i])) ||
          !std::isxdigit(static_cast<unsigned char>(py[*i + 1])))
        return false;
      *out = one(static_cast<unsigned char>(std::stoi(std::string(py.substr(*i, 2)), nullptr, 16)));
      *i += 2;
      return true;
    }
    default:
      if (std::isalnum(static_cast<unsigned char>(n))) return false;
      *out = one(static_cast<unsigned char>(n));
      return true;
  }
}

bool parse_class(std::string_view py, size_t* i, Bytes* out) {
  size_t j = *i + 1;
  bool neg = j < py.size() && py[j] == '^';
  if (neg) ++j;
  Bytes set;
  bool first = true;
  while (j < py.size() && (py[j] != ']' || first)) {
    first = false;
    Bytes item;
    if (py[j] == '\\') {
      if (!parse_escape(py, &j, &item)) return false;
    } else {
      item = one(static_cast<unsigned char>(py[j++]));
    }
    if (item.count() == 1 && j + 1 < py.size() && py[j] == '-' && py[j + 1] != ']') {
      size_t lo = 0;
      while (!item.test(lo)) ++lo;
      ++j;
      Bytes hi_b;
      if (py[j] == '\\') {
        if (!parse_escape(py, &j, &hi_b) || hi_b.count() != 1) return false;
      } else {
        hi_b = one(static_cast<unsigned char>(py[j++]));
      }
      size_t hi = 0;
      while (!hi_b.test(hi)) ++hi;
      if (hi < lo) return false;
      item = span(static_cast<int>(lo), static_cast<int>(hi));
    }
    set |= item;
  }
  if (j >= py.size()) return false;
  *i = j + 1;
  *out = neg ? ~set : set;
  return true;
}

// One character of the pattern (a literal, `.`, an escape or a class) at py[*i].
bool parse_atom(std::string_view py, size_t* i, bool fold, Bytes* out) {
  if (*i >= py.size()) return false;
  char c = py[*i];
  if (c == '.') {
    *out = ~one('\n');
    ++*i;
  } else if (c == '\\') {
    if (!parse_escape(py, i, out)) return false;
  } else if (c == '[') {
    if (!parse_class(py, i, out)) return false;
  } else if (std::strchr("()|*+?{}^$", c) != nullptr) {
    return false;
  } else {
    *out = one(static_cast<unsigned char>(c));
    ++*i;
  }
  if (fold) *out = fold_case(*out);
  return true;
}

struct Quant {
  int min = 1;
  int max = 1;  // -1: no bound
  bool lazy = false;
};

bool is_quantifier(std::string_view py, size_t i) {
  return i < py.size() && std::strchr("*+?{", py[i]) != nullptr;
}

// The quantifier at py[*i], if any (none: {1,1}); false for one RE2 lacks (possessive).
bool parse_quant(std::string_view py, size_t* i, Quant* q) {
  *q = Quant{};
  if (*i >= py.size()) return true;
  char c = py[*i];
  if (c == '*' || c == '+' || c == '?') {
    q->min = c == '+' ? 1 : 0;
    q->max = c == '?' ? 1 : -1;
    ++*i;
  } else if (c == '{') {
    size_t j = *i + 1;
    auto number = [&](int* v) {
      size_t s = j;
      while (j < py.size() && std::isdigit(static_cast<unsigned char>(py[j]))) ++j;
      if (j == s || j - s > 3) return false;
      *v = std::stoi(std::string(py.substr(s, j - s)));
      return true;
    };
    int lo = 0, hi = 0;
    bool has_lo = number(&lo);
    if (j < py.size() && py[j] == ',') {
      ++j;
      if (!number(&hi)) hi = -1;
    } else {
      if (!has_lo) return false;
      hi = lo;
    }
    if (j >= py.size() || py[j] != '}') return false;
    *i = j + 1;
    q->min = lo;
    q->max = hi;
    if (lo > kMaxRepeat || hi > kMaxRepeat || (hi >= 0 && hi < lo)) return false;
  } else {
    return true;
  }
  if (*i < py.size() && py[*i] == '?') {
    q->lazy = true;
    ++*i;
  } else if (*i < py.size() && py[*i] == '+') {
    return false;
  }
  return true;
}

// An automaton whose edges read a set of bytes or nothing (eps).
struct Nfa {
  struct Edge {
    int to;
    bool eps;
    Bytes bytes;
  };
  std::vector<std::vector<Edge>> out;
  int add() {
    out.emplace_back();
    return static_cast<int>(out.size()) - 1;
  }
  void eps(int a, int b) { out[a].push_back({b, true, {}}); }
  void read(int a, int b, const Bytes& x) { out[a].push_back({b, false, x}); }
};

struct Frag {
  int start;
  int accept;
};

// Capture-free Python regex text -> Nfa (Thompson's construction).
class SubParser {
 public:
  SubParser(std::string_view py, bool fold, Nfa* nfa) : py_(py), fold_(fold), nfa_(nfa) {}

  // The whole of py[from, to) as one fragment; false if it holds anything else than
  // characters, classes, (?:...) groups, | and quantifiers.
  bool whole(size_t from, size_t to, Frag* f) {
    size_t i = from;
    if (!alternation(&i, to, f)) return false;
    return i == to;
  }

  // As many items from py[*i] as parse (stopping at |, ), the end or an item that does not).
  Frag longest_sequence(size_t* i, size_t to) {
    int s = nfa_->add();
    Frag f{s, s};
    while (*i < to && py_[*i] != '|' && py_[*i] != ')') {
      size_t at = *i;
      Frag it;
      if (!quantified_item(i, to, &it)) {
        *i = at;
        break;
      }
      nfa_->eps(f.accept, it.start);
      f.accept = it.accept;
    }
    return f;
  }

  bool lazy() const { return lazy_ > 0 && greedy_ == 0; }

 private:
  bool alternation(size_t* i, size_t to, Frag* f) {
    Frag a;
    if (!sequence(i, to, &a)) return false;
    if (*i >= to || py_[*i] != '|') {
      *f = a;
      return true;
    }
    Frag u{nfa_->add(), nfa_->add()};
    nfa_->eps(u.start, a.start);
    nfa_->eps(a.accept, u.accept);
    while (*i < to && py_[*i] == '|') {
      ++*i;
      Frag b;
      if (!sequence(i, to, &b)) return false;
      nfa_->eps(u.start, b.start);
      nfa_->eps(b.accept, u.accept);
    }
    *f = u;
    return true;
  }

  bool sequence(size_t* i, size_t to, Frag* f) {
    int s = nfa_->add();
    *f = Frag{s, s};
    while (*i < to && py_[*i] != '|' && py_[*i] != ')') {
      Frag it;
      if (!quantified_item(i, to, &it)) return false;
      nfa_->eps(f->accept, it.start);
      f->accept = it.accept;
    }
    return true;
  }

  bool item(size_t* i, size_t to, Frag* f) {
    if (*i < to && py_[*i] == '(') {
      if (py_.substr(*i, 3) != "(?:") return false;
      *i += 3;
      if (!alternation(i, to, f)) return false;
      if (*i >= to || py_[*i] != ')') return false;
      ++*i;
      return true;
    }
    Bytes b;
    size_t j = *i;
    if (!parse_atom(py_, &j, fold_, &b) || j > to) return false;
    *i = j;
    *f = Frag{nfa_->add(), nfa_->add()};
    nfa_->read(f->start, f->accept, b);
    return true;
  }

  bool quantified_item(size_t* i, size_t to, Frag* f) {
    size_t from = *i;
    Frag first;
    if (!item(i, to, &first)) return false;
    size_t item_end = *i;
    Quant q;
    if (!parse_quant(py_, i, &q) || *i > to) return false;
    if (q.min == 1 && q.max == 1) {
      *f = first;
      return true;
    }
    (q.lazy ? lazy_ : greedy_) += 1;
    auto copy = [&](Frag* c) {
      size_t k = from;
      return item(&k, item_end, c);
    };
    int s = nfa_->add();
    *f = Frag{s, s};
    bool used_first = false;
    auto next = [&](Frag* c) {
      if (!used_first) {
        used_first = true;
        *c = first;
        return true;
      }
      return copy(c);
    };
    for (int k = 0; k < q.min; ++k) {
      Frag c;
      if (!next(&c)) return false;
      nfa_->eps(f->accept, c.start);
      f->accept = c.accept;
    }
    if (q.max < 0) {
      Frag c;
      if (!next(&c)) return false;
      int end = nfa_->add();
      nfa_->eps(f->accept, c.start);
      nfa_->eps(c.accept, c.start);
      nfa_->eps(c.accept, end);
      nfa_->eps(f->accept, end);
      f->accept = end;
    } else {
      int end = nfa_->add();
      for (int k = q.min; k < q.max; ++k) {
        Frag c;
        if (!next(&c)) return false;
        nfa_->eps(f->accept, end);
        nfa_->eps(f->accept, c.start);
        f->accept = c.accept;
      }
      nfa_->eps(f->accept, end);
      f->accept = end;
    }
    return true;
  }

  std::string_view py_;
  bool fold_;
  Nfa* nfa_;
  int lazy_ = 0;
  int greedy_ = 0;
};

// The text that follows a rewritten part, as far as it is fixed: one set of bytes per
// character, and whether the pattern (or the line, `$`) ends right after them.
struct Follow {
  std::vector<Bytes> chars;
  bool ends = false;
};

size_t skip_to_group_close(std::string_view py, size_t i) {
  int depth = 0;
  bool cls = false;
  for (; i < py.size(); ++i) {
    char c = py[i];
    if (c == '\\') {
      ++i;
    } else if (cls) {
      if (c == ']') cls = false;
    } else if (c == '[') {
      cls = true;
      if (i + 1 < py.size() && py[i + 1] == '^') ++i;
      if (i + 1 < py.size() && py[i + 1] == ']') ++i;
    } else if (c == '(') {
      ++depth;
    } else if (c == ')' && depth-- == 0) {
      return i;
    }
  }
  return std::string_view::npos;
}

bool has_top_level_bar(std::string_view py, size_t content, size_t close) {
  int depth = 0;
  bool cls = false;
  for (size_t i = content; i < close; ++i) {
    char c = py[i];
    if (c == '\\') {
      ++i;
    } else if (cls) {
      if (c == ']') cls = false;
    } else if (c == '[') {
      cls = true;
      if (i + 1 < close && py[i + 1] == '^') ++i;
      if (i + 1 < close && py[i + 1] == ']') ++i;
    } else if (c == '(') {
      ++depth;
    } else if (c == ')') {
      --depth;
    } else if (c == '|' && depth == 0) {
      return true;
    }
  }
  return false;
}

// Where the content of the group opened at py[open] starts: after (?:, (?P<name> or (; npos
// for other groups (look-around, flags, conditionals).
size_t group_content(std::string_view py, size_t open) {
  if (py.substr(open, 3) == "(?:") return open + 3;
  if (py.substr(open, 4) == "(?P<" || (py.substr(open, 3) == "(?<" && open + 3 < py.size() &&
                                       py[open + 3] != '=' && py[open + 3] != '!')) {
    size_t gt = py.find('>', open);
    return gt == std::string_view::npos ? gt : gt + 1;
  }
  if (py.substr(open, 2) != "(?") return open + 1;
  return std::string_view::npos;
}

Follow follow_from(std::string_view py, size_t i, bool fold, size_t want) {
  Follow f;
  while (f.chars.size() < want) {
    if (i >= py.size()) return f;  // the pattern ends, the line may go on
    if (py[i] == '$' || py.substr(i, 2) == "\\Z" || py.substr(i, 2) == "\\z") {
      f.ends = true;
      return f;
    }
    char c = py[i];
    if (c == ')') {
      if (is_quantifier(py, i + 1)) return f;
      ++i;
      continue;
    }
    if (c == '|') {
      i = skip_to_group_close(py, i + 1);
      if (i == std::string_view::npos) return f;
      continue;
    }
    if (c == '(') {
      size_t close = python_regex_group_end(py, i);
      size_t content = group_content(py, i);
      if (close == std::string_view::npos || content == std::string_view::npos ||
          is_quantifier(py, close + 1) || has_top_level_bar(py, content, close))
        return f;
      i = content;
      continue;
    }
    Bytes b;
    size_t j = i;
    if (!parse_atom(py, &j, fold, &b)) return f;
    Quant q;
    if (!parse_quant(py, &j, &q)) return f;
    for (int k = 0; k < q.min && f.chars.size() < want; ++k) f.chars.push_back(b);
    if (q.min != 1 || q.max != 1) return f;
    i = j;
  }
  return f;
}

// The literals as a trie; `node` strings are the prefixes.
struct Trie {
  struct Node {
    std::map<unsigned char, int> next;
    bool terminal = false;
    std::string text;
    int fail = 0;
  };
  std::vector<Node> nodes{Node{}};
  explicit Trie(const std::vector<std::string>& lits, bool fold) {
    for (const auto& l : lits) {
      int n = 0;
      for (char ch : l) {
        unsigned char c = static_cast<unsigned char>(fold ? std::tolower(ch) : ch);
        auto it = nodes[n].next.find(c);
        if (it == nodes[n].next.end()) {
          nodes.push_back(Node{});
          nodes.back().text = nodes[n].text + static_cast<char>(c);
          it = nodes[n].next.emplace(c, static_cast<int>(nodes.size()) - 1).first;
        }
        n = it->second;
      }
      nodes[n].terminal = true;
    }
  }
};

enum class Verdict { kAccept, kReject, kUnknown };

// May the text after the rewritten part complete a literal whose first characters, `prefix`,
// the rewritten part ends with? kReject: it surely does; kAccept: it surely does not.
Verdict completes(const std::vector<std::string>& lits, const std::string& prefix,
                  const Follow& follow, bool fold) {
  bool possible = false;
  for (const auto& l0 : lits) {
    std::string l = l0;
    if (fold)
      for (auto& ch : l) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    if (l.size() <= prefix.size() || l.compare(0, prefix.size(), prefix) != 0) continue;
    bool certain = true, excluded = false;
    for (size_t k = prefix.size(); k < l.size(); ++k) {
      size_t at = k - prefix.size();
      if (at >= follow.chars.size()) {
        if (follow.ends) excluded = true;
        certain = false;
        break;
      }
      Bytes need = one(static_cast<unsigned char>(l[k]));
      if (fold) need = fold_case(need);
      if ((follow.chars[at] & need).none()) {
        excluded = true;
        break;
      }
      if (follow.chars[at] != need) certain = false;
    }
    if (excluded) continue;
    if (certain) return Verdict::kReject;
    possible = true;
  }
  return possible ? Verdict::kUnknown : Verdict::kAccept;
}

std::string hex_byte(size_t c) {
  static const char* d = "0123456789abcdef";
  return std::string("\\x") + d[c >> 4] + d[c & 15];
}

std::string byte_text(size_t c) {
  if (std::isalnum(static_cast<int>(c)) || c == ' ') return std::string(1, static_cast<char>(c));
  return hex_byte(c);
}

std::string class_text(const Bytes& b) {
  if (b.count() == 256) return "(?s:.)";
  if (b == ~one('\n')) return ".";
  if (b.count() == 1) {
    size_t c = 0;
    while (!b.test(c)) ++c;
    return byte_text(c);
  }
  bool neg = b.count() > 128;
  Bytes s = neg ? ~b : b;
  std::string out = neg ? "[^" : "[";
  for (size_t c = 0; c < 256;) {
    if (!s.test(c)) {
      ++c;
      continue;
    }
    size_t e = c;
    while (e + 1 < 256 && s.test(e + 1)) ++e;
    out += byte_text(c);
    if (e > c + 1) out += "-";
    if (e > c) out += byte_text(e);
    c = e + 1;
  }
  return out + "]";
}

// A graph whose edges read regexes, reduced to one regex by eliminating its states.
class Eliminator {
 public:
  Eliminator(int states, bool lazy) : lazy_(lazy), in_(states + 2), out_(states + 2) {}
  int start() const { return static_cast<int>(out_.size()) - 2; }
  int final_state() const { return static_cast<int>(out_.size()) - 1; }
  void bytes(int a, int b, const Bytes& x) { pending_[{a, b}] |= x; }
  void eps(int a, int b) { add(a, b, ""); }

  Result<std::string> reduce() {
    for (const auto& [ab, x] : pending_) add(ab.first, ab.second, class_text(x));
    std::vector<bool> gone(out_.size(), false);
    const int keep_a = start(), keep_b = final_state();
    for (;;) {
      int best = -1;
      size_t cost = 0;
      for (int k = 0; k < static_cast<int>(out_.size()); ++k) {
        if (gone[k] || k == keep_a || k == keep_b) continue;
        size_t c = in_[k].size() * out_[k].size();
        if (best < 0 || c < cost) best = k, cost = c;
      }
      if (best < 0) break;
      const int k = best;
      gone[k] = true;
      std::string loop;
      bool has_loop = out_[k].count(k) != 0;
      if (has_loop) loop = "(?:" + out_[k][k] + (lazy_ ? ")*?" : ")*");
      std::vector<std::pair<int, std::string>> ins, outs;
      for (int i : in_[k])
        if (i != k) ins.emplace_back(i, out_[i][k]);
      for (const auto& [j, r] : out_[k])
        if (j != k) outs.emplace_back(j, r);
      for (const auto& [i, r] : ins) {
        out_[i].erase(k);
        for (const auto& [j, s] : outs) {
          std::string path = r + loop + s;
          if (path.size() > kMaxLabel)
            return Error(Errc::kInvalidArgument, "the rewrite would be too large");
          add(i, j, path);
        }
      }
      for (const auto& [j, s] : outs)
        in_[j].erase(std::remove(in_[j].begin(), in_[j].end(), k), in_[j].end());
      out_[k].clear();
      in_[k].clear();
    }
    auto it = out_[keep_a].find(keep_b);
    if (it == out_[keep_a].end())
      return Error(Errc::kInvalidArgument, "the guarded text can never match");
    return it->second;
  }

 private:
  void add(int a, int b, const std::string& r) {
    auto it = out_[a].find(b);
    if (it == out_[a].end()) {
      out_[a][b] = r;
      in_[b].push_back(a);
      return;
    }
    if (it->second == r) return;
    if (r.empty())
      it->second = "(?:" + it->second + (lazy_ ? ")??" : ")?");
    else if (it->second.empty())
      it->second = "(?:" + r + (lazy_ ? ")??" : ")?");
    else
      it->second = "(?:" + it->second + "|" + r + ")";
  }

  bool lazy_;
  std::map<std::pair<int, int>, Bytes> pending_;
  std::vector<std::vector<int>> in_;
  std::vector<std::map<int, std::string>> out_;
};

size_t longest(const std::vector<std::string>& lits) {
  size_t n = 0;
  for (const auto& l : lits) n = std::max(n, l.size());
  return n;
}

// py[from, to) (capture-free) where no literal starts at its first character, followed
// by the text at py[follow_at].
Result<std::string> guarded(std::string_view py, size_t from, size_t to,
                            const std::vector<std::string>& lits, size_t follow_at, bool fold) {
  Nfa nfa;
  SubParser parser(py, fold, &nfa);
  Frag f;
  if (!parser.whole(from, to, &f))
    return Error(Errc::kInvalidArgument,
                 "the text it guards holds a capture, an anchor or another look-around ('" +
                     std::string(py.substr(from, to - from)) + "')");
  const Trie trie(lits, fold);
  const Follow follow = follow_from(py, follow_at, fold, longest(lits));
  // Product states: (automaton state, trie node or -1 once the text left every literal).
  std::map<std::pair<int, int>, int> id;
  std::vector<std::pair<int, int>> states;
  auto state = [&](int q, int n) {
    auto [it, fresh] = id.emplace(std::make_pair(q, n), static_cast<int>(states.size()));
    if (fresh) states.emplace_back(q, n);
    return it->second;
  };
  struct E {
    int a, b;
    bool eps;
    Bytes x;
  };
  std::vector<E> edges;
  std::vector<int> accepting;
  state(f.start, 0);
  for (size_t s = 0; s < states.size(); ++s) {
    const auto [q, n] = states[s];
    if (q == f.accept) {
      Verdict v = n < 0 ? Verdict::kAccept : completes(lits, trie.nodes[n].text, follow, fold);
      if (v == Verdict::kUnknown)
        return Error(Errc::kInvalidArgument,
                     "a literal could go on into the text after it, which the rewrite cannot see");
      if (v == Verdict::kAccept) accepting.push_back(static_cast<int>(s));
    }
    for (const auto& e : nfa.out[q]) {
      if (e.eps) {
        int t = state(e.to, n);
        edges.push_back({static_cast<int>(s), t, true, {}});
        continue;
      }
      if (n < 0) {
        edges.push_back({static_cast<int>(s), state(e.to, -1), false, e.bytes});
        continue;
      }
      Bytes rest = e.bytes;
      for (const auto& [c, m] : trie.nodes[n].next) {
        Bytes cb = fold ? fold_case(one(c)) : one(c);
        rest &= ~cb;
        Bytes x = e.bytes & cb;
        if (x.none() || trie.nodes[m].terminal) continue;
        edges.push_back({static_cast<int>(s), state(e.to, m), false, x});
      }
      if (rest.any()) edges.push_back({static_cast<int>(s), state(e.to, -1), false, rest});
    }
  }
  Eliminator g(static_cast<int>(states.size()), parser.lazy());
  g.eps(g.start(), 0);
  for (int a : accepting) g.eps(a, g.final_state());
  for (const auto& e : edges) {
    if (e.eps)
      g.eps(e.a, e.b);
    else
      g.bytes(e.a, e.b, e.x);
  }
  return g.reduce();
}

// A run of `x` (at least `min` characters) at none of whose characters a literal starts,
// followed by the text at py[follow_at].
Result<std::string> run_without(const Bytes& x, int min, bool lazy,
                                const std::vector<std::string>& lits, std::string_view py,
                                size_t follow_at, bool fold) {
  Trie trie(lits, fold);
  auto& nodes = trie.nodes;
  // Aho-Corasick: fail links and whether a literal ends at a node (or a suffix of it).
  std::vector<bool> hit(nodes.size(), false);
  std::vector<int> order{0};
  for (size_t k = 0; k < order.size(); ++k) {
    int n = order[k];
    hit[n] = nodes[n].terminal || (n != 0 && hit[nodes[n].fail]);
    for (const auto& [c, m] : nodes[n].next) {
      if (n != 0) {
        int f = nodes[n].fail;
        while (f != 0 && nodes[f].next.count(c) == 0) f = nodes[f].fail;
        auto it = nodes[f].next.find(c);
        nodes[m].fail = it != nodes[f].next.end() && it->second != m ? it->second : 0;
      }
      order.push_back(m);
    }
  }
  auto step = [&](int n, unsigned char c) {
    if (fold) c = static_cast<unsigned char>(std::tolower(c));
    for (;;) {
      auto it = nodes[n].next.find(c);
      if (it != nodes[n].next.end()) return it->second;
      if (n == 0) return 0;
      n = nodes[n].fail;
    }
  };
  const Follow follow = follow_from(py, follow_at, fold, longest(lits));
  // States 0..nodes-1 are trie nodes; `nodes.size()` is the start (before any character).
  const int start = static_cast<int>(nodes.size());
  Eliminator g(start + 1, lazy);
  g.eps(g.start(), start);
  auto accepts = [&](int n) -> Result<bool> {
    for (int k = n; k != 0; k = nodes[k].fail) {
      Verdict v = completes(lits, nodes[k].text, follow, fold);
      if (v == Verdict::kUnknown)
        return Error(Errc::kInvalidArgument,
                     "a literal could go on into the text after the run, which the rewrite "
                     "cannot see");
      if (v == Verdict::kReject) return false;
    }
    return true;
  };
  if (min == 0) g.eps(start, g.final_state());
  for (int n = 0; n <= start; ++n) {
    int from = n == start ? 0 : n;
    if (n != start && hit[n]) continue;
    if (n != start) {
      auto a = accepts(n);
      if (!a.ok()) return a.error();
      if (*a) g.eps(n, g.final_state());
    }
    for (size_t c = 0; c < 256; ++c) {
      if (!x.test(c)) continue;
      int m = step(from, static_cast<unsigned char>(c));
      if (hit[m]) continue;
      g.bytes(n, m, one(static_cast<unsigned char>(c)));
    }
  }
  return g.reduce();
}

std::vector<std::pair<size_t, size_t>> top_level_spans(std::string_view py, size_t from,
                                                       size_t to) {
  std::vector<std::pair<size_t, size_t>> out;
  int depth = 0;
  bool cls = false;
  size_t s = from;
  for (size_t i = from; i < to; ++i) {
    char c = py[i];
    if (c == '\\') {
      ++i;
    } else if (cls) {
      if (c == ']') cls = false;
    } else if (c == '[') {
      cls = true;
      if (i + 1 < to && py[i + 1] == '^') ++i;
      if (i + 1 < to && py[i + 1] == ']') ++i;
    } else if (c == '(') {
      ++depth;
    } else if (c == ')') {
      --depth;
    } else if (c == '|' && depth == 0) {
      out.emplace_back(s, i);
      s = i + 1;
    }
  }
  out.emplace_back(s, to);
  return out;
}

}  // namespace

std::optional<Result<LookaheadRewrite>> rewrite_python_lookahead(std::string_view py, size_t at) {
  const bool fold = py.starts_with("(?i)");
  std::vector<std::string> lits;
  if (py.substr(at, 6) == "(?:(?!") {
    // (?:(?!L)x)* : a run where no literal starts.
    size_t la_close = python_regex_group_end(py, at + 3);
    size_t close = python_regex_group_end(py, at);
    if (la_close == std::string_view::npos || close == std::string_view::npos ||
        !literal_alternatives(py.substr(at + 6, la_close - at - 6), &lits))
      return std::nullopt;
    size_t j = la_close + 1;
    Bytes x;
    if (!parse_atom(py, &j, fold, &x) || j != close) return std::nullopt;
    size_t after = close + 1;
    Quant q;
    if (!parse_quant(py, &after, &q) || q.max != -1 || q.min > 1) return std::nullopt;
    auto re = run_without(x, q.min, q.lazy, lits, py, after, fold);
    if (!re.ok()) return Result<LookaheadRewrite>(re.error());
    return Result<LookaheadRewrite>(LookaheadRewrite{"(?:" + *re + ")", after});
  }
  if (py.substr(at, 3) != "(?!") return std::nullopt;
  size_t la_close = python_regex_group_end(py, at);
  if (la_close == std::string_view::npos ||
      !literal_alternatives(py.substr(at + 3, la_close - at - 3), &lits))
    return std::nullopt;
  const size_t p = la_close + 1;
  std::string first_chars;
  for (const auto& l : lits) {
    first_chars += l[0];
    if (fold) first_chars += static_cast<char>(std::toupper(static_cast<unsigned char>(l[0])));
    if (fold) first_chars += static_cast<char>(std::tolower(static_cast<unsigned char>(l[0])));
  }
  if (p < py.size() && py[p] == '(' && group_content(py, p) != std::string_view::npos) {
    // (?!L)(...): each alternative of the group on its own.
    const size_t content = group_content(py, p);
    const size_t close = python_regex_group_end(py, p);
    if (close == std::string_view::npos) return std::nullopt;
    if (is_quantifier(py, close + 1))
      return Result<LookaheadRewrite>(Error(Errc::kInvalidArgument, "it guards a repeated group"));
    std::string opener(py.substr(p, content - p));
    if (opener.starts_with("(?<")) opener = "(?P<" + opener.substr(3);
    if (opener == "(") opener = "(?:";  // an unnamed group captures nothing in wardsoc
    std::string re = opener;
    bool first = true;
    for (const auto& [a, b] : top_level_spans(py, content, close)) {
      if (!first) re += '|';
      first = false;
      // An alternative that starts with a character no literal starts with is untouched.
      size_t j = a;
      Bytes c;
      if (parse_atom(py, &j, fold, &c) && c.count() <= 2 && !is_quantifier(py, j)) {
        bool clash = false;
        for (char fc : first_chars)
          if (c.test(static_cast<unsigned char>(fc))) clash = true;
        if (!clash) {
          auto t = python_regex_to_re2(py.substr(a, b - a));
          if (!t.ok()) return Result<LookaheadRewrite>(t.error());
          re += *t;
          continue;
        }
      }
      auto g = guarded(py, a, b, lits, close + 1, fold);
      if (!g.ok()) return Result<LookaheadRewrite>(g.error());
      re += *g;
    }
    return Result<LookaheadRewrite>(LookaheadRewrite{re + ")", close + 1});
  }
  // (?!L) followed by capture-free items: as many as there are.
  Nfa probe;
  SubParser parser(py, fold, &probe);
  size_t end = p;
  parser.longest_sequence(&end, py.size());
  auto g = guarded(py, p, end, lits, end, fold);
  if (!g.ok()) return Result<LookaheadRewrite>(g.error());
  return Result<LookaheadRewrite>(LookaheadRewrite{"(?:" + *g + ")", end});
}

}  // namespace wardsoc
