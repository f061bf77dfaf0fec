// Walking Sigma inputs and grouping their rules per folder (sigma_importer.h).
#include "rules/import/sigma_importer.h"

#include <algorithm>
#include <filesystem>
#include <set>

namespace wardsoc {

namespace {

namespace fs = std::filesystem;

bool sigma_extension(const fs::path& p) {
  std::string e = p.extension().string();
  return e == ".yml" || e == ".yaml";
}

// The reader's refusals, counted by the kind of reason.
std::string reader_reason(const std::string& message) {
  if (message.find("unknown modifier") != std::string::npos) return "unknown modifier";
  if (message.find("no detection") != std::string::npos) return "no detection";
  if (message.find("placeholder") != std::string::npos) return "unknown placeholder";
  if (message.find("correlation:") != std::string::npos) return "correlation not valid";
  if (message.find("condition") != std::string::npos) return "condition not valid";
  if (message.find("windash gives") != std::string::npos) return "too many values";
  return "not a Sigma rule";
}

std::string file_name_of(const std::string& folder) {
  std::string out;
  for (char c : folder) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '_' || c == '-' || c == '.';
    out += c == '/' ? '-' : ok ? c : '_';
  }
  return (out.empty() ? std::string("sigma") : out) + ".yaml";
}

void build_files(SigmaImport* im) {
  std::map<std::string, SigmaOutputFile> by_name;
  for (size_t i = 0; i < im->rules.size(); ++i) {
    const SigmaRuleOutcome& r = im->rules[i];
    std::string folder = fs::path(r.origin).parent_path().generic_string();
    std::string name = file_name_of(folder);
    SigmaOutputFile& f = by_name[name];
    f.name = name;
    f.folder = folder;
    f.rules.push_back(i);
  }
  im->files.clear();
  im->imported = im->with_warnings = im->refused = 0;
  im->refused_by_reason.clear();
  for (auto& [name, f] : by_name) {
    std::string head = "# Sigma rules of " + f.folder +
                       ", imported by `wardsoc rules import sigma` (docs/importing.md).\n"
                       "# A re-import rewrites this file: keep local changes in a file of your "
                       "own.\n";
    std::string refused, body;
    for (size_t i : f.rules) {
      SigmaRuleOutcome& r = im->rules[i];
      if (r.imported()) {
        r.output = name;
        ++im->imported;
        if (!r.warnings.empty()) ++im->with_warnings;
        body += r.text;
      } else {
        r.output.clear();
        ++im->refused;
        ++im->refused_by_reason[r.reason];
        refused += "#   " + r.origin + ":" + std::to_string(r.line) + ": " + r.reason + ": " +
                   r.detail + "\n";
      }
    }
    if (!refused.empty()) head += "# Not imported:\n" + refused;
    f.yaml = head + (body.empty() ? "rules: []\n" : "rules:\n" + body);
    im->files.push_back(std::move(f));
  }
}

}  // namespace

