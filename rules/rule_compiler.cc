#include "rules/rule_compiler.h"

#include <hs/hs.h>
#include <re2/filtered_re2.h>
#include <re2/re2.h>
#include <unistd.h>
#include <xxhash.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <unordered_map>

#include "core/text.h"
#include "rules/pattern_syntax.h"

namespace wardsoc {

namespace {

// SINGLEMATCH: we only need to know that a pattern hit a line, once. ALLOWEMPTY: a pattern
// that can match the empty string matches every line, as it does in RE2.
constexpr unsigned kBaseFlags = HS_FLAG_SINGLEMATCH | HS_FLAG_ALLOWEMPTY;
// RE2 programs larger than this are slow to run with captures (BitState gives up and the
// NFA takes over); worth telling the rule's author.
constexpr int kLargeProgram = 2000;
constexpr int kMinLiteral = 3;
constexpr size_t kCacheFilesKept = 8;
constexpr uint32_t kCacheFormat = 3;  // 3: each database followed by its joined-lines form
constexpr char kCacheMagic[4] = {'W', 'S', 'H', 'C'};

RE2::Options re2_options() {
  RE2::Options o;
  // Bytes, like Hyperscan without HS_FLAG_UTF8: a line that is not valid UTF-8 (an attacker
  // can send one) is still matched, and both engines agree on every byte.
  o.set_encoding(RE2::Options::EncodingLatin1);
  o.set_log_errors(false);
  return o;
}

bool compile_re2(Rule& r, RulePattern& p, std::string_view key, LoadReport* report) {
  auto re = std::make_shared<RE2>(p.text, re2_options());
  if (!re->ok()) {
    report->error(r.file, p.pos.line, p.pos.column, r.id,
                  std::string(key) + ": invalid regular expression: " + re->error() + " (in " +
                      p.display() + ")");
    return false;
  }
  p.capture_groups = re->NumberOfCapturingGroups();
  p.captures.clear();
  for (const auto& [name, index] : re->NamedCapturingGroups()) p.captures.emplace_back(name, index);
  std::sort(p.captures.begin(), p.captures.end(),
            [](const auto& a, const auto& b) { return a.second < b.second; });
  p.lead = leading_literal(p.text);
  p.head.reset();
  p.tail.reset();
  if (!p.captures.empty()) {
    const CaptureSplit split = split_after_captures(p.text);
    if (!split.head.empty()) {
      auto head = std::make_shared<RE2>(split.head, re2_options());
      auto tail = std::make_shared<RE2>(split.tail, re2_options());
      // The head must hold every named group, numbered as in the whole pattern.
      if (head->ok() && tail->ok() && head->NumberOfCapturingGroups() >= p.captures.back().second &&
          head->NamedCapturingGroups() == re->NamedCapturingGroups()) {
        p.head = std::move(head);
        p.tail = std::move(tail);
      }
    }
  }
  p.re2 = std::move(re);
  return true;
}

// A glob's meaning as RE2 text: `*` any run, `?` one character, `\\` before `*`, `?` or
// `\\` makes it plain; everything else is literal.
std::string glob_to_regex(std::string_view glob) {
  std::string out;
  std::string lit;
  auto flush = [&] {
    out += RE2::QuoteMeta(lit);
    lit.clear();
  };
  for (size_t i = 0; i < glob.size(); ++i) {
    char c = glob[i];
    if (c == '\\' && i + 1 < glob.size() &&
        (glob[i + 1] == '*' || glob[i + 1] == '?' || glob[i + 1] == '\\')) {
      lit += glob[++i];
    } else if (c == '*' || c == '?') {
      flush();
      out += c == '*' ? ".*" : ".";
    } else {
      lit += c;
    }
  }
  flush();
  return out;
}

bool compile_condition(Rule& r, Condition& c, LoadReport* report) {
  std::string text;
  if (c.op == Condition::Op::kRegex || c.op == Condition::Op::kNotRegex) {
    text = c.regex_text;
  } else if (c.op == Condition::Op::kGlob) {
    for (const std::string& g : c.values) text += (text.empty() ? "" : "|") + glob_to_regex(g);
    text = std::string(c.nocase ? "(?is)" : "(?s)") + "(?:" + text + ")";
  } else {
    return true;
  }
  auto re = std::make_shared<RE2>(text, re2_options());
  if (!re->ok()) {
    report->error(r.file, c.pos.line, c.pos.column, r.id,
                  "where." + std::string(condition_op_name(c.op)) +
                      ": invalid regular expression: " + re->error() + " (in '" + text + "')");
    return false;
  }
  (c.op == Condition::Op::kGlob ? c.glob_regex : c.regex) = std::move(re);
  return true;
}

bool compile_conditions(Rule& r, MatchStep& s, LoadReport* report) {
  bool ok = true;
  for_each_condition(s.where, [&](Condition& c) { ok = compile_condition(r, c, report) && ok; });
  return ok;
}

// Literal strings a matching line must contain, from RE2's own prefilter analysis.
std::vector<std::string> required_literals(const RulePattern& p) {
  re2::FilteredRE2 f(kMinLiteral);
  int id = 0;
  if (f.Add(p.text, re2_options(), &id) != RE2::NoError) return {};
  std::vector<std::string> atoms;
  f.Compile(&atoms);
  std::sort(atoms.begin(), atoms.end(), [](const std::string& a, const std::string& b) {
    return a.size() != b.size() ? a.size() > b.size() : a < b;
  });
  return atoms;
}

// How far down the fallback chain a pattern is. kLiteral and kPrefix are chosen up front
// for patterns that need RE2 anyway (they capture fields): Hyperscan only looks for one
// required literal (see choose_literal), or matches the anchored start before the first
// capture (see anchored_start), which keeps databases small, fast to build and to scan.
// kPrefix falls back to kLiteral.
enum class Stage : uint8_t { kExact, kLiteral, kPrefilter, kRelaxedPrefilter, kRe2Only, kPrefix };

Stage next_stage(Stage s) {
  switch (s) {
    case Stage::kPrefix:
      return Stage::kLiteral;
    case Stage::kExact:
      return Stage::kPrefilter;
    case Stage::kPrefilter:
      return Stage::kRelaxedPrefilter;
    default:
      return Stage::kRe2Only;
  }
}

// Literal prefilters shorter than this would put forward too many lines for RE2.
constexpr size_t kMinPrefilterLiteral = 4;

// Of the literal runs a pattern's every match contains, the one Hyperscan looks for: the
// one the fewest patterns of the rule set need, then the longest. Lines that hold a run
// many patterns share (sshd's "Received disconnect from ") would otherwise hand every
// one of those patterns to RE2; a rarer run (": Auth fail") rules most of them out.
std::string choose_literal(const std::vector<std::string>& runs,
                           const std::unordered_map<std::string, uint32_t>& users) {
  const std::string* best = nullptr;
  uint32_t best_users = 0;
  for (const std::string& r : runs) {
    if (r.size() < kMinPrefilterLiteral) continue;
    const uint32_t u = users.at(r);
    if (best == nullptr || u < best_users || (u == best_users && r.size() > best->size())) {
      best = &r;
      best_users = u;
    }
  }
  if (best != nullptr) return *best;
  std::string longest;  // none long enough: the longest, which the caller then turns down
  for (const std::string& r : runs) {
    if (r.size() > longest.size()) longest = r;
  }
  return longest;
}

// The start of `text` before its first capture, in Hyperscan's dialect, when it holds the
// chosen literal and Hyperscan takes it exactly; empty otherwise.
std::string anchored_start(const std::string& text, const std::string& literal,
                           std::string* lines) {
  const std::string prefix = capture_free_prefix(text);
  if (prefix.empty()) return {};
  bool caseless = false;
  const std::vector<std::string> runs = required_literal_runs(prefix, &caseless);
  if (std::find(runs.begin(), runs.end(), literal) == runs.end()) return {};
  const PatternSyntax ps = analyze_pattern(prefix);
  if (ps.hyperscan_unsafe || ps.needs_confirm) return {};
  *lines = ps.hyperscan_lines;
  return ps.hyperscan_exact;
}

std::string literal_expression(std::string_view lit) {
  std::string e;
  for (unsigned char b : lit) {
    if (std::isalnum(b)) {
      e += static_cast<char>(b);
    } else {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", b);
      e += buf;
    }
  }
  return e;
}

// One place a pattern text is used: a match pattern or a `not` pattern of one step.
struct Use {
  uint32_t rule;
  uint32_t step;
  uint32_t index;
  bool exclusion;
};

// One distinct pattern text: one Hyperscan expression, one RE2 program.
struct Candidate {
  std::string text;
  std::vector<Use> uses;
  std::vector<uint8_t> member;  // by database key (class * program keys + program key)
  PatternSyntax syntax;
  Stage stage = Stage::kExact;
  std::string last_error;  // Hyperscan's reason for the last downgrade
  bool empty_width = false;
  std::shared_ptr<const RE2> re2;
  std::shared_ptr<const RE2> head, tail;  // RulePattern::head, tail
  std::string literal;                    // for kLiteral
  bool literal_caseless = false;
  std::string literal_text;  // literal_expression(literal)
  std::string prefix_text;   // for kPrefix: the anchored start in Hyperscan's dialect
  std::string prefix_lines;  // the same for joined lines
  bool json = false;         // a derived literal looked for in the event's JSON text
};

const std::string& stage_text(const Candidate& c) {
  if (c.stage == Stage::kLiteral) return c.literal_text;
  if (c.stage == Stage::kPrefix) return c.prefix_text;
  return c.stage == Stage::kRelaxedPrefilter ? c.syntax.hyperscan_relaxed
                                             : c.syntax.hyperscan_exact;
}

unsigned stage_flags(const Candidate& c) {
  if (c.stage == Stage::kLiteral) return kBaseFlags | (c.literal_caseless ? HS_FLAG_CASELESS : 0u);
  if (c.stage == Stage::kPrefix) return kBaseFlags;
  return c.stage == Stage::kExact ? kBaseFlags : kBaseFlags | HS_FLAG_PREFILTER;
}

// The same stage for a scan of many lines joined by '\n' (see CompiledDatabase::joined):
// multi-line mode, every match reported (a line's first hit of a pattern is not the
// joined text's first), anchors and classes from PatternSyntax::hyperscan_lines.
const std::string& lines_text(const Candidate& c) {
  switch (c.stage) {
    case Stage::kLiteral:
      return c.literal_text;
    case Stage::kPrefix:
      return c.prefix_lines;
    case Stage::kRelaxedPrefilter:
      return c.syntax.hyperscan_relaxed;  // anchors dropped already; RE2 confirms every hit
    default:
      return c.syntax.hyperscan_lines;
  }
}

unsigned lines_flags(const Candidate& c) {
  unsigned f = HS_FLAG_MULTILINE;
  if (c.stage == Stage::kLiteral && c.literal_caseless) f |= HS_FLAG_CASELESS;
  if (c.stage == Stage::kPrefilter || c.stage == Stage::kRelaxedPrefilter) f |= HS_FLAG_PREFILTER;
  return f;
}

// Whether Hyperscan takes the joined-lines form and it cannot match empty: an empty match
// would be reported at every offset of the joined text.
bool joinable(const Candidate& c) {
  hs_expr_info_t* info = nullptr;
  hs_compile_error_t* err = nullptr;
  if (hs_expression_info(lines_text(c).c_str(), lines_flags(c), &info, &err) != HS_SUCCESS) {
    hs_free_compile_error(err);
    return false;
  }
  const bool ok = info != nullptr && info->min_width > 0;
  std::free(info);
  return ok;
}

// Cheap per-pattern check (parse and analysis only) to start each pattern at the first
// stage Hyperscan accepts; the full compile below may still push one further down.
void settle_stage(Candidate& c) {
  while (c.stage != Stage::kRe2Only) {
    hs_expr_info_t* info = nullptr;
    hs_compile_error_t* err = nullptr;
    if (hs_expression_info(stage_text(c).c_str(), stage_flags(c), &info, &err) == HS_SUCCESS) {
      if (info != nullptr && c.stage == Stage::kExact) c.empty_width = info->min_width == 0;
      std::free(info);
      return;
    }
    c.last_error = err != nullptr ? err->message : "rejected";
    hs_free_compile_error(err);
    c.stage = next_stage(c.stage);
  }
}

// The candidates each database takes: keys with the same candidates share one.
struct Layout {
  std::vector<std::vector<uint32_t>> groups;  // candidate indices per database
  std::vector<int> by_key;
};

Layout layout(const std::vector<Candidate>& candidates, size_t keys) {
  Layout l;
  l.by_key.assign(keys, -1);
  std::map<std::vector<uint32_t>, int> seen;
  for (size_t k = 0; k < keys; ++k) {
    std::vector<uint32_t> ids;
    for (uint32_t i = 0; i < candidates.size(); ++i) {
      if (candidates[i].stage != Stage::kRe2Only && candidates[i].member[k] != 0) ids.push_back(i);
    }
    if (ids.empty()) continue;
    auto [it, inserted] = seen.emplace(ids, static_cast<int>(l.groups.size()));
    if (inserted) l.groups.push_back(std::move(ids));
    l.by_key[k] = it->second;
  }
  return l;
}

// Everything the databases depend on: the library and the CPU it tunes for, every
// candidate's text, flags and databases at its starting stage.
std::string cache_key(const std::vector<Candidate>& candidates, size_t keys) {
  std::string k =
      "wardsoc-hyperscan-cache\n" + std::to_string(kCacheFormat) + "\n" + hs_version() + "\n";
  hs_platform_info_t plat{};
  if (hs_populate_platform(&plat) == HS_SUCCESS) {
    k += std::to_string(plat.tune) + "/" + std::to_string(plat.cpu_features) + "\n";
  }
  k += std::to_string(keys) + "\n";
  for (const Candidate& c : candidates) {
    k += std::to_string(static_cast<int>(c.stage)) + " " + std::to_string(stage_flags(c)) + " ";
    for (uint8_t m : c.member) k += m != 0 ? '1' : '0';
    // The text Hyperscan is given: for a literal, which run was chosen.
    const std::string& text = stage_text(c);
    k += " " + std::to_string(text.size()) + ":" + text + "\n";
  }
  return xxh3_hex(k);
}

void put_u32(std::string* out, uint32_t v) { out->append(reinterpret_cast<const char*>(&v), 4); }
void put_u64(std::string* out, uint64_t v) { out->append(reinterpret_cast<const char*>(&v), 8); }

class Reader {
 public:
  explicit Reader(std::string_view d) : d_(d) {}
  bool u32(uint32_t* v) { return take(v, 4); }
  bool u64(uint64_t* v) { return take(v, 8); }
  bool bytes(size_t n, std::string_view* out) {
    if (d_.size() - pos_ < n) return false;
    *out = d_.substr(pos_, n);
    pos_ += n;
    return true;
  }
  bool done() const { return pos_ == d_.size(); }

