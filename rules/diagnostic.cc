#include "rules/diagnostic.h"

#include <algorithm>
#include <nlohmann/json.hpp>

namespace wardsoc {

std::string Diagnostic::to_string() const {
  std::string s = file.empty() ? std::string("<rules>") : file;
  if (line > 0) {
    s += ':' + std::to_string(line);
    if (column > 0) s += ':' + std::to_string(column);
  }
  s += level == Level::kError ? ": error: " : ": warning: ";
  if (!rule_id.empty()) s += rule_id + ": ";
  s += message;
  return s;
}

bool LoadReport::has_errors() const { return error_count() > 0; }

size_t LoadReport::error_count() const {
  return static_cast<size_t>(
      std::count_if(diagnostics.begin(), diagnostics.end(),
                    [](const Diagnostic& d) { return d.level == Diagnostic::Level::kError; }));
}

size_t LoadReport::warning_count() const { return diagnostics.size() - error_count(); }

std::string LoadReport::to_string() const {
  std::string s;
  for (const Diagnostic& d : diagnostics) {
    s += d.to_string();
    s += '\n';
  }
  return s;
}

std::string LoadReport::to_json() const {
  nlohmann::json list = nlohmann::json::array();
  for (const Diagnostic& d : diagnostics) {
    list.push_back({{"level", d.level == Diagnostic::Level::kError ? "error" : "warning"},
                    {"file", d.file},
                    {"line", d.line},
                    {"column", d.column},
                    {"rule_id", d.rule_id},
                    {"message", d.message}});
  }
  nlohmann::json doc = {
      {"errors", error_count()}, {"warnings", warning_count()}, {"diagnostics", list}};
  // Messages quote rule text, which may hold bytes that are not UTF-8: replace, don't throw.
  return doc.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

void LoadReport::error(std::string file, int line, int column, std::string rule_id,
                       std::string message) {
  diagnostics.push_back(Diagnostic{Diagnostic::Level::kError, std::move(file), line, column,
                                   std::move(rule_id), std::move(message)});
}

void LoadReport::warning(std::string file, int line, int column, std::string rule_id,
                         std::string message) {
  diagnostics.push_back(Diagnostic{Diagnostic::Level::kWarning, std::move(file), line, column,
                                   std::move(rule_id), std::move(message)});
}

}  // namespace wardsoc
