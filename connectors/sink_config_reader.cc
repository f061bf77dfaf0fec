#include "connectors/sink_config_reader.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "connectors/sink_config_reader_parts.h"

namespace wardsoc {

namespace sink_config {

bool expect_keys(YamlReader& r, const YAML::Node& n, const std::string& path,
                 std::initializer_list<std::string_view> own) {
  // YamlReader::expect_map takes an initializer_list; build the union in a fixed array
  // and check unknown keys here with the same message.
  std::vector<std::string_view> allowed(std::begin(kCommonKeys), std::end(kCommonKeys));
  allowed.insert(allowed.end(), own.begin(), own.end());
  if (!n.IsMap()) {
    r.fail(n, path, "expected a map");
    return false;
  }
  bool ok = true;
  for (const auto& kv : n) {
    const std::string key = kv.first.Scalar();
    if (std::find(allowed.begin(), allowed.end(), key) != allowed.end()) continue;
    std::string known;
    for (auto a : allowed) known += (known.empty() ? "" : ", ") + std::string(a);
    r.fail(kv.first, join_path(path, key), "unknown key (known keys: " + known + ")");
    ok = false;
  }
  return ok;
}

std::optional<std::chrono::milliseconds> millis(YamlReader& r, const YAML::Node& n,
                                                const std::string& path, std::string_view key,
                                                bool zero_ok) {
  const YAML::Node v = n[std::string(key)];
  if (zero_ok && v.IsDefined() && v.IsScalar() &&
      (v.Scalar() == "0" || v.Scalar() == "0s" || v.Scalar() == "0ms")) {
    return std::chrono::milliseconds{0};
  }
  auto us = r.duration_us(n, path, key);
  if (!us) return std::nullopt;
  if (*us < 1000) {
    r.fail(v, join_path(path, key), "must be at least 1ms");
    return std::nullopt;
  }
  return std::chrono::milliseconds(*us / 1000);
}

std::optional<std::map<std::string, std::string>> string_map(YamlReader& r, const YAML::Node& n,
                                                             const std::string& path,
                                                             std::string_view key) {
  const YAML::Node m = n[std::string(key)];
  if (!m.IsDefined() || m.IsNull()) return std::nullopt;
  const std::string p = join_path(path, key);
  if (!m.IsMap()) {
    r.fail(m, p, "expected a map of names to strings");
    return std::nullopt;
  }
  std::map<std::string, std::string> out;
  for (const auto& kv : m) {
    const std::string k = kv.first.Scalar();
    if (!kv.second.IsScalar()) {
      r.fail(kv.second, join_path(p, k), "expected a string");
      continue;
    }
    out[k] = kv.second.Scalar();
  }
  return out;
}

void read_tls(YamlReader& r, const YAML::Node& n, const std::string& path, TlsClientConfig* c) {
  const YAML::Node t = n["tls"];
  if (!t.IsDefined() || t.IsNull()) return;
  const std::string p = join_path(path, "tls");
  if (!r.expect_map(t, p, {"verify", "ca_file", "cert_file", "key_file", "server_name"})) return;
  if (auto v = r.boolean(t, p, "verify")) c->verify = *v;
  if (auto v = r.string(t, p, "ca_file")) c->ca_file = *v;
  if (auto v = r.string(t, p, "cert_file")) c->cert_file = *v;
  if (auto v = r.string(t, p, "key_file")) c->key_file = *v;
  if (auto v = r.string(t, p, "server_name")) c->server_name = *v;
  if (c->cert_file.empty() != c->key_file.empty()) {
    r.fail(t, p, "cert_file and key_file go together (mutual TLS needs both)");
  }
}

std::optional<std::string> secret(YamlReader& r, const YAML::Node& n, const std::string& path,
                                  std::string_view key) {
  const std::string file_key = std::string(key) + "_file";
  auto inline_value = r.string(n, path, key);
  auto file = r.string(n, path, file_key);
  if (inline_value && file) {
    r.fail(n[file_key], join_path(path, file_key),
           "give either " + std::string(key) + " or " + file_key + ", not both");
    return std::nullopt;
  }
  if (inline_value) return inline_value;
  if (!file) return std::nullopt;
  std::ifstream in(*file, std::ios::binary);
  if (!in) {
    r.fail(n[file_key], join_path(path, file_key),
           "cannot read '" + *file + "': " + std::strerror(errno));
    return std::nullopt;
  }
  std::ostringstream text;
  text << in.rdbuf();
  std::string s = text.str();
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r')) s.pop_back();
  if (s.empty()) {
    r.fail(n[file_key], join_path(path, file_key), "'" + *file + "' is empty");
    return std::nullopt;
  }
  return s;
}

}  // namespace sink_config

namespace {

void read_filter(YamlReader& r, const YAML::Node& n, const std::string& path, SinkFilter* f) {
  const YAML::Node m = n["filter"];
  if (!m.IsDefined() || m.IsNull()) return;
  const std::string p = join_path(path, "filter");
  if (!r.expect_map(m, p, {"min_severity", "classes", "tags"})) return;
  if (auto v = r.string(m, p, "min_severity")) {
    Severity s;
    if (parse_severity(*v, &s)) {
      f->min_severity = s;
    } else {
      r.fail(m["min_severity"], join_path(p, "min_severity"),
             "unknown severity '" + *v + "' (expected info, low, medium, high or critical)");
    }
  }
  if (auto v = r.strings(m, p, "classes")) {
    for (size_t i = 0; i < v->size(); ++i) {
      AssetClass c;
      if (parse_asset_class((*v)[i], &c)) {
        f->classes.push_back(c);
      } else {
        r.fail(
            m["classes"], join_path(p, "classes"),
            "unknown class '" + (*v)[i] + "' (expected lan, wifi, camera, iot, server or other)");
      }
    }
  }
  if (auto v = r.strings(m, p, "tags")) f->tags = *v;
}

void read_common(YamlReader& r, const YAML::Node& n, const std::string& path, SinkCommon* c) {
  if (auto v = r.name(n, path)) c->name = *v;
  if (auto v = r.string(n, path, "format")) {
    if (!parse_alert_format(*v, &c->format)) {
      r.fail(n["format"], join_path(path, "format"),
             "unknown format '" + *v + "' (expected wardsoc, ecs, ocsf or cef)");
    }
  }
  read_filter(r, n, path, &c->filter);
  if (auto v = r.integer(n, path, "batch", 1, 100000)) c->batch = static_cast<size_t>(*v);
  if (n["update_interval"].IsDefined()) {
    if (auto v = sink_config::millis(r, n, path, "update_interval", /*zero_ok=*/true)) {
      c->update_interval = *v;
    }
  }
  if (const YAML::Node m = n["retry"]; m.IsDefined() && !m.IsNull()) {
    const std::string p = join_path(path, "retry");
    if (r.expect_map(m, p, {"initial_backoff", "max_backoff"})) {
      if (auto v = sink_config::millis(r, m, p, "initial_backoff")) c->initial_backoff = *v;
      if (auto v = sink_config::millis(r, m, p, "max_backoff")) c->max_backoff = *v;
      if (c->max_backoff < c->initial_backoff) {
        r.fail(m, p, "max_backoff is shorter than initial_backoff");
      }
    }
  }
  if (const YAML::Node m = n["outbox"]; m.IsDefined() && !m.IsNull()) {
    const std::string p = join_path(path, "outbox");
    if (r.expect_map(m, p, {"max_entries", "warn_entries", "when_full"})) {
      const bool warn_given = m["warn_entries"].IsDefined();
      if (auto v = r.integer(m, p, "max_entries", 1, int64_t{1} << 40)) {
        c->outbox.max_entries = static_cast<uint64_t>(*v);
      }
      if (auto v = r.integer(m, p, "warn_entries", 1, int64_t{1} << 40)) {
        c->outbox.warn_entries = static_cast<uint64_t>(*v);
      }
      if (!warn_given) c->outbox.warn_entries = c->outbox.max_entries / 10 * 8;
      if (c->outbox.warn_entries > c->outbox.max_entries) {
        r.fail(m["warn_entries"], join_path(p, "warn_entries"),
               "is above max_entries (the warning must come before the bound)");
      }
      if (auto v = r.string(m, p, "when_full")) {
        if (*v == "alert") {
          c->outbox.when_full = OutboxFullPolicy::kAlert;
        } else if (*v == "block") {
          c->outbox.when_full = OutboxFullPolicy::kBlock;
        } else {
          r.fail(m["when_full"], join_path(p, "when_full"),
                 "unknown policy '" + *v + "' (expected alert or block)");
        }
      }
    }
  }
}

struct SinkType {
  std::string_view name;
  SinkConfig (*read)(YamlReader&, const YAML::Node&, const std::string&);
};

template <class Config,
          void (*ReadOwn)(YamlReader&, const YAML::Node&, const std::string&, Config*)>
SinkConfig read_as(YamlReader& r, const YAML::Node& n, const std::string& path) {
  Config c;
  read_common(r, n, path, &c.common);
  ReadOwn(r, n, path, &c);
  return c;
}

// The list of sink types: adding a connector adds one line here.
constexpr SinkType kSinkTypes[] = {
    {"file", &read_as<FileSinkConfig, &sink_config::read_file>},
    {"kafka", &read_as<KafkaSinkConfig, &sink_config::read_kafka>},
    {"syslog", &read_as<SyslogSinkConfig, &sink_config::read_syslog>},
    {"webhook", &read_as<WebhookSinkConfig, &sink_config::read_webhook>},
};

}  // namespace

std::optional<SinkConfig> read_sink_config(YamlReader& r, const YAML::Node& n,
                                           const std::string& path) {
  if (!n.IsMap()) {
    r.fail(n, path, "expected a map with at least 'name' and 'type'");
    return std::nullopt;
  }
  const auto type = r.string(n, path, "type", true);
  if (!type) return std::nullopt;
  for (const auto& t : kSinkTypes) {
    if (t.name == *type) return t.read(r, n, path);
  }
  std::string known;
  for (const auto& t : kSinkTypes) known += (known.empty() ? "" : ", ") + std::string(t.name);
  r.fail(n["type"], join_path(path, "type"),
         "unknown sink type '" + *type + "' (expected " + known + ")");
  return std::nullopt;
}

}  // namespace wardsoc
