// `wardsoc rules import fail2ban FILTER.conf|DIR... --out DIR`: fail2ban filters into
// wardsoc rule files, one per filter (and per set of filter options), with a report of what
// was imported, what has warnings and what was refused (file:line and why). One filter that
// cannot be read never stops the others. `wardsoc rules import sigma FILE|DIR... --out DIR`
// does the same for Sigma rules, one rule file per input folder.
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "app/commands.h"
#include "core/time.h"
#include "detect/rule_tests.h"
#include "rules/import/fail2ban_importer.h"
#include "rules/import/sigma_importer.h"
#include "rules/rule_set.h"

namespace wardsoc {

namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;

struct FilterOutcome {
  std::string path;
  std::string error;     // the filter could not be read
  bool skipped = false;  // an include-only file met in a directory
  Fail2banImport result;
  std::string written;
  std::vector<std::string> check_errors;  // the written file does not load (a defect)
};

std::vector<std::string> filter_files(const std::vector<std::string>& inputs,
                                      std::vector<FilterOutcome>* skipped) {
  std::vector<std::string> out;
  for (const auto& in : inputs) {
    std::error_code ec;
    if (fs::is_directory(in, ec)) {
      std::vector<std::string> found;
      for (const auto& e : fs::directory_iterator(in, ec))
        if (e.path().extension() == ".conf") found.push_back(e.path().string());
      std::sort(found.begin(), found.end());
      for (const auto& f : found) {
        if (is_fail2ban_include_only(f)) {
          FilterOutcome o;
          o.path = f;
          o.skipped = true;
          skipped->push_back(o);
        } else {
          out.push_back(f);
        }
      }
    } else {
      out.push_back(in);
    }
  }
  return out;
}

bool write_if_changed(const fs::path& p, const std::string& text, std::string* err) {
  {
    std::ifstream in(p, std::ios::binary);
    if (in) {
      std::stringstream ss;
      ss << in.rdbuf();
      if (ss.str() == text) return true;
    }
  }
  fs::path tmp = p;
  tmp += ".tmp";
  std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
  out << text;
  out.close();
  if (!out) {
    *err = tmp.string() + ": cannot write";
    return false;
  }
  std::error_code ec;
  fs::rename(tmp, p, ec);
  if (ec) {
    *err = p.string() + ": " + ec.message();
    return false;
  }
  return true;
}

}  // namespace