 private:
  bool take(void* v, size_t n) {
    if (d_.size() - pos_ < n) return false;
    std::memcpy(v, d_.data() + pos_, n);
    pos_ += n;
    return true;
  }
  std::string_view d_;
  size_t pos_ = 0;
};

// Reads a cache file written by save_cache. False (and nothing kept) if it is missing,
// from another format, or Hyperscan refuses a database in it.
bool load_cache(const std::string& file, size_t keys, std::vector<Candidate>* candidates,
                CompiledDatabase* out) {
  std::ifstream in(file, std::ios::binary);
  if (!in) return false;
  std::ostringstream ss;
  ss << in.rdbuf();
  const std::string data = ss.str();
  Reader r(data);
  std::string_view magic;
  uint32_t format = 0, n = 0, ndb = 0;
  if (!r.bytes(4, &magic) || magic != std::string_view(kCacheMagic, 4) || !r.u32(&format) ||
      format != kCacheFormat || !r.u32(&n) || n != candidates->size()) {
    return false;
  }
  std::vector<Stage> stages(n);
  std::vector<std::string> reasons(n);
  for (uint32_t i = 0; i < n; ++i) {
    uint32_t st = 0, len = 0;
    std::string_view reason;
    if (!r.u32(&st) || st > static_cast<uint32_t>(Stage::kPrefix) || !r.u32(&len) ||
        !r.bytes(len, &reason)) {
      return false;
    }
    stages[i] = static_cast<Stage>(st);
    reasons[i] = std::string(reason);
  }
  uint32_t nkeys = 0;
  if (!r.u32(&nkeys) || nkeys != keys) return false;
  std::vector<int> by_key(nkeys, -1);
  for (int& b : by_key) {
    uint32_t v = 0;
    if (!r.u32(&v)) return false;
    b = static_cast<int>(static_cast<int32_t>(v));
  }
  if (!r.u32(&ndb)) return false;
  std::vector<hs_database_t*> dbs, joined;
  auto free_all = [&] {
    for (auto* db : dbs) hs_free_database(db);
    for (auto* db : joined) {
      if (db != nullptr) hs_free_database(db);
    }
  };
  for (uint32_t i = 0; i < 2 * ndb; ++i) {
    uint64_t len = 0;
    std::string_view bytes;
    hs_database_t* db = nullptr;
    const bool is_joined = i % 2 == 1;
    if (!r.u64(&len) || (len == 0 && !is_joined) || !r.bytes(len, &bytes) ||
        (len > 0 && hs_deserialize_database(bytes.data(), bytes.size(), &db) != HS_SUCCESS)) {
      free_all();
      return false;
    }
    (is_joined ? joined : dbs).push_back(db);
  }
  for (int b : by_key) {
    if (b >= static_cast<int>(dbs.size())) {
      free_all();
      return false;
    }
  }
  if (!r.done()) {
    free_all();
    return false;
  }
  for (uint32_t i = 0; i < n; ++i) {
    (*candidates)[i].stage = stages[i];
    (*candidates)[i].last_error = reasons[i];
  }
  out->databases = std::move(dbs);
  out->joined = std::move(joined);
  out->layout = std::move(by_key);
  return true;
}

// Written to a temporary file and renamed, so a reader never sees half a file; the
// oldest files beyond kCacheFilesKept are removed (one per rule-set version).
void save_cache(const std::string& dir, const std::string& file,
                const std::vector<Candidate>& candidates, const CompiledDatabase& db,
                LoadReport* report) {
  namespace fs = std::filesystem;
  std::error_code ec;
  fs::create_directories(dir, ec);
  std::string data(kCacheMagic, 4);
  put_u32(&data, kCacheFormat);
  put_u32(&data, static_cast<uint32_t>(candidates.size()));
  for (const Candidate& c : candidates) {
    put_u32(&data, static_cast<uint32_t>(c.stage));
    put_u32(&data, static_cast<uint32_t>(c.last_error.size()));
    data += c.last_error;
  }
  put_u32(&data, static_cast<uint32_t>(db.layout.size()));
  for (int b : db.layout) put_u32(&data, static_cast<uint32_t>(b));
  put_u32(&data, static_cast<uint32_t>(db.databases.size()));
  for (size_t i = 0; i < db.databases.size(); ++i) {
    for (hs_database_t* d : {db.databases[i], db.joined[i]}) {
      if (d == nullptr) {  // no joined form: length 0
        put_u64(&data, 0);
        continue;
      }
      char* bytes = nullptr;
      size_t len = 0;
      if (hs_serialize_database(d, &bytes, &len) != HS_SUCCESS) return;
      put_u64(&data, len);
      data.append(bytes, len);
      std::free(bytes);
    }
  }
  const std::string tmp = file + ".tmp." + std::to_string(::getpid());
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out.write(data.data(), static_cast<std::streamsize>(data.size()));
    if (!out) {
      report->warning(file, 0, 0, "",
                      "cannot write the Hyperscan database cache (the next start compiles again)");
      fs::remove(tmp, ec);
      return;
    }
  }
  fs::rename(tmp, file, ec);
  if (ec) {
    fs::remove(tmp, ec);
    return;
  }
  std::vector<std::pair<fs::file_time_type, fs::path>> files;
  for (auto it = fs::directory_iterator(dir, ec); !ec && it != fs::directory_iterator();
       it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (name.rfind("hs-", 0) == 0 && it->path().extension() == ".db") {
      files.emplace_back(it->last_write_time(ec), it->path());
    }
  }
  if (files.size() <= kCacheFilesKept) return;
  std::sort(files.begin(), files.end(),
            [](const auto& a, const auto& b) { return a.first > b.first; });
  for (size_t i = kCacheFilesKept; i < files.size(); ++i) fs::remove(files[i].second, ec);
}

// Compiles one database per group. On a pattern Hyperscan refuses, returns that candidate's
// index (and its message) so the caller can move it down a stage and try again.
struct BuildFailure {
  int candidate = -1;
  std::string message;
};

// The joined-lines form of one database, or null when one of its patterns has none (the
// database's lines are then scanned one at a time). Never an error: it only saves time.
hs_database_t* build_joined(const std::vector<Candidate>& candidates,
                            const std::vector<uint32_t>& ids) {
  std::vector<const char*> exprs;
  std::vector<unsigned> flags;
  std::vector<unsigned> hs_ids;
  for (uint32_t i : ids) {
    if (!joinable(candidates[i])) return nullptr;
    exprs.push_back(lines_text(candidates[i]).c_str());
    flags.push_back(lines_flags(candidates[i]));
    hs_ids.push_back(i);
  }
  hs_database_t* db = nullptr;
  hs_compile_error_t* err = nullptr;
  if (hs_compile_multi(exprs.data(), flags.data(), hs_ids.data(),
                       static_cast<unsigned>(exprs.size()), HS_MODE_BLOCK, nullptr, &db,
                       &err) != HS_SUCCESS) {
    hs_free_compile_error(err);
    return nullptr;
  }
  return db;
}

BuildFailure build_databases(const std::vector<Candidate>& candidates, const Layout& l,
                             CompiledDatabase* out) {
  for (const auto& ids : l.groups) {
    std::vector<const char*> exprs;
    std::vector<unsigned> flags;
    std::vector<unsigned> hs_ids;
    for (uint32_t i : ids) {
      exprs.push_back(stage_text(candidates[i]).c_str());
      flags.push_back(stage_flags(candidates[i]));
      hs_ids.push_back(i);
    }
    hs_database_t* db = nullptr;
    hs_compile_error_t* err = nullptr;
    const hs_error_t rc =
        hs_compile_multi(exprs.data(), flags.data(), hs_ids.data(),
                         static_cast<unsigned>(exprs.size()), HS_MODE_BLOCK, nullptr, &db, &err);
    if (rc != HS_SUCCESS) {
      BuildFailure f;
      f.message = err != nullptr ? err->message : "unknown error";
      if (err != nullptr && err->expression >= 0 &&
          static_cast<size_t>(err->expression) < ids.size()) {
        f.candidate = static_cast<int>(ids[static_cast<size_t>(err->expression)]);
      }
      hs_free_compile_error(err);
      return f;
    }
    out->databases.push_back(db);
    out->joined.push_back(build_joined(candidates, ids));
  }
  out->layout = l.by_key;
  return {};
}

// The JSON-literal databases (CompiledDatabase::json_databases): the derived literals alone,
// at the stage the main databases settled on (literals are taken exactly, so this compile
// does not fail where that one did not).
bool build_json_databases(const std::vector<Candidate>& candidates, size_t keys,
                          CompiledDatabase* out, LoadReport* report) {
  out->json_layout.clear();
  if (std::none_of(candidates.begin(), candidates.end(), [](const Candidate& c) { return c.json; }))
    return true;
  Layout l;
  l.by_key.assign(keys, -1);
  std::map<std::vector<uint32_t>, int> seen;
  for (size_t k = 0; k < keys; ++k) {
    std::vector<uint32_t> ids;
    for (uint32_t i = 0; i < candidates.size(); ++i) {
      const Candidate& c = candidates[i];
      if (c.json && c.stage != Stage::kRe2Only && c.member[k] != 0) ids.push_back(i);
    }
    if (ids.empty()) continue;
    auto [it, inserted] = seen.emplace(ids, static_cast<int>(l.groups.size()));
    if (inserted) l.groups.push_back(std::move(ids));
    l.by_key[k] = it->second;
  }
  for (const auto& ids : l.groups) {
    std::vector<const char*> exprs;
    std::vector<unsigned> flags;
    for (uint32_t i : ids) {
      exprs.push_back(stage_text(candidates[i]).c_str());
      flags.push_back(stage_flags(candidates[i]));
    }
    hs_database_t* db = nullptr;
    hs_compile_error_t* err = nullptr;
    if (hs_compile_multi(exprs.data(), flags.data(), ids.data(),
                         static_cast<unsigned>(exprs.size()), HS_MODE_BLOCK, nullptr, &db,
                         &err) != HS_SUCCESS) {
      report->error("", 0, 0, "",
                    "Hyperscan could not build the database of literals derived from where: " +
                        std::string(err != nullptr ? err->message : "unknown error"));
      hs_free_compile_error(err);
      return false;
    }
    out->json_databases.push_back(db);
  }
  out->json_layout = std::move(l.by_key);
  return true;
}

}  // namespace

