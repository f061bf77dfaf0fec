// Reading the Sigma mapping table (sigma_mapping.h): YAML with `placeholders`,
// `field_groups` and `logsources`, every key checked, errors naming file:line.
#include "rules/import/sigma_mapping.h"

#include <yaml-cpp/yaml.h>

#include <fstream>
#include <set>
#include <sstream>

#include "core/text.h"
#include "core/yaml_reader.h"
#include "rules/import/sigma_mapping_builtin.h"

namespace wardsoc {

namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return out;
}

int line_of(const YAML::Node& n) { return n.Mark().line >= 0 ? n.Mark().line + 1 : 0; }

struct Parser {
  std::string file;
  std::string error;

  bool fail(const YAML::Node& n, const std::string& what) {
    if (error.empty()) error = file + ":" + std::to_string(line_of(n)) + ": " + what;
    return false;
  }

  bool keys(const YAML::Node& map, const std::string& what, const std::set<std::string>& allowed) {
    if (!map.IsMap()) return fail(map, what + ": expected a mapping");
    for (const auto& kv : map) {
      std::string k = kv.first.Scalar();
      if (!allowed.count(k)) {
        std::string known;
        for (const auto& a : allowed) known += (known.empty() ? "" : ", ") + a;
        return fail(kv.first, what + ": unknown key '" + k + "' (known: " + known + ")");
      }
    }
    return true;
  }

  bool strings(const YAML::Node& n, const std::string& what, std::vector<std::string>* out) {
    if (n.IsScalar()) {
      out->push_back(n.Scalar());
      return true;
    }
    if (!n.IsSequence()) return fail(n, what + ": expected a text or a list of texts");
    for (const auto& v : n) {
      if (!v.IsScalar()) return fail(v, what + ": expected a text");
      out->push_back(v.Scalar());
    }
    return true;
  }

  bool string_map(const YAML::Node& n, const std::string& what,
                  std::map<std::string, std::string>* out) {
    if (!n.IsMap()) return fail(n, what + ": expected a mapping of name: field");
    for (const auto& kv : n) {
      if (!kv.second.IsScalar() || kv.second.Scalar().empty())
        return fail(kv.second, what + "." + kv.first.Scalar() + ": expected a field name");
      (*out)[kv.first.Scalar()] = kv.second.Scalar();
    }
    return true;
  }
};

}  // namespace

std::string_view sigma_fields_from_name(SigmaLogSourceMap::FieldsFrom f) {
  switch (f) {
    case SigmaLogSourceMap::FieldsFrom::kJson:
      return "json";
    case SigmaLogSourceMap::FieldsFrom::kKv:
      return "kv";
    case SigmaLogSourceMap::FieldsFrom::kCaptures:
      return "captures";
    case SigmaLogSourceMap::FieldsFrom::kMessage:
      return "message";
  }
  return "message";
}

std::string SigmaLogSourceMap::describe() const {
  std::string out;
  for (const char* k : {"product", "category", "service"}) {
    auto it = logsource.find(k);
    if (it == logsource.end()) continue;
    if (!out.empty()) out += ' ';
    out += std::string(k) + "=" + it->second;
  }
  return out.empty() ? "any" : out;
}

std::string SigmaLogSourceMap::field(std::string_view sigma_name) const {
  auto it = fields.find(std::string(sigma_name));
  return it == fields.end() ? std::string() : it->second;
}

const SigmaLogSourceMap* SigmaMapping::find(const SigmaLogSource& ls) const {
  for (const auto& m : logsources) {
    bool ok = true;
    for (const auto& [k, v] : m.logsource) {
      const std::string& have = k == "product"    ? ls.product
                                : k == "category" ? ls.category
                                                  : ls.service;
      if (lower(have) != lower(v)) {
        ok = false;
        break;
      }
    }
    if (ok) return &m;
  }
  return nullptr;
}

std::string_view SigmaMapping::builtin_text() { return kSigmaMappingBuiltin; }

Result<SigmaMapping> SigmaMapping::builtin() {
  return parse("deploy/config/sigma-mapping.yaml (built in)", kSigmaMappingBuiltin);
}

Result<SigmaMapping> SigmaMapping::load(const std::string& path, const SigmaMapping* base) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Error(Errc::kNotFound, path + ": cannot read the mapping file");
  std::stringstream ss;
  ss << in.rdbuf();
  return parse(path, ss.str(), base);
}

