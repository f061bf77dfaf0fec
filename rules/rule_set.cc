#include "rules/rule_set.h"

#include <xxhash.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <system_error>

#include "core/text.h"
#include "rules/rule_checker.h"
#include "rules/rule_reader.h"

namespace wardsoc {

namespace {

constexpr size_t kErrorsInSummary = 3;

Error summarise(const LoadReport& report) {
  std::string msg = std::to_string(report.error_count()) + " error(s) in rules";
  size_t shown = 0;
  for (const Diagnostic& d : report.diagnostics) {
    if (d.level != Diagnostic::Level::kError) continue;
    if (shown == kErrorsInSummary) {
      msg += "; ...";
      break;
    }
    msg += shown == 0 ? ": " : "; ";
    msg += d.to_string();
    ++shown;
  }
  return Error(Errc::kInvalidArgument, msg);
}

bool is_rule_file(const std::filesystem::path& p) {
  const std::string ext = p.extension().string();
  return ext == ".yaml" || ext == ".yml";
}

// Named lists: *.txt files in a folder called "lists" (rules/lists/trusted_admins.txt).
bool is_list_file(const std::filesystem::path& p) {
  return p.extension() == ".txt" && p.parent_path().filename() == "lists";
}

}  // namespace

RuleSet::~RuleSet() = default;

const Rule* RuleSet::find(std::string_view id) const {
  const int i = index_of(id);
  return i < 0 ? nullptr : &rules_[static_cast<size_t>(i)];
}

int RuleSet::index_of(std::string_view id) const {
  auto it = by_id_.find(id);
  return it == by_id_.end() ? -1 : static_cast<int>(it->second);
}

Result<std::shared_ptr<const RuleSet>> RuleSet::Load(const std::filesystem::path& dir_or_file,
                                                     LoadReport* report,
                                                     const LoadOptions& options) {
  return Load(std::vector<std::filesystem::path>{dir_or_file}, report, options);
}

Result<std::shared_ptr<const RuleSet>> RuleSet::Load(
    const std::vector<std::filesystem::path>& dirs_or_files, LoadReport* report,
    const LoadOptions& options) {
  LoadReport local;
  LoadReport* rep = report != nullptr ? report : &local;
  namespace fs = std::filesystem;
  std::vector<fs::path> paths;
  std::vector<fs::path> list_paths;
  bool missing = false;
  for (const fs::path& dir_or_file : dirs_or_files) {
    std::error_code ec;
    const fs::file_status st = fs::status(dir_or_file, ec);
    if (ec || !fs::exists(st)) {
      // A relative path is read from the working directory: say which one was meant.
      std::string why = "no such file or directory";
      if (dir_or_file.is_relative()) {
        std::error_code cwd_ec;
        const fs::path cwd = fs::current_path(cwd_ec);
        if (!cwd_ec) why += " (looked for " + (cwd / dir_or_file).string() + ")";
      }
      rep->error(dir_or_file.string(), 0, 0, "", why);
      missing = true;
      continue;
    }
    if (fs::is_directory(st)) {
      const size_t before = paths.size();
      const size_t lists_before = list_paths.size();
      fs::recursive_directory_iterator it(dir_or_file,
                                          fs::directory_options::skip_permission_denied, ec);
      for (; !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
        if (!it->is_regular_file(ec)) continue;
        if (is_rule_file(it->path())) paths.push_back(it->path());
        if (is_list_file(it->path())) list_paths.push_back(it->path());
      }
      std::sort(list_paths.begin() + lists_before, list_paths.end());
      if (ec) {
        rep->error(dir_or_file.string(), 0, 0, "", "cannot list the directory: " + ec.message());
        return summarise(*rep);
      }
      std::sort(paths.begin() + before, paths.end());
      if (paths.size() == before) {
        rep->warning(dir_or_file.string(), 0, 0, "", "no *.yaml or *.yml rule files found");
      }
    } else if (dir_or_file.extension() == ".txt") {
      list_paths.push_back(dir_or_file);
    } else {
      paths.push_back(dir_or_file);
    }
  }
  if (missing) return Error(Errc::kNotFound, summarise(*rep).message);
  if (rep->has_errors()) return summarise(*rep);

  auto read_all = [&](const std::vector<fs::path>& from, std::vector<RuleSource>* to) {
    for (const fs::path& p : from) {
      std::ifstream in(p, std::ios::binary);
      std::ostringstream text;
      if (in) text << in.rdbuf();
      if (!in || in.bad()) {
        rep->error(p.string(), 0, 0, "", "cannot read the file");
        continue;
      }
      to->push_back(RuleSource{p.string(), text.str()});
    }
  };
  std::vector<RuleSource> sources, lists;
  read_all(paths, &sources);
  read_all(list_paths, &lists);
  if (rep->has_errors()) return summarise(*rep);
  return LoadFromSources(sources, rep, options, lists);
}

Result<std::shared_ptr<const RuleSet>> RuleSet::LoadFromString(std::string_view yaml,
                                                               std::string_view file_name,
                                                               LoadReport* report,
                                                               const LoadOptions& options) {
  return LoadFromSources({RuleSource{std::string(file_name), std::string(yaml)}}, report, options);
}

Result<std::shared_ptr<const RuleSet>> RuleSet::LoadFromSources(
    const std::vector<RuleSource>& sources, LoadReport* report, const LoadOptions& options,
    const std::vector<RuleSource>& list_sources) {
  const auto t0 = std::chrono::steady_clock::now();
  LoadReport local;
  LoadReport* rep = report != nullptr ? report : &local;
  const size_t errors_before = rep->error_count();

  // read
  std::vector<Rule> rules;
  std::vector<std::string> files;
  std::vector<NamedList> lists;
  for (const RuleSource& src : list_sources) {
    lists.push_back(read_named_list(src.text, src.file, rep));
    files.push_back(src.file);
  }
  std::vector<Rule> rejected;
  for (const RuleSource& src : sources) {
    std::vector<Rule> from_file = read_rule_file(src.text, src.file, rep, &rejected);
    for (Rule& r : from_file) rules.push_back(std::move(r));
    files.push_back(src.file);
  }
  check_rejected_patterns(&rejected, rep);
  // check
  check_rules(&rules, lists, rep);
  // compile: RE2 always (so every bad pattern is reported in one run); Hyperscan only when
  // everything else is right.
  std::shared_ptr<RuleSet> set(new RuleSet());
  const bool clean = rep->error_count() == errors_before;
  CompileOptions co;
  co.cache_dir = options.cache_dir;
  co.analyze = options.analyze;
  const bool compiled = compile_rules(&rules, clean, co, &set->compiled_, rep);
  if (!compiled || rep->error_count() != errors_before) return summarise(*rep);

  std::string all_versions;
  set->first_unit_.assign(rules.size(), 0);
  for (uint32_t u = static_cast<uint32_t>(set->compiled_.units.size()); u-- > 0;) {
    set->first_unit_[set->compiled_.units[u].rule] = u;
  }
  for (uint32_t i = 0; i < rules.size(); ++i) {
    Rule& r = rules[i];
    r.version = xxh3_hex(r.canonical_text());
    all_versions += r.version;
    all_versions += '\n';
    set->by_id_.emplace(r.id, i);
  }
  for (uint32_t u = 0; u < set->compiled_.units.size(); ++u) {
    const UnitRef& ref = set->compiled_.units[u];
    const MatchStep& s = rules[ref.rule].steps[ref.step];
    bool always = s.patterns.empty();
    for (const RulePattern& p : s.patterns) {
      set->max_capture_groups_ = std::max(set->max_capture_groups_, p.capture_groups);
      always = always || p.kind == MatchKind::kRe2Only;
    }
    if (always) set->always_units_.push_back(u);
  }
  set->version_ = xxh3_hex(all_versions);
  set->rules_ = std::move(rules);
  set->lists_ = std::move(lists);
  set->files_ = std::move(files);
  set->load_seconds_ = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return std::shared_ptr<const RuleSet>(std::move(set));
}

}  // namespace wardsoc