CompiledDatabase::CompiledDatabase(CompiledDatabase&& o) noexcept { *this = std::move(o); }

CompiledDatabase& CompiledDatabase::operator=(CompiledDatabase&& o) noexcept {
  if (this != &o) {
    reset();
    databases = std::move(o.databases);
    joined = std::move(o.joined);
    json_databases = std::move(o.json_databases);
    json_layout = std::move(o.json_layout);
    program_keys = std::move(o.program_keys);
    program_key_count = o.program_key_count;
    layout = std::move(o.layout);
    scratch = o.scratch;
    units = std::move(o.units);
    user_begin = std::move(o.user_begin);
    users = std::move(o.users);
    expressions = o.expressions;
    database_bytes = o.database_bytes;
    scratch_bytes = o.scratch_bytes;
    hyperscan_seconds = o.hyperscan_seconds;
    from_cache = o.from_cache;
    cache_file = std::move(o.cache_file);
    o.databases.clear();
    o.joined.clear();
    o.json_databases.clear();
    o.json_layout.clear();
    o.layout.clear();
    o.scratch = nullptr;
  }
  return *this;
}

CompiledDatabase::~CompiledDatabase() { reset(); }

void CompiledDatabase::reset() {
  if (scratch != nullptr) hs_free_scratch(scratch);
  for (hs_database_t* db : databases) hs_free_database(db);
  for (hs_database_t* db : joined) {
    if (db != nullptr) hs_free_database(db);
  }
  for (hs_database_t* db : json_databases) hs_free_database(db);
  scratch = nullptr;
  databases.clear();
  joined.clear();
  json_databases.clear();
  json_layout.clear();
  layout.clear();
}