Result<SigmaMapping> SigmaMapping::parse(const std::string& file, std::string_view text,
                                         const SigmaMapping* base) {
  if (auto bad = check_yaml_syntax(text))
    return Error(Errc::kInvalidArgument,
                 file + ":" + std::to_string(bad->line) + ": not YAML: " + bad->message);
  YAML::Node root;
  try {
    root = YAML::Load(std::string(text));
  } catch (const YAML::Exception& e) {
    return Error(Errc::kInvalidArgument,
                 file + ":" + std::to_string(e.mark.line + 1) + ": not YAML: " + e.msg);
  }
  Parser p{file, {}};
  SigmaMapping out;
  if (base) {
    out.placeholders = base->placeholders;
    out.field_groups = base->field_groups;
  }
  if (root.IsNull()) {
    if (base) out.logsources = base->logsources;
    return out;
  }
  if (!p.keys(root, "mapping", {"placeholders", "field_groups", "logsources"}))
    return Error(Errc::kInvalidArgument, p.error);
  if (const auto ph = root["placeholders"]) {
    if (!ph.IsMap()) p.fail(ph, "placeholders: expected a mapping of name: [values]");
    for (const auto& kv : ph) {
      std::vector<std::string> values;
      if (!kv.second.IsNull()) p.strings(kv.second, "placeholders." + kv.first.Scalar(), &values);
      out.placeholders[kv.first.Scalar()] = std::move(values);
    }
  }
  if (const auto groups = root["field_groups"]) {
    if (!groups.IsMap()) p.fail(groups, "field_groups: expected a mapping of group: {name: field}");
    for (const auto& kv : groups) {
      std::map<std::string, std::string> g;
      p.string_map(kv.second, "field_groups." + kv.first.Scalar(), &g);
      out.field_groups[kv.first.Scalar()] = std::move(g);
    }
  }
  if (const auto list = root["logsources"]) {
    if (!list.IsSequence()) p.fail(list, "logsources: expected a list");
    int i = 0;
    for (const auto& e : list) {
      std::string what = "logsources[" + std::to_string(i++) + "]";
      if (!p.keys(e, what,
                  {"logsource", "fields_from", "regex", "programs", "sources", "conditions",
                   "include", "fields"}))
        break;
      SigmaLogSourceMap m;
      m.file = file;
      m.line = line_of(e);
      const auto ls = e["logsource"];
      if (!ls) {
        p.fail(e, what + ": 'logsource' is required (product, category and/or service)");
        break;
      }
      if (!p.keys(ls, what + ".logsource", {"product", "category", "service"})) break;
      for (const auto& kv : ls) m.logsource[kv.first.Scalar()] = kv.second.Scalar();
      std::string from = e["fields_from"] ? e["fields_from"].Scalar() : "message";
      if (from == "json") {
        m.fields_from = SigmaLogSourceMap::FieldsFrom::kJson;
      } else if (from == "kv") {
        m.fields_from = SigmaLogSourceMap::FieldsFrom::kKv;
      } else if (from == "captures") {
        m.fields_from = SigmaLogSourceMap::FieldsFrom::kCaptures;
      } else if (from == "message") {
        m.fields_from = SigmaLogSourceMap::FieldsFrom::kMessage;
      } else {
        p.fail(e["fields_from"],
               what + ".fields_from: expected json, kv, captures or message, got '" + from + "'");
        break;
      }
      if (e["regex"]) m.regex = e["regex"].Scalar();
      if (m.fields_from == SigmaLogSourceMap::FieldsFrom::kCaptures && m.regex.empty()) {
        p.fail(e, what + ": fields_from: captures needs a 'regex' with named groups");
        break;
      }
      if (e["programs"]) p.strings(e["programs"], what + ".programs", &m.programs);
      if (e["sources"]) p.strings(e["sources"], what + ".sources", &m.sources);
      if (const auto c = e["conditions"]) {
        if (!c.IsMap()) p.fail(c, what + ".conditions: expected a mapping of field: value");
        for (const auto& kv : c) {
          std::vector<std::string> values;
          p.strings(kv.second, what + ".conditions." + kv.first.Scalar(), &values);
          m.conditions.emplace_back(kv.first.Scalar(), std::move(values));
        }
      }
      if (const auto inc = e["include"]) {
        std::vector<std::string> names;
        p.strings(inc, what + ".include", &names);
        for (const auto& n : names) {
          auto it = out.field_groups.find(n);
          if (it == out.field_groups.end()) {
            p.fail(inc, what + ".include: no field group named '" + n + "'");
            break;
          }
          for (const auto& [k, v] : it->second) m.fields[k] = v;
        }
      }
      if (e["fields"]) p.string_map(e["fields"], what + ".fields", &m.fields);
      if (!p.error.empty()) break;
      out.logsources.push_back(std::move(m));
    }
  }
  if (!p.error.empty()) return Error(Errc::kInvalidArgument, p.error);
  if (base)
    out.logsources.insert(out.logsources.end(), base->logsources.begin(), base->logsources.end());
  return out;
}

}  // namespace wardsoc
