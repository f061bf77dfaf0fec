// RuleSet: every rule of a rule folder (and the named lists its rules use), read, checked
// and compiled (RE2 programs plus Hyperscan databases), immutable once loaded. Shared
// read-only by all threads through std::shared_ptr<const RuleSet>; a reload builds a new
// one off the hot path and swaps the pointer, so a set that fails to load never replaces a
// working one.
#pragma once

#include <algorithm>
#include <filesystem>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "rules/diagnostic.h"
#include "rules/named_list.h"
#include "rules/rule.h"
#include "rules/rule_compiler.h"

namespace wardsoc {

// One file's text and the name diagnostics use for it.
struct RuleSource {
  std::string file;
  std::string text;
};

struct LoadOptions {
  // Where compiled Hyperscan databases are cached (the pipeline uses <data_dir>/cache);
  // empty = compile every time.
  std::string cache_dir;
  // Compute literals and cost notes of every pattern (warnings about slow patterns).
  bool analyze = true;
};

class RuleSet {
 public:
  // A program name no rule lists ("programs" never holds a NUL).
  static constexpr std::string_view kNoRuleNamesThisProgram = std::string_view("\0", 1);

  // dir_or_file: a directory (searched recursively for *.yaml and *.yml rule files and for
  // lists/*.txt named lists, in sorted order so loading is deterministic; other files are
  // ignored) or one file. On any error returns an Error whose message summarises the first
  // errors; *report (may be null) lists every diagnostic. Warnings never block loading.
  static Result<std::shared_ptr<const RuleSet>> Load(const std::filesystem::path& dir_or_file,
                                                     LoadReport* report,
                                                     const LoadOptions& options = {});
  // Several files or directories into one set (ids unique across all of them).
  static Result<std::shared_ptr<const RuleSet>> Load(
      const std::vector<std::filesystem::path>& dirs_or_files, LoadReport* report,
      const LoadOptions& options = {});
  // One file's text; for tests and `wardsoc rules test`.
  static Result<std::shared_ptr<const RuleSet>> LoadFromString(std::string_view yaml,
                                                               std::string_view file_name,
                                                               LoadReport* report,
                                                               const LoadOptions& options = {});
  // Several files' texts (and lists' texts), checked together (duplicate ids across files
  // are errors).
  static Result<std::shared_ptr<const RuleSet>> LoadFromSources(
      const std::vector<RuleSource>& sources, LoadReport* report, const LoadOptions& options = {},
      const std::vector<RuleSource>& lists = {});

  RuleSet(const RuleSet&) = delete;
  RuleSet& operator=(const RuleSet&) = delete;
  ~RuleSet();

  const std::vector<Rule>& rules() const { return rules_; }
  const Rule* find(std::string_view id) const;
  // Index of the rule in rules(), or -1.
  int index_of(std::string_view id) const;
  // 16 hex digits of XXH3 over every rule's version, in load order.
  const std::string& version() const { return version_; }
  const std::vector<NamedList>& lists() const { return lists_; }

  // What the matcher needs: the database for lines of an asset class and program (null if
  // no pattern of the rules for them is Hyperscan-eligible). Without a program: the
  // database for programs no rule names.
  const hs_database* database(AssetClass c, std::string_view app) const {
    return compiled_.database(c, app);
  }
  const hs_database* database(AssetClass c) const {
    return compiled_.layout.empty() ? nullptr : compiled_.database(c, kNoRuleNamesThisProgram);
  }
  // The same by index (-1 = none), with the database's joined-lines form (null if it has
  // none), for the matcher's batch scan.
  int database_index(AssetClass c, std::string_view app) const {
    return compiled_.database_index(c, app);
  }
  const hs_database* database_at(int i) const {
    return compiled_.databases[static_cast<size_t>(i)];
  }
  const hs_database* joined_database_at(int i) const {
    return compiled_.joined[static_cast<size_t>(i)];
  }
  size_t database_count() const { return compiled_.databases.size(); }
  // The database of literals derived for `fields: json` steps, for events whose JSON text is
  // not their message (rules/rule_compiler.h); null if none, and always when no rule has them.
  const hs_database* json_database(AssetClass c, std::string_view app) const {
    return compiled_.json_database(c, app);
  }
  bool has_json_databases() const { return !compiled_.json_databases.empty(); }
  size_t joined_database_count() const {
    return static_cast<size_t>(std::count_if(compiled_.joined.begin(), compiled_.joined.end(),
                                             [](const hs_database* d) { return d != nullptr; }));
  }
  // Prototype scratch, large enough for every database: each worker clones it once.
  const hs_scratch* scratch_prototype() const { return compiled_.scratch; }
  // Every match step of every rule: a rule's steps are consecutive, from first_unit(rule).
  const std::vector<UnitRef>& units() const { return compiled_.units; }
  uint32_t first_unit(uint32_t rule) const { return first_unit_[rule]; }
  const MatchStep& step(const UnitRef& u) const { return rules_[u.rule].steps[u.step]; }
  // Expressions (distinct pattern texts, = Hyperscan ids) and the units that match with each.
  uint32_t expression_count() const { return compiled_.expressions; }
  std::span<const uint32_t> expression_users(uint32_t expression) const {
    return compiled_.users_of(expression);
  }
  // Units with a kRe2Only pattern, or with no pattern at all (an absence rule without
  // match): tried on every event they apply to.
  const std::vector<uint32_t>& always_units() const { return always_units_; }
  // Largest number of capturing groups of any pattern (sizes the matcher's buffers).
  int max_capture_groups() const { return max_capture_groups_; }
  // The files the rules and lists came from, in load order.
  const std::vector<std::string>& files() const { return files_; }

  // What building it cost: Hyperscan database and scratch bytes, whether the databases came
  // from the cache, and seconds for the whole load and for Hyperscan alone.
  size_t database_bytes() const { return compiled_.database_bytes; }
  size_t scratch_bytes() const { return compiled_.scratch_bytes; }
  bool databases_from_cache() const { return compiled_.from_cache; }
  const std::string& cache_file() const { return compiled_.cache_file; }
  double hyperscan_seconds() const { return compiled_.hyperscan_seconds; }
  double load_seconds() const { return load_seconds_; }

 private:
  RuleSet() = default;

  std::vector<Rule> rules_;
  std::map<std::string, uint32_t, std::less<>> by_id_;
  std::string version_;
  std::vector<NamedList> lists_;
  CompiledDatabase compiled_;
  std::vector<uint32_t> first_unit_;
  std::vector<uint32_t> always_units_;
  int max_capture_groups_ = 0;
  std::vector<std::string> files_;
  double load_seconds_ = 0;
};

}  // namespace wardsoc
