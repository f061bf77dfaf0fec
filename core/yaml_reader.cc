#include "core/yaml_reader.h"

#include <yaml.h>

#include <algorithm>
#include <charconv>

#include "core/time.h"

namespace wardsoc {

std::string join_path(std::string_view parent, std::string_view key) {
  if (parent.empty()) return std::string(key);
  return std::string(parent) + "." + std::string(key);
}

std::string index_path(std::string_view parent, size_t index) {
  return std::string(parent) + "[" + std::to_string(index) + "]";
}

namespace {
std::string describe(const YAML::Node& node) {
  if (!node.IsDefined() || node.IsNull()) return "nothing";
  if (node.IsMap()) return "a map";
  if (node.IsSequence()) return "a list";
  return "'" + node.Scalar() + "'";
}
}  // namespace

std::optional<YamlSyntaxError> check_yaml_syntax(std::string_view text) {
  yaml_parser_t parser;
  if (yaml_parser_initialize(&parser) == 0) {
    return YamlSyntaxError{1, 1, "out of memory starting the YAML parser"};
  }
  yaml_parser_set_input_string(&parser, reinterpret_cast<const unsigned char*>(text.data()),
                               text.size());
  std::optional<YamlSyntaxError> error;
  int depth = 0;
  for (;;) {
    yaml_event_t event;
    if (yaml_parser_parse(&parser, &event) == 0) {
      std::string why = parser.problem != nullptr ? parser.problem : "not valid YAML";
      if (parser.context != nullptr) why = std::string(parser.context) + ": " + why;
      error = YamlSyntaxError{parser.problem_mark.line + 1, parser.problem_mark.column + 1,
                              std::move(why)};
      break;
    }
    const yaml_event_type_t type = event.type;
    const yaml_mark_t mark = event.start_mark;
    yaml_event_delete(&event);
    if (type == YAML_SEQUENCE_START_EVENT || type == YAML_MAPPING_START_EVENT) {
      if (++depth > kMaxYamlDepth) {
        error = YamlSyntaxError{
            mark.line + 1, mark.column + 1,
            "nested more than " + std::to_string(kMaxYamlDepth) + " lists or maps deep"};
        break;
      }
    } else if (type == YAML_SEQUENCE_END_EVENT || type == YAML_MAPPING_END_EVENT) {
      --depth;
    } else if (type == YAML_STREAM_END_EVENT) {
      break;
    }
  }
  yaml_parser_delete(&parser);
  return error;
}

YAML::Node YamlReader::parse(std::string_view text) {
  if (auto syntax = check_yaml_syntax(text)) {
    errors_.push_back(file_ + ":" + std::to_string(syntax->line) + ":" +
                      std::to_string(syntax->column) + ": YAML syntax error: " + syntax->message);
    return YAML::Node();
  }
  try {
    return YAML::Load(std::string(text));
  } catch (const YAML::Exception& e) {
    errors_.push_back(file_ + ":" + std::to_string(e.mark.line + 1) + ":" +
                      std::to_string(e.mark.column + 1) + ": YAML syntax error: " + e.msg);
    return YAML::Node();
  }
}

std::string YamlReader::where(const YAML::Node& node) const {
  if (!node.IsDefined()) return file_;
  const YAML::Mark m = node.Mark();
  if (m.line < 0) return file_;
  return file_ + ":" + std::to_string(m.line + 1) + ":" + std::to_string(m.column + 1);
}

void YamlReader::fail(const YAML::Node& node, std::string_view path, std::string_view message) {
  std::string line = where(node) + ": ";
  if (!path.empty()) line += std::string(path) + ": ";
  line += message;
  errors_.push_back(std::move(line));
}

bool YamlReader::expect_map(const YAML::Node& node, std::string_view path,
                            std::initializer_list<std::string_view> allowed) {
  if (!node.IsMap()) {
    fail(node, path, "expected a map, got " + describe(node));
    return false;
  }
  for (const auto& kv : node) {
    const std::string key = kv.first.Scalar();
    if (std::find(allowed.begin(), allowed.end(), key) == allowed.end()) {
      std::string known;
      for (auto a : allowed) known += (known.empty() ? "" : ", ") + std::string(a);
      fail(kv.first, join_path(path, key), "unknown key (known keys: " + known + ")");
    }
  }
  return true;
}

bool YamlReader::expect_list(const YAML::Node& node, std::string_view path) {
  if (!node.IsSequence()) {
    fail(node, path, "expected a list, got " + describe(node));
    return false;
  }
  return true;
}

std::optional<std::string> YamlReader::string(const YAML::Node& map, std::string_view path,
                                              std::string_view key, bool required) {
  const YAML::Node n = map[std::string(key)];
  const std::string p = join_path(path, key);
  if (!n.IsDefined() || n.IsNull()) {
    if (required) fail(map, p, "missing (required)");
    return std::nullopt;
  }
  if (!n.IsScalar()) {
    fail(n, p, "expected a string, got " + describe(n));
    return std::nullopt;
  }
  return n.Scalar();
}

std::optional<int64_t> YamlReader::integer(const YAML::Node& map, std::string_view path,
                                           std::string_view key, int64_t min, int64_t max) {
  const YAML::Node n = map[std::string(key)];
  const std::string p = join_path(path, key);
  if (!n.IsDefined() || n.IsNull()) return std::nullopt;
  const std::string want =
      "expected an integer " + std::to_string(min) + ".." + std::to_string(max);
  if (!n.IsScalar()) {
    fail(n, p, want + ", got " + describe(n));
    return std::nullopt;
  }
  const std::string& s = n.Scalar();
  size_t used = 0;
  long long v = 0;
  try {
    v = std::stoll(s, &used, 10);
  } catch (const std::exception&) {
    used = 0;
  }
  if (used == 0 || used != s.size() || v < min || v > max) {
    fail(n, p, want + ", got '" + s + "'");
    return std::nullopt;
  }
  return v;
}

std::optional<bool> YamlReader::boolean(const YAML::Node& map, std::string_view path,
                                        std::string_view key) {
  const YAML::Node n = map[std::string(key)];
  const std::string p = join_path(path, key);
  if (!n.IsDefined() || n.IsNull()) return std::nullopt;
  if (n.IsScalar()) {
    const std::string& s = n.Scalar();
    if (s == "true" || s == "yes" || s == "on") return true;
    if (s == "false" || s == "no" || s == "off") return false;
  }
  fail(n, p, "expected true or false, got " + describe(n));
  return std::nullopt;
}

std::optional<int64_t> YamlReader::duration_us(const YAML::Node& map, std::string_view path,
                                               std::string_view key) {
  const YAML::Node n = map[std::string(key)];
  const std::string p = join_path(path, key);
  if (!n.IsDefined() || n.IsNull()) return std::nullopt;
  if (!n.IsScalar()) {
    fail(n, p, "expected a duration, got " + describe(n));
    return std::nullopt;
  }
  auto d = parse_duration_us(n.Scalar());
  if (!d.ok()) {
    fail(n, p, d.error().message);
    return std::nullopt;
  }
  return *d;
}

std::optional<uint64_t> YamlReader::size_bytes(const YAML::Node& map, std::string_view path,
                                               std::string_view key) {
  const YAML::Node n = map[std::string(key)];
  const std::string p = join_path(path, key);
  if (!n.IsDefined() || n.IsNull()) return std::nullopt;
  if (!n.IsScalar()) {
    fail(n, p, "expected a size such as 64MiB, got " + describe(n));
    return std::nullopt;
  }
  const std::string& text = n.Scalar();
  uint64_t value = 0;
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, value);
  std::string_view unit(ptr, static_cast<size_t>(end - ptr));
  while (!unit.empty() && unit.front() == ' ') unit.remove_prefix(1);
  int shift = -1;
  if (unit.empty() || unit == "B") shift = 0;
  if (unit == "KiB") shift = 10;
  if (unit == "MiB") shift = 20;
  if (unit == "GiB") shift = 30;
  if (ec != std::errc() || ptr == text.data() || shift < 0 || value > (UINT64_MAX >> shift)) {
    fail(n, p, "'" + text + "' is not a size (a whole number with B, KiB, MiB or GiB, e.g. 64MiB)");
    return std::nullopt;
  }
  return value << shift;
}

