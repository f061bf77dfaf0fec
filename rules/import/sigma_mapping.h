// The table that says what a Sigma rule's log source and field names are in wardsoc's
// events: per log source (product/category/service) the programs and sources its rules
// get, where field values come from (JSON, key=value, a pattern's named groups, or only
// the message), the conditions the log source implies, and Sigma/ECS name -> wardsoc field.
// Built in (deploy/config/sigma-mapping.yaml); a user's file adds to it. Pure; immutable.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/result.h"
#include "rules/import/sigma_rule.h"

namespace wardsoc {

struct SigmaLogSourceMap {
  enum class FieldsFrom { kJson, kKv, kCaptures, kMessage };
  std::map<std::string, std::string> logsource;  // product/category/service -> value
  FieldsFrom fields_from = FieldsFrom::kMessage;
  std::string regex;  // kCaptures: the pattern whose named groups hold the fields
  std::vector<std::string> programs;
  std::vector<std::string> sources;
  // event field -> the values it must have (one of them), in the order written
  std::vector<std::pair<std::string, std::vector<std::string>>> conditions;
  std::map<std::string, std::string> fields;  // Sigma name -> wardsoc field (includes merged)
  std::string file;
  int line = 0;

  // "product=windows category=process_creation", the keys this entry names
  std::string describe() const;
  // The wardsoc field for a Sigma name, or empty when this log source does not know it.
  std::string field(std::string_view sigma_name) const;
};

std::string_view sigma_fields_from_name(SigmaLogSourceMap::FieldsFrom f);  // "json", ...

struct SigmaMapping {
  std::vector<SigmaLogSourceMap> logsources;  // tried in order
  std::map<std::string, std::vector<std::string>> placeholders;

  // The first entry whose keys all equal the rule's (case-insensitive); nullptr if none.
  const SigmaLogSourceMap* find(const SigmaLogSource& ls) const;

  // The built-in table.
  static Result<SigmaMapping> builtin();
  // Reads a mapping file's text. With `base`, the result is base extended by it: its log
  // sources first, its field groups and placeholders replacing base's of the same name.
  // Errors name file:line.
  static Result<SigmaMapping> parse(const std::string& file, std::string_view text,
                                    const SigmaMapping* base = nullptr);
  static Result<SigmaMapping> load(const std::string& path, const SigmaMapping* base = nullptr);

  // The built-in table's text (what `builtin()` reads).
  static std::string_view builtin_text();

  // Field groups by name, as read (kept so that a user's file can include built-in groups).
  std::map<std::string, std::map<std::string, std::string>> field_groups;
};

}  // namespace wardsoc
