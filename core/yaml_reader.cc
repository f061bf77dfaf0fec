#include "core/yaml_reader.h"

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

std::optional<std::string> find_yaml_parser_hazard(std::string_view text) {
  int flow_depth = 0;
  char quote = 0;          // the open quote of a scalar that spans lines
  long block_parent = -1;  // indentation of the line that opened a block scalar
  size_t line_no = 0;
  size_t pos = 0;
  while (pos <= text.size()) {
    size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    const std::string_view line = text.substr(pos, end - pos);
    ++line_no;
    pos = end + 1;
    size_t i = line.find_first_not_of(" \t\r");
    if (block_parent >= 0) {
      if (i == std::string_view::npos || static_cast<long>(i) > block_parent) continue;
      block_parent = -1;
    }
    if (i == std::string_view::npos) continue;
    const long indent = static_cast<long>(i);
    bool token_start = quote == 0 && flow_depth == 0;  // at the start of a block token
    bool after_space = true;
    if (token_start && i == 0 && line.substr(0, 3) == "---" &&
        (line.size() == 3 || line[3] == ' ')) {
      i = 3;  // a document marker; what follows it starts a token
    }
    for (; i < line.size(); ++i) {
      const char c = line[i];
      if (quote != 0) {
        if (c == quote) {
          if (quote == '\'' && i + 1 < line.size() && line[i + 1] == '\'') {
            ++i;  // '' inside a single-quoted scalar
          } else {
            quote = 0;
          }
        } else if (c == '\\' && quote == '"') {
          ++i;
        }
        continue;
      }
      if (c == ' ' || c == '\t' || c == '\r') {
        after_space = true;
        continue;
      }
      if (c == '#' && after_space) break;  // a comment to the end of the line
      if (token_start && c == ',') {
        return std::to_string(line_no) + ":" + std::to_string(i + 1) +
               ": ',' cannot start a value outside [ ] or { } (quote the text)";
      }
      token_start = false;
      if (after_space && (c == '\'' || c == '"')) {
        quote = c;
      } else if (c == '[' || c == '{') {
        ++flow_depth;
      } else if ((c == ']' || c == '}') && flow_depth > 0) {
        --flow_depth;
      } else if (flow_depth == 0 && after_space &&
                 ((c == '-' && (i + 1 == line.size() || line[i + 1] == ' ')) ||
                  (c == '?' && (i + 1 == line.size() || line[i + 1] == ' ')) ||
                  (c == ':' && (i + 1 == line.size() || line[i + 1] == ' ')))) {
        token_start = true;  // "- ", "? ", ": " begin a new block token
      }
      after_space = false;
    }
    // A line whose value is '|' or '>' (with indicators) opens a block scalar.
    if (quote == 0 && flow_depth == 0) {
      std::string_view t = line;
      if (const size_t hash = t.find(" #"); hash != std::string_view::npos) t = t.substr(0, hash);
      while (!t.empty() && (t.back() == ' ' || t.back() == '\t' || t.back() == '\r')) {
        t.remove_suffix(1);
      }
      while (!t.empty() &&
             (t.back() == '-' || t.back() == '+' || (t.back() >= '1' && t.back() <= '9'))) {
        t.remove_suffix(1);
      }
      if (!t.empty() && (t.back() == '|' || t.back() == '>') &&
          (t.size() == 1 || t[t.size() - 2] == ' ')) {
        block_parent = indent;
      }
    }
    if (end == text.size()) break;
  }
  return std::nullopt;
}

YAML::Node YamlReader::parse(std::string_view text) {
  if (auto hazard = find_yaml_parser_hazard(text)) {
    errors_.push_back(file_ + ":" + *hazard);
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