std::optional<std::string> YamlReader::name(const YAML::Node& map, std::string_view path,
                                            std::string_view key) {
  auto v = string(map, path, key, /*required=*/true);
  if (!v) return v;
  bool ok = !v->empty() && v->size() <= 64;
  for (char c : *v) {
    ok = ok && ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_');
  }
  if (!ok) {
    fail(map[std::string(key)], join_path(path, key),
         "'" + *v + "' is not a valid name (use a-z, 0-9, '-' and '_', at most 64)");
  }
  return v;
}

std::optional<std::vector<std::string>> YamlReader::strings(const YAML::Node& map,
                                                            std::string_view path,
                                                            std::string_view key) {
  const YAML::Node n = map[std::string(key)];
  const std::string p = join_path(path, key);
  if (!n.IsDefined() || n.IsNull()) return std::nullopt;
  if (n.IsScalar()) return std::vector<std::string>{n.Scalar()};
  if (!n.IsSequence()) {
    fail(n, p, "expected a string or a list of strings, got " + describe(n));
    return std::nullopt;
  }
  std::vector<std::string> out;
  for (size_t i = 0; i < n.size(); ++i) {
    if (!n[i].IsScalar()) {
      fail(n[i], index_path(p, i), "expected a string, got " + describe(n[i]));
      return std::nullopt;
    }
    out.push_back(n[i].Scalar());
  }
  return out;
}

Error YamlReader::error() const {
  std::string msg;
  for (const auto& e : errors_) {
    if (!msg.empty()) msg += "\n";
    msg += e;
  }
  return Error(Errc::kInvalidArgument, msg);
}

}  // namespace wardsoc