Result<SigmaImport> import_sigma(const std::vector<std::string>& inputs,
                                 const SigmaMapping& mapping) {
  struct Input {
    std::string path, origin;
  };
  std::vector<Input> files;
  for (const std::string& in : inputs) {
    std::error_code ec;
    fs::path root(in);
    if (fs::is_directory(root, ec)) {
      std::vector<fs::path> found;
      for (auto it = fs::recursive_directory_iterator(root, ec);
           !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
        if (it->is_regular_file(ec) && sigma_extension(it->path())) found.push_back(it->path());
      }
      if (ec) return Error(Errc::kIo, in + ": cannot be listed: " + ec.message());
      std::sort(found.begin(), found.end());
      fs::path base = root.lexically_normal();
      if (base.filename().empty()) base = base.parent_path();
      for (const fs::path& p : found) {
        fs::path rel = p.lexically_relative(base);
        files.push_back({p.string(), (base.filename() / rel).generic_string()});
      }
    } else if (fs::exists(root, ec)) {
      fs::path abs = fs::absolute(root, ec).lexically_normal();
      files.push_back({in, (abs.parent_path().filename() / abs.filename()).generic_string()});
    } else {
      return Error(Errc::kNotFound, in + ": no such file or folder");
    }
  }

  SigmaReadOptions ro;
  ro.placeholders = mapping.placeholders;
  SigmaImport im;
  std::set<std::string> ids;
  struct Base {
    SigmaBase base;
    size_t outcome;
  };
  std::map<std::string, Base> bases;  // by Sigma id and by name
  struct Pending {
    SigmaRule rule;
    size_t outcome;
    int index;
  };
  std::vector<Pending> correlations;
  for (const Input& in : files) {
    auto read = read_sigma_file(in.path, ro);
    if (!read.ok()) {
      SigmaRuleOutcome o;
      o.file = in.path;
      o.origin = in.origin;
      const std::string& m = read.error().message;
      o.reason = m.find("not YAML") != std::string::npos ? "not YAML" : "cannot read";
      // The reader's message starts with the path and line: keep what follows.
      size_t at = m.find(": ", in.path.size());
      if (m.compare(0, in.path.size(), in.path) == 0 && at != std::string::npos) {
        std::string pos = m.substr(in.path.size() + 1, at - in.path.size() - 1);
        o.line = std::atoi(pos.c_str());
        o.detail = m.substr(at + 2);
        if (o.detail.rfind("not YAML: ", 0) == 0) o.detail = o.detail.substr(10);
      } else {
        o.detail = m;
      }
      im.rules.push_back(std::move(o));
      continue;
    }
    for (const SigmaNote& n : read->refused) {
      SigmaRuleOutcome o;
      o.file = in.path;
      o.origin = in.origin;
      o.line = n.line;
      o.reason = reader_reason(n.message);
      o.detail = n.message;
      im.rules.push_back(std::move(o));
    }
    int index = 0;
    for (const SigmaRule& rule : read->rules) {
      SigmaRuleOutcome o;
      o.file = in.path;
      o.origin = in.origin;
      o.line = rule.line;
      o.sigma_id = rule.id;
      o.title = rule.title;
      if (rule.correlation) {
        correlations.push_back({rule, im.rules.size(), index++});
        im.rules.push_back(std::move(o));
        continue;
      }
      SigmaWritten w = write_sigma_rule(rule, mapping, in.origin, index);
      if (w.ok) {
        if (!ids.insert(w.rule_id).second) {
          o.reason = "duplicate id";
          o.detail = "the id " + rule.id + " is taken by a rule imported before";
        } else {
          o.rule_id = w.rule_id;
          o.text = w.text;
          o.warnings = w.warnings;
          Base b{SigmaBase{w.rule_id, w.logsource, w.body}, im.rules.size()};
          if (!rule.id.empty()) bases.emplace(rule.id, b);
          if (!rule.name.empty()) bases.emplace(rule.name, b);
        }
      } else {
        o.line = w.line;
        o.reason = w.reason;
        o.detail = w.detail;
      }
      im.rules.push_back(std::move(o));
      ++index;
    }
  }
  // Correlations last: they name rules of any file of the import.
  for (const Pending& p : correlations) {
    SigmaRuleOutcome& o = im.rules[p.outcome];
    auto find = [&](const std::string& ref) -> const SigmaBase* {
      auto it = bases.find(ref);
      return it == bases.end() ? nullptr : &it->second.base;
    };
    SigmaWritten w = write_sigma_correlation(p.rule, find, o.origin, p.index);
    if (w.ok && !ids.insert(w.rule_id).second) {
      w.ok = false;
      w.reason = "duplicate id";
      w.detail = "the id " + p.rule.id + " is taken by a rule imported before";
    }
    if (!w.ok) {
      o.line = w.line;
      o.reason = w.reason;
      o.detail = w.detail;
      continue;
    }
    o.rule_id = w.rule_id;
    o.text = w.text;
    o.warnings = w.warnings;
    if (p.rule.correlation->generate) continue;
    // generate: false (Sigma's default): the rules it names make no alerts of their own.
    for (const std::string& ref : p.rule.correlation->rules) {
      SigmaRuleOutcome& base = im.rules[bases.at(ref).outcome];
      const std::string off = "    enabled: false\n";
      if (base.text.find(off) != std::string::npos) continue;
      size_t sev = base.text.find("\n    severity: ");
      if (sev == std::string::npos) continue;
      size_t eol = base.text.find('\n', sev + 1);
      base.text.insert(eol + 1, off);
      base.warnings.push_back("imported disabled: correlation " + w.rule_id +
                              " counts its lines (generate: false)");
    }
  }
  build_files(&im);
  return im;
}

void refuse_sigma_rule(SigmaImport* im, size_t rule, const std::string& reason,
                       const std::string& detail) {
  SigmaRuleOutcome& r = im->rules.at(rule);
  r.reason = reason;
  r.detail = detail;
  r.rule_id.clear();
  r.text.clear();
  build_files(im);
}

}  // namespace wardsoc
