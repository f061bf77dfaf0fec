// Diagnostics of rule loading: every problem found while reading, checking and compiling
// rule files, with the place it was found (file:line:col) and the rule it belongs to, so
// ward IT staff can fix a rule file without reading code. Plain values; copy freely.
#pragma once

#include <string>
#include <vector>

namespace wardsoc {

struct Diagnostic {
  enum class Level { kError, kWarning };

  Level level = Level::kError;
  std::string file;
  int line = 0;         // 1-based; 0 when the problem has no position (a missing file)
  int column = 0;       // 1-based; 0 when unknown
  std::string rule_id;  // empty when the problem is not inside a rule
  std::string message;

  // "file:line:col: error: rule-id: message"; parts that are unknown are left out.
  std::string to_string() const;
};

struct LoadReport {
  std::vector<Diagnostic> diagnostics;

  bool has_errors() const;
  size_t error_count() const;
  size_t warning_count() const;
  // One diagnostic per line, in the order they were found.
  std::string to_string() const;
  // {"errors": n, "warnings": n, "diagnostics": [{"level", "file", "line", "column",
  //  "rule_id", "message"}, ...]}
  std::string to_json() const;

  void error(std::string file, int line, int column, std::string rule_id, std::string message);
  void warning(std::string file, int line, int column, std::string rule_id, std::string message);
};

}  // namespace wardsoc