int cmd_rules_import_fail2ban(const RulesImportOptions& opts) {
  Fail2banImportOptions io;
  for (const auto& kv : opts.set) {
    size_t eq = kv.find('=');
    if (eq == std::string::npos || eq == 0) {
      std::fprintf(stderr, "--set %s: expected NAME=VALUE (like mode=aggressive)\n", kv.c_str());
      return kExitUsage;
    }
    io.filter_options[kv.substr(0, eq)] = kv.substr(eq + 1);
  }
  io.maxretry = opts.maxretry;
  auto window = parse_duration_us(opts.findtime);
  if (!window.ok() || *window < 1000000) {
    std::fprintf(stderr, "--findtime %s: expected a duration such as 10m\n", opts.findtime.c_str());
    return kExitUsage;
  }
  io.findtime_seconds = *window / 1000000;
  if (!opts.group_by.empty()) io.group_by = opts.group_by;
  if (!opts.no_tests) {
    std::error_code ec;
    if (!opts.test_logs.empty())
      io.test_logs_dir = opts.test_logs;
    else if (fs::is_directory(kFail2banTestLogs, ec))
      io.test_logs_dir = kFail2banTestLogs;
  }
  std::error_code ec;
  fs::create_directories(opts.out, ec);
  if (ec) {
    std::fprintf(stderr, "%s: cannot create: %s\n", opts.out.c_str(), ec.message().c_str());
    return kExitFailure;
  }

  std::vector<FilterOutcome> outcomes;
  std::vector<FilterOutcome> skipped;
  for (const auto& path : filter_files(opts.inputs, &skipped)) {
    FilterOutcome o;
    o.path = path;
    auto r = import_fail2ban_filter(path, io);
    if (!r.ok()) {
      o.error = r.error().message;
      outcomes.push_back(std::move(o));
      continue;
    }
    // Embedded test lines must pass `rules check`: the ones this import does not agree with
    // fail2ban on are left out (and counted), checked through the real matcher.
    Fail2banImportOptions again = io;
    for (int round = 0; round < 8; ++round) {
      LoadReport report;
      auto set = RuleSet::LoadFromString(r->yaml, r->file_name, &report);
      if (!set.ok()) {
        for (const auto& d : report.diagnostics)
          if (d.level == Diagnostic::Level::kError) o.check_errors.push_back(d.to_string());
        break;
      }
      RuleTestReport tests = run_rule_tests(**set);
      if (tests.failures.empty()) break;
      for (const auto& f : tests.failures) {
        auto it = r->tests_at.find(f.line);
        if (it != r->tests_at.end()) again.skip_tests.insert(it->second);
      }
      r = import_fail2ban_filter(path, again);
      if (!r.ok()) break;
    }
    if (!r.ok()) {
      o.error = r.error().message;
      outcomes.push_back(std::move(o));
      continue;
    }
    o.result = std::move(*r);
    fs::path dst = fs::path(opts.out) / o.result.file_name;
    std::string err;
    if (!write_if_changed(dst, o.result.yaml, &err))
      o.error = err;
    else
      o.written = dst.string();
    outcomes.push_back(std::move(o));
  }

  int failed = 0, imported_filters = 0, rules_imported = 0, regexes = 0, refused = 0, warned = 0;
  for (const auto& o : outcomes) {
    if (!o.error.empty() || !o.check_errors.empty()) {
      ++failed;
      continue;
    }
    if (o.result.imported > 0) ++imported_filters;
    regexes += o.result.regexes;
    rules_imported += o.result.imported;
    refused += o.result.refused;
    for (const auto& n : o.result.notes)
      if (n.level == ImportNote::Level::kWarning) ++warned;
  }

  if (opts.json) {
    json out;
    out["filters"] = json::array();
    for (const auto& o : outcomes) {
      json f = {{"filter", o.path}};
      if (!o.error.empty()) {
        f["error"] = o.error;
      } else {
        f["rule_id"] = o.result.rule_id;
        f["file"] = o.written;
        f["regexes"] = o.result.regexes;
        f["imported"] = o.result.imported;
        f["refused"] = o.result.refused;
        f["tests_left_out"] = o.result.tests_left_out;
        f["notes"] = json::array();
        for (const auto& n : o.result.notes)
          f["notes"].push_back({{"level", import_note_level_name(n.level)},
                                {"file", n.file},
                                {"line", n.line},
                                {"message", n.message}});
        if (!o.check_errors.empty()) f["check_errors"] = o.check_errors;
      }
      out["filters"].push_back(f);
    }
    out["skipped"] = json::array();
    for (const auto& s : skipped)
      out["skipped"].push_back({{"file", s.path}, {"reason", "include-only (no failregex)"}});
    out["summary"] = {{"filters", outcomes.size()},
                      {"filters_imported", imported_filters},
                      {"filters_failed", failed},
                      {"regexes", regexes},
                      {"regexes_imported", rules_imported},
                      {"regexes_refused", refused},
                      {"warnings", warned}};
    std::printf("%s\n", out.dump(2, ' ', false, json::error_handler_t::replace).c_str());
  } else {
    for (const auto& o : outcomes) {
      if (!o.error.empty()) {
        std::printf("%s: error: %s\n", o.path.c_str(), o.error.c_str());
        continue;
      }
      std::printf("%s -> %s: %d of %d regexes imported", o.path.c_str(), o.written.c_str(),
                  o.result.imported, o.result.regexes);
      if (o.result.tests_left_out > 0)
        std::printf(", %d test lines left out", o.result.tests_left_out);
      std::printf("\n");
      for (const auto& n : o.result.notes) {
        std::printf("  %s:%d: %s: %s\n", n.file.c_str(), n.line,
                    std::string(import_note_level_name(n.level)).c_str(), n.message.c_str());
      }
      for (const auto& e : o.check_errors)
        std::printf("  error: the written rules do not load: %s\n", e.c_str());
    }
    for (const auto& s : skipped)
      std::printf("%s: skipped: include-only (no failregex)\n", s.path.c_str());
    std::printf(
        "\n%zu filters: %d imported, %d failed; %d of %d regexes imported, %d refused, %d "
        "warnings\n",
        outcomes.size(), imported_filters, failed, rules_imported, regexes, refused, warned);
  }
  return failed == 0 ? kExitOk : kExitFailure;
}

namespace {

// The rules of one output file as the engine loads them: the first error, or empty.
std::string load_error(const std::string& yaml, const std::string& name) {
  LoadReport report;
  LoadOptions lo;
  lo.analyze = false;
  auto set = RuleSet::LoadFromString(yaml, name, &report, lo);
  if (set.ok()) return {};
  for (const auto& d : report.diagnostics)
    if (d.level == Diagnostic::Level::kError) return d.message;
  return set.error().message;
}

}  // namespace