namespace {

const std::vector<std::string>& programs_of(const Rule& r, const MatchStep& s) {
  return s.programs.empty() ? r.programs : s.programs;
}

RulePattern& pattern_of(std::vector<Rule>& rules, const Use& u) {
  MatchStep& s = rules[u.rule].steps[u.step];
  return u.exclusion ? s.exclusions[u.index] : s.patterns[u.index];
}

}  // namespace

void check_rejected_patterns(std::vector<Rule>* rules, LoadReport* report) {
  for (Rule& r : *rules) {
    for (MatchStep& s : r.steps) {
      for (RulePattern& p : s.patterns)
        compile_re2(r, p, p.from_contains ? "match.contains" : "match.regex", report);
      for (RulePattern& p : s.exclusions) compile_re2(r, p, "match.not", report);
    }
  }
}

bool compile_rules(std::vector<Rule>* rules_in, bool build_database, const CompileOptions& options,
                   CompiledDatabase* out, LoadReport* report) {
  std::vector<Rule>& rules = *rules_in;
  bool ok = true;
  out->reset();
  out->units.clear();
  out->program_keys.clear();

  // Program keys: every program name some rule or step lists.
  for (const Rule& r : rules) {
    for (const MatchStep& s : r.steps) {
      for (const std::string& name : programs_of(r, s)) {
        out->program_keys.emplace(name, static_cast<uint32_t>(out->program_keys.size() + 1));
      }
    }
  }
  out->program_key_count = static_cast<uint32_t>(out->program_keys.size() + 1);
  const size_t keys = static_cast<size_t>(kAssetClassCount) * out->program_key_count;

  // Distinct pattern texts, each with every place it is used.
  std::vector<Candidate> candidates;
  std::map<std::string, uint32_t, std::less<>> by_text;
  auto add_use = [&](const Rule& r, const MatchStep& s, const std::string& text, Use use) {
    // A literal looked for in the JSON text is its own expression: a hit there says nothing
    // about the message, which the same text as a pattern is matched against.
    const bool json = !use.exclusion && s.patterns[use.index].on_json;
    auto [it, inserted] =
        by_text.emplace(json ? "json:" + text : text, static_cast<uint32_t>(candidates.size()));
    if (inserted) {
      Candidate c;
      c.text = text;
      c.json = json;
      c.member.assign(keys, 0);
      candidates.push_back(std::move(c));
    }
    Candidate& c = candidates[it->second];
    c.uses.push_back(use);
    const auto& progs = programs_of(r, s);
    for (int cls = 0; cls < kAssetClassCount; ++cls) {
      if (!r.applies_to(static_cast<AssetClass>(cls))) continue;
      const size_t base = static_cast<size_t>(cls) * out->program_key_count;
      if (progs.empty()) {
        for (uint32_t k = 0; k < out->program_key_count; ++k) c.member[base + k] = 1;
      } else {
        for (const std::string& name : progs) c.member[base + out->program_key(name)] = 1;
      }
    }
  };

  for (uint32_t ri = 0; ri < rules.size(); ++ri) {
    Rule& r = rules[ri];
    for (uint32_t si = 0; si < r.steps.size(); ++si) {
      MatchStep& s = r.steps[si];
      out->units.push_back(UnitRef{ri, si});
      for (uint32_t pi = 0; pi < s.patterns.size(); ++pi) {
        add_use(r, s, s.patterns[pi].text, Use{ri, si, pi, false});
      }
      for (uint32_t xi = 0; xi < s.exclusions.size(); ++xi) {
        add_use(r, s, s.exclusions[xi].text, Use{ri, si, xi, true});
      }
      if (!compile_conditions(r, s, report)) ok = false;
    }
  }

  // The literal runs every match of each pattern must contain, and how many patterns
  // need each run: Hyperscan looks for a pattern's rarest run (see choose_literal).
  std::vector<std::vector<std::string>> runs(candidates.size());
  std::vector<bool> runs_caseless(candidates.size(), false);
  std::unordered_map<std::string, uint32_t> run_users;
  for (size_t ci = 0; ci < candidates.size(); ++ci) {
    bool caseless = false;
    runs[ci] = required_literal_runs(candidates[ci].text, &caseless);
    runs_caseless[ci] = caseless;
    std::sort(runs[ci].begin(), runs[ci].end());
    runs[ci].erase(std::unique(runs[ci].begin(), runs[ci].end()), runs[ci].end());
    for (const std::string& r : runs[ci]) ++run_users[r];
  }

  // RE2 once per distinct text; an invalid one is reported where each use is written.
  std::vector<bool> valid(candidates.size(), true);
  for (size_t ci = 0; ci < candidates.size(); ++ci) {
    Candidate& c = candidates[ci];
    for (const Use& u : c.uses) {
      Rule& r = rules[u.rule];
      RulePattern& p = pattern_of(rules, u);
      const std::string_view key = u.exclusion       ? "match.not"
                                   : p.derived       ? "where (derived literal)"
                                   : p.from_contains ? "match.contains"
                                                     : "match.regex";
      if (c.re2 == nullptr && valid[ci]) {
        if (!compile_re2(r, p, key, report)) {
          valid[ci] = false;
          ok = false;
          continue;
        }
        c.re2 = p.re2;
        c.head = p.head;
        c.tail = p.tail;
      } else if (!valid[ci]) {
        compile_re2(r, p, key, report);
        continue;
      }
      p.re2 = c.re2;
      p.head = c.head;
      p.tail = c.tail;
      p.lead = leading_literal(p.text);
      p.capture_groups = c.re2->NumberOfCapturingGroups();
      p.captures.clear();
      for (const auto& [name, index] : c.re2->NamedCapturingGroups())
        p.captures.emplace_back(name, index);
      std::sort(p.captures.begin(), p.captures.end(),
                [](const auto& a, const auto& b) { return a.second < b.second; });
    }
    if (!valid[ci]) continue;
    c.syntax = analyze_pattern(c.text);
    // Said once, where the text is first written (a sequence step reusing a rule repeats it).
    const Use& first = c.uses.front();
    const RulePattern& p0 = pattern_of(rules, first);
    const std::string key = first.exclusion    ? "match.not"
                            : p0.derived       ? "where (derived literal)"
                            : p0.from_contains ? "match.contains"
                                               : "match.regex";
    for (const std::string& w : c.syntax.warnings) {
      report->warning(rules[first.rule].file, p0.pos.line, p0.pos.column, rules[first.rule].id,
                      key + ": " + w);
    }
    c.literal = choose_literal(runs[ci], run_users);
    c.literal_caseless = runs_caseless[ci];
    const bool literal_ok =
        c.literal.size() >= kMinPrefilterLiteral &&
        !(c.literal_caseless && std::any_of(c.literal.begin(), c.literal.end(), [](char ch) {
            return static_cast<unsigned char>(ch) >= 0x80;
          }));
    if (literal_ok && (c.re2->NumberOfCapturingGroups() > 0 || c.syntax.hyperscan_unsafe)) {
      // RE2 runs on every hit anyway (to extract fields, or because Hyperscan cannot take
      // the pattern): Hyperscan need only find the literal.
      c.stage = Stage::kLiteral;
      c.literal_text = literal_expression(c.literal);
      const std::string literal_reason =
          "Hyperscan looks for its literal '" + c.literal + "'" +
          (c.literal_caseless ? " (any case)" : "") +
          "; RE2 confirms the line and extracts the fields" +
          (c.syntax.hyperscan_unsafe ? " (" + c.syntax.unsafe_reason + ")" : "");
      c.last_error = literal_reason;
      // When even the rarest literal is one other patterns need too and it lies in the
      // pattern's anchored start, Hyperscan matches that start instead: it then puts
      // forward only lines that begin that way ("Failed " at the start of the message,
      // not anywhere in it). A literal of its own stays: anchored starts cost Hyperscan
      // more to scan than literals when there are many.
      const auto shared = run_users.find(c.literal);
      if (!c.syntax.hyperscan_unsafe && !c.literal_caseless && shared != run_users.end() &&
          shared->second > 1) {
        c.prefix_text = anchored_start(c.text, c.literal, &c.prefix_lines);
        if (!c.prefix_text.empty()) {
          c.stage = Stage::kPrefix;
          c.last_error = "Hyperscan matches the start of the message '" +
                         capture_free_prefix(c.text) +
                         "'; RE2 confirms the line and extracts the fields";
        }
      }
      settle_stage(c);
      if (c.stage == Stage::kLiteral)
        c.last_error = literal_reason;  // also when the start was refused
    } else if (c.syntax.hyperscan_unsafe) {
      c.stage = Stage::kRe2Only;
      c.last_error = c.syntax.unsafe_reason;
    } else {
      settle_stage(c);
    }
    if (options.analyze && !first.exclusion) {
      std::vector<std::string> notes = c.syntax.cost_notes;
      if (c.empty_width)
        notes.emplace_back("it can match an empty string, so it matches every line");
      if (c.re2->ProgramSize() > kLargeProgram) {
        notes.push_back("its RE2 program is large (" + std::to_string(c.re2->ProgramSize()) +
                        " instructions): confirming and capturing will be slow");
      }
      const std::vector<std::string> literals = required_literals(p0);
      // (A derived literal that short is warned about where it is derived.)
      if (literals.empty() && !c.empty_width && !p0.derived) {
        notes.push_back("it has no literal text of " + std::to_string(kMinLiteral) +
                        "+ bytes to anchor on, so no line can be ruled out cheaply");
      }
      for (const std::string& note : notes) {
        report->warning(rules[first.rule].file, p0.pos.line, p0.pos.column, rules[first.rule].id,
                        key + ": slow pattern: " + note);
      }
      for (const Use& u : c.uses) {
        RulePattern& p = pattern_of(rules, u);
        p.literals = literals;
        p.cost_notes = notes;
      }
    }
  }
  if (!ok || !build_database) return ok;

  const auto t0 = std::chrono::steady_clock::now();
  bool loaded = false;
  if (!options.cache_dir.empty()) {
    out->cache_file =
        (std::filesystem::path(options.cache_dir) / ("hs-" + cache_key(candidates, keys) + ".db"))
            .string();
    loaded = load_cache(out->cache_file, keys, &candidates, out);
  }
  out->from_cache = loaded;
  if (!loaded) {
    // A pattern that makes a database fail is moved one stage down and every database is
    // built again; each pattern can move at most three times.
    for (;;) {
      const Layout l = layout(candidates, keys);
      BuildFailure f = build_databases(candidates, l, out);
      if (f.message.empty()) break;
      out->reset();
      if (f.candidate < 0) {
        report->error("", 0, 0, "", "Hyperscan could not build the rule database: " + f.message);
        return false;
      }
      Candidate& c = candidates[static_cast<size_t>(f.candidate)];
      c.last_error = f.message;
      c.stage = next_stage(c.stage);
      settle_stage(c);
    }
  }
  if (!build_json_databases(candidates, keys, out, report)) return false;
  std::vector<hs_database_t*> all = out->databases;
  for (hs_database_t* db : out->joined) {
    if (db != nullptr) all.push_back(db);
  }
  for (hs_database_t* db : out->json_databases) all.push_back(db);
  for (hs_database_t* db : all) {
    const hs_error_t src = hs_alloc_scratch(db, &out->scratch);  // grows one scratch to fit all
    if (src != HS_SUCCESS) {
      report->error(
          "", 0, 0, "",
          "Hyperscan could not allocate scratch space (error " + std::to_string(src) + ")");
      return false;
    }
    size_t size = 0;
    if (hs_database_size(db, &size) == HS_SUCCESS) out->database_bytes += size;
  }
  if (out->scratch != nullptr) hs_scratch_size(out->scratch, &out->scratch_bytes);
  out->hyperscan_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  if (!loaded && !options.cache_dir.empty() && !out->databases.empty()) {
    save_cache(options.cache_dir, out->cache_file, candidates, *out, report);
  }

  out->expressions = static_cast<uint32_t>(candidates.size());
  out->user_begin.assign(1, 0);
  out->users.clear();
  std::vector<uint32_t> unit_of_rule(rules.size(), 0);
  for (uint32_t u = static_cast<uint32_t>(out->units.size()); u-- > 0;)
    unit_of_rule[out->units[u].rule] = u;
  for (uint32_t id = 0; id < candidates.size(); ++id) {
    const Candidate& c = candidates[id];
    for (const Use& u : c.uses) {
      if (!u.exclusion) {
        const uint32_t unit = unit_of_rule[u.rule] + u.step;
        if (std::find(out->users.begin() + out->user_begin.back(), out->users.end(), unit) ==
            out->users.end()) {
          out->users.push_back(unit);
        }
      }
      Rule& r = rules[u.rule];
      RulePattern& p = pattern_of(rules, u);
      p.expression = id;
      p.kind_reason = c.last_error;
      switch (c.stage) {
        case Stage::kExact:
          p.kind = MatchKind::kHyperscanExact;
          p.kind_reason.clear();
          break;
        case Stage::kLiteral:
        case Stage::kPrefix:
          p.kind = MatchKind::kHyperscanPrefilter;
          break;
        case Stage::kPrefilter:
        case Stage::kRelaxedPrefilter:
          p.kind = MatchKind::kHyperscanPrefilter;
          p.kind_reason = "Hyperscan takes a looser form (" + c.last_error + "); RE2 confirms";
          break;
        case Stage::kRe2Only:
          p.kind = MatchKind::kRe2Only;
          if (!u.exclusion && &u == &c.uses.front()) {
            report->warning(r.file, p.pos.line, p.pos.column, r.id,
                            std::string(p.from_contains ? "match.contains" : "match.regex") +
                                ": matched by RE2 alone on every line the rule applies to, which "
                                "is slow (Hyperscan: " +
                                c.last_error + ")");
          }
          if (p.kind == MatchKind::kRe2Only && !c.last_error.empty()) {
            p.kind_reason = "Hyperscan: " + c.last_error;
          }
          break;
      }
      if (p.kind != MatchKind::kRe2Only) {
        p.hyperscan_id = id;
        p.hyperscan_text = stage_text(c);
      } else {
        p.hyperscan_id = kNoHyperscanId;
        p.hyperscan_text.clear();
      }
      p.needs_confirm =
          p.kind != MatchKind::kHyperscanExact || c.syntax.needs_confirm || !p.captures.empty();
      // A hit in joined lines of a pattern that can match '\n' may span two lines.
      p.confirm_joined = p.needs_confirm || !c.syntax.lines_exact;
    }
    out->user_begin.push_back(static_cast<uint32_t>(out->users.size()));
  }
  return true;
}

}  // namespace wardsoc
