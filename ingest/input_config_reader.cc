#include "ingest/input_config_reader.h"

#include <cctz/time_zone.h>

#include <algorithm>
#include <vector>

#include "core/time.h"
#include "ingest/input_config_reader_parts.h"

namespace wardsoc {

namespace input_config {

void expect_keys(YamlReader& r, const YAML::Node& n, const std::string& path,
                 std::initializer_list<std::string_view> own) {
  std::vector<std::string_view> allowed(std::begin(kCommonKeys), std::end(kCommonKeys));
  allowed.insert(allowed.end(), own.begin(), own.end());
  for (const auto& kv : n) {
    const std::string key = kv.first.Scalar();
    if (std::find(allowed.begin(), allowed.end(), key) != allowed.end()) continue;
    std::string known;
    for (auto a : allowed) known += (known.empty() ? "" : ", ") + std::string(a);
    r.fail(kv.first, join_path(path, key), "unknown key (known keys: " + known + ")");
  }
}

void read_common(YamlReader& r, const YAML::Node& n, const std::string& path,
                 const EntryDefaults& defaults, InputCommon* c) {
  c->index = defaults.index;
  c->zone = defaults.zone;
  if (auto v = r.name(n, path)) c->name = *v;
  if (auto v = r.string(n, path, "class")) {
    if (!parse_asset_class(*v, &c->asset_class)) {
      r.fail(n["class"], join_path(path, "class"),
             "unknown asset class '" + *v + "' (expected lan, wifi, camera, iot, server or other)");
    }
  }
  if (auto v = r.string(n, path, "zone")) {
    cctz::time_zone tz;
    if (!cctz::load_time_zone(*v, &tz)) {
      r.fail(n["zone"], join_path(path, "zone"), "unknown time zone '" + *v + "'");
    }
    c->zone = *v;
  }
  if (auto v = r.integer(n, path, "max_line_bytes", 256, 64 << 20)) c->max_line_bytes = *v;
  if (auto v = r.integer(n, path, "batch_events", 1, 1 << 20)) c->batch_events = *v;
  if (auto v = r.duration_us(n, path, "flush_interval")) c->flush_interval = to_ms(*v);
  if (auto v = r.string(n, path, "format")) {
    if (!parse_body_format(*v, &c->format)) {
      r.fail(n["format"], join_path(path, "format"),
             "unknown format '" + *v + "' (expected auto, syslog, json or kv)");
    }
  }
  if (auto v = r.duration_us(n, path, "max_clock_skew")) c->max_clock_skew = to_seconds(*v);
}

void read_endpoint(YamlReader& r, const YAML::Node& n, const std::string& path,
                   std::string* address, uint16_t* port) {
  if (auto v = r.string(n, path, "address")) *address = *v;
  if (auto v = r.integer(n, path, "port", 0, 65535)) *port = static_cast<uint16_t>(*v);
}

bool read_class(YamlReader& r, const YAML::Node& n, const std::string& path, AssetClass* out) {
  auto v = r.string(n, path, "class");
  if (!v) return false;
  if (!parse_asset_class(*v, out)) {
    r.fail(n["class"], join_path(path, "class"),
           "unknown asset class '" + *v + "' (expected lan, wifi, camera, iot, server or other)");
    return false;
  }
  return true;
}

std::chrono::milliseconds to_ms(int64_t us) {
  return std::chrono::milliseconds(std::max<int64_t>(1, us / 1000));
}

std::chrono::seconds to_seconds(int64_t us) {
  return std::chrono::seconds(std::max<int64_t>(1, us / kMicrosPerSecond));
}

void read_timeout(YamlReader& r, const YAML::Node& n, const std::string& path, std::string_view key,
                  std::chrono::seconds* out, bool zero_is_never) {
  const YAML::Node v = n[std::string(key)];
  if (zero_is_never && v.IsDefined() && v.IsScalar() &&
      (v.Scalar() == "0" || v.Scalar() == "never")) {
    *out = std::chrono::seconds(0);
    return;
  }
  const auto us = r.duration_us(n, path, key);
  if (!us) return;
  if (*us < kMicrosPerSecond) {
    r.fail(n[std::string(key)], join_path(path, key),
           zero_is_never ? "must be at least 1s, or 0 for never" : "must be at least 1s");
  } else {
    *out = to_seconds(*us);
  }
}

}  // namespace input_config

namespace {

struct InputType {
  std::string_view name;
  InputConfig (*read)(YamlReader&, const YAML::Node&, const std::string&,
                      const input_config::EntryDefaults&);
};

// The list of input types: adding an input adds one line here.
constexpr InputType kInputTypes[] = {
    {"syslog_udp", &input_config::read_syslog_udp},
    {"syslog_tcp", &input_config::read_syslog_tcp},
    {"syslog_tls", &input_config::read_syslog_tls},
    {"kafka", &input_config::read_kafka},
    {"file", &input_config::read_file},
    {"http", &input_config::read_http},
};

std::string known_types() {
  std::string out;
  const size_t n = std::size(kInputTypes);
  for (size_t i = 0; i < n; ++i) {
    if (i > 0) out += i + 1 == n ? " or " : ", ";
    out += kInputTypes[i].name;
  }
  return out;
}

}  // namespace

std::optional<InputConfig> read_input_config(YamlReader& r, const YAML::Node& n,
                                             const std::string& path, uint16_t index,
                                             const std::string& zone) {
  if (!n.IsMap()) {
    r.fail(n, path, "expected a map with at least 'name' and 'type'");
    return std::nullopt;
  }
  const auto type = r.string(n, path, "type", true);
  if (!type) return std::nullopt;
  for (const auto& t : kInputTypes) {
    if (t.name == *type) return t.read(r, n, path, input_config::EntryDefaults{index, zone});
  }
  r.fail(n["type"], join_path(path, "type"),
         "unknown input type '" + *type + "' (expected " + known_types() + ")");
  return std::nullopt;
}

}  // namespace wardsoc