int cmd_rules_import_sigma(const RulesImportSigmaOptions& opts) {
  auto mapping = SigmaMapping::builtin();
  if (!mapping.ok()) {
    std::fprintf(stderr, "the built-in Sigma mapping does not load: %s\n",
                 mapping.error().message.c_str());
    return kExitFailure;
  }
  if (!opts.mapping.empty()) {
    auto user = SigmaMapping::load(opts.mapping, &*mapping);
    if (!user.ok()) {
      std::fprintf(stderr, "--mapping: %s\n", user.error().message.c_str());
      return kExitUsage;
    }
    mapping = std::move(user);
  }
  auto im = import_sigma(opts.inputs, *mapping);
  if (!im.ok()) {
    std::fprintf(stderr, "%s\n", im.error().message.c_str());
    return kExitUsage;
  }
  // Every file must load as written: a rule the engine refuses is refused here, with what
  // the loader said, and its file is written without it.
  for (size_t f = 0; f < im->files.size(); ++f) {
    if (load_error(im->files[f].yaml, im->files[f].name).empty()) continue;
    std::vector<size_t> rules = im->files[f].rules;
    for (size_t r : rules) {
      const SigmaRuleOutcome& o = im->rules[r];
      if (!o.imported()) continue;
      std::string err = load_error("rules:\n" + o.text, im->files[f].name);
      if (!err.empty()) refuse_sigma_rule(&*im, r, "does not load", err);
    }
  }
  std::error_code ec;
  fs::create_directories(opts.out, ec);
  if (ec) {
    std::fprintf(stderr, "%s: cannot create: %s\n", opts.out.c_str(), ec.message().c_str());
    return kExitFailure;
  }
  int unreadable = 0;
  for (const auto& o : im->rules)
    if (o.reason == "not YAML" || o.reason == "cannot read") ++unreadable;
  std::map<std::string, std::string> written;
  for (const auto& f : im->files) {
    fs::path dst = fs::path(opts.out) / f.name;
    std::string err;
    if (!write_if_changed(dst, f.yaml, &err)) {
      std::fprintf(stderr, "%s\n", err.c_str());
      return kExitFailure;
    }
    written[f.name] = dst.string();
  }

  if (opts.json) {
    json out;
    out["rules"] = json::array();
    for (const auto& o : im->rules) {
      json r = {{"file", o.file}, {"line", o.line}, {"sigma_id", o.sigma_id}, {"title", o.title}};
      if (o.imported()) {
        r["status"] = o.warnings.empty() ? "imported" : "imported with warnings";
        r["rule_id"] = o.rule_id;
        r["output"] = written[o.output];
        r["warnings"] = o.warnings;
      } else {
        r["status"] = "refused";
        r["reason"] = o.reason;
        r["detail"] = o.detail;
      }
      out["rules"].push_back(r);
    }
    out["files"] = json::array();
    for (const auto& f : im->files) {
      int n = 0;
      for (size_t i : f.rules) n += im->rules[i].imported() ? 1 : 0;
      out["files"].push_back({{"file", written[f.name]}, {"folder", f.folder}, {"rules", n}});
    }
    json reasons = json::object();
    for (const auto& [k, v] : im->refused_by_reason) reasons[k] = v;
    out["summary"] = {{"rules", im->rules.size()},
                      {"imported", im->imported},
                      {"with_warnings", im->with_warnings},
                      {"refused", im->refused},
                      {"refused_by_reason", reasons}};
    std::printf("%s\n", out.dump(2, ' ', false, json::error_handler_t::replace).c_str());
  } else {
    for (const auto& o : im->rules) {
      if (o.imported()) {
        std::printf("%s:%d -> %s: %s%s\n", o.file.c_str(), o.line, written[o.output].c_str(),
                    o.rule_id.c_str(), o.warnings.empty() ? "" : " (with warnings)");
        for (const auto& w : o.warnings) std::printf("  warning: %s\n", w.c_str());
      } else {
        std::printf("%s:%d: refused: %s: %s\n", o.file.c_str(), o.line, o.reason.c_str(),
                    o.detail.c_str());
      }
    }
    std::printf("\n%zu rules: %d imported (%d with warnings), %d refused; %zu rule files in %s\n",
                im->rules.size(), im->imported, im->with_warnings, im->refused, im->files.size(),
                opts.out.c_str());
    if (!im->refused_by_reason.empty()) {
      std::printf("refused by reason:\n");
      for (const auto& [k, v] : im->refused_by_reason) std::printf("  %4d  %s\n", v, k.c_str());
    }
  }
  return unreadable == 0 ? kExitOk : kExitFailure;
}

}  // namespace wardsoc
