// Compile stage of rule loading: every pattern into an RE2 program (Latin-1, i.e. bytes)
// and the Hyperscan-eligible patterns into block-mode databases. A line is scanned with the
// database of its asset class and program (rules restricted to other programs are not in
// it; classes and programs with the same rules share one database). A pattern written the
// same way in several rules is compiled once, and its RE2 confirmation runs once per line.
// `not` patterns are in the databases too, so RE2 checks them only when Hyperscan saw them.
// Patterns Hyperscan rejects fall back to prefilter mode, then to RE2 only; each records
// its MatchKind and why. Compiled databases are cached (serialized) under a hash of the
// patterns and the Hyperscan version and platform, so a restart with the same rules skips
// the compile. Runs on the loading thread; what it builds is owned by the RuleSet and is
// read-only after.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "rules/diagnostic.h"
#include "rules/rule.h"

// Hyperscan's database and scratch, declared rather than included, so that the rule set's
// clients do not compile Hyperscan's headers: these are the types behind its hs_database_t
// and hs_scratch_t.
struct hs_database;
struct hs_scratch;

namespace wardsoc {

// One match step of one rule: what a Hyperscan hit or a Match points at.
struct UnitRef {
  uint32_t rule = 0;
  uint32_t step = 0;
};

struct CompileOptions {
  // Where serialized databases are kept; empty = no cache.
  std::string cache_dir;
  // Compute literals and cost notes for every pattern (rules check, rules test --explain).
  bool analyze = true;
};

// Owns what Hyperscan built; moved into the RuleSet.
struct CompiledDatabase {
  std::vector<hs_database*> databases;  // distinct databases
  // By database: the same patterns for one scan over many lines joined by '\n' (multi-line
  // mode, every match reported; see lines_text in the .cc), or null where a pattern has no
  // such form. One scan per batch costs far less than one per line.
  std::vector<hs_database*> joined;
  // Literals derived from `where` of `fields: json` steps (RulePattern::on_json) are in the
  // databases above (for events whose JSON text is the text they scan) and, alone, in these:
  // by (class, program key) like `layout`, -1 = none, for events whose JSON object lies outside
  // the message (a JSON line whose "message" member ingest took as the message). Empty when
  // no rule has such literals, so other rule sets never scan twice. Not cached: built at load.
  std::vector<hs_database*> json_databases;
  std::vector<int> json_layout;
  // Program names that some rule lists (the empty name: lines without a program) ->
  // program key 1..n; key 0 is every other program.
  struct StringHash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  std::unordered_map<std::string, uint32_t, StringHash, std::equal_to<>> program_keys;
  uint32_t program_key_count = 1;
  // Database index by (asset class, program key): [class * program_key_count + key], -1 = none.
  std::vector<int> layout;
  hs_scratch* scratch = nullptr;  // prototype, large enough for every database; workers clone it
  std::vector<UnitRef> units;     // every match step of every rule, rule by rule
  // Hyperscan id = expression id (one per distinct pattern text). The units whose match
  // patterns use expression i are users[user_begin[i] .. user_begin[i+1]).
  std::vector<uint32_t> user_begin;
  std::vector<uint32_t> users;
  uint32_t expressions = 0;

  // What it cost, for `rules check` and the benchmark.
  size_t database_bytes = 0;
  size_t scratch_bytes = 0;
  double hyperscan_seconds = 0;  // compiling or loading the databases
  bool from_cache = false;
  std::string cache_file;  // the file read or written; empty without a cache

  CompiledDatabase() = default;
  CompiledDatabase(CompiledDatabase&& o) noexcept;
  CompiledDatabase& operator=(CompiledDatabase&& o) noexcept;
  CompiledDatabase(const CompiledDatabase&) = delete;
  CompiledDatabase& operator=(const CompiledDatabase&) = delete;
  ~CompiledDatabase();

  void reset();  // frees what Hyperscan built

  uint32_t program_key(std::string_view app) const {
    auto it = program_keys.find(app);
    return it == program_keys.end() ? 0 : it->second;
  }
  // Index in databases (and joined) for lines of a class and program; -1 = none.
  int database_index(AssetClass c, std::string_view app) const {
    if (layout.empty()) return -1;
    return layout[static_cast<size_t>(c) * program_key_count + program_key(app)];
  }
  const hs_database* database(AssetClass c, std::string_view app) const {
    const int i = database_index(c, app);
    return i < 0 ? nullptr : databases[static_cast<size_t>(i)];
  }
  // The JSON-literal database for lines of a class and program; null if none.
  const hs_database* json_database(AssetClass c, std::string_view app) const {
    if (json_layout.empty()) return nullptr;
    const int i = json_layout[static_cast<size_t>(c) * program_key_count + program_key(app)];
    return i < 0 ? nullptr : json_databases[static_cast<size_t>(i)];
  }
  std::span<const uint32_t> users_of(uint32_t expression) const {
    return std::span<const uint32_t>(users).subspan(
        user_begin[expression], user_begin[expression + 1] - user_begin[expression]);
  }
};

// Compiles every rule's RE2 programs (errors name the rule and RE2's message) and, when
// `build_database` is set, the Hyperscan databases. Returns false if anything failed.
bool compile_rules(std::vector<Rule>* rules, bool build_database, const CompileOptions& options,
                   CompiledDatabase* out, LoadReport* report);

// Compiles the RE2 programs of rules that were rejected while reading, only to report the
// patterns' own errors too (the rules are not used).
void check_rejected_patterns(std::vector<Rule>* rules, LoadReport* report);

}  // namespace wardsoc
