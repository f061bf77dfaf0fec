// YamlReader: strict, position-aware access to a parsed YAML document, used by every
// layer that reads its own part of the configuration (inputs, sinks, ...). Every getter records a
// problem ("file:line:col: key.path: what is wrong") instead of throwing, so one pass reports all
// mistakes in a file at once; callers check errors() at the end.
//
// Not thread-safe; one reader per document.
#pragma once

#include <yaml-cpp/yaml.h>

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace wardsoc {

// A place where text is not YAML, 1-based.
struct YamlSyntaxError {
  size_t line = 0;
  size_t column = 0;
  std::string message;
};

inline constexpr int kMaxYamlDepth = 64;

// Checks text with libyaml, the reference parser, before yaml-cpp sees it: yaml-cpp 0.7
// loops forever on some malformed text (a ',' in block context, "\"x\", y" at the top of a
// file) and recurses once per nesting level. Returns the first syntax error, or text nested
// deeper than kMaxYamlDepth; nullopt for well-formed YAML.
std::optional<YamlSyntaxError> check_yaml_syntax(std::string_view text);

class YamlReader {
 public:
  explicit YamlReader(std::string file) : file_(std::move(file)) {}

  // Parses text; a syntax error is recorded (with its position) and an empty node returned.
  YAML::Node parse(std::string_view text);

  // Records an error about `node` (its position) at key path `path`.
  void fail(const YAML::Node& node, std::string_view path, std::string_view message);

  // True if `node` is a map; otherwise records an error. Then flags every key not in
  // `allowed` as unknown.
  bool expect_map(const YAML::Node& node, std::string_view path,
                  std::initializer_list<std::string_view> allowed);
  bool expect_list(const YAML::Node& node, std::string_view path);

  // Getters read `map[key]`. A missing key gives `fallback` (or an error when required).
  std::optional<std::string> string(const YAML::Node& map, std::string_view path,
                                    std::string_view key, bool required = false);
  std::optional<int64_t> integer(const YAML::Node& map, std::string_view path, std::string_view key,
                                 int64_t min, int64_t max);
  std::optional<bool> boolean(const YAML::Node& map, std::string_view path, std::string_view key);
  std::optional<int64_t> duration_us(const YAML::Node& map, std::string_view path,
                                     std::string_view key);
  // A size in bytes: a whole number with an optional unit B, KiB, MiB, GiB ("64MiB").
  std::optional<uint64_t> size_bytes(const YAML::Node& map, std::string_view path,
                                     std::string_view key);
  // A component name (input, sink): required, a-z 0-9 '-' '_', at most 64 characters.
  std::optional<std::string> name(const YAML::Node& map, std::string_view path,
                                  std::string_view key = "name");
  // A string or a list of strings.
  std::optional<std::vector<std::string>> strings(const YAML::Node& map, std::string_view path,
                                                  std::string_view key);

  bool ok() const { return errors_.empty(); }
  const std::vector<std::string>& errors() const { return errors_; }
  // All errors as one Error (code kInvalidArgument), one per line.
  Error error() const;
  const std::string& file() const { return file_; }

 private:
  std::string where(const YAML::Node& node) const;

  std::string file_;
  std::vector<std::string> errors_;
};

std::string join_path(std::string_view parent, std::string_view key);
std::string index_path(std::string_view parent, size_t index);

}  // namespace wardsoc
