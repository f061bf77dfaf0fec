#include "ingest/input_config_reader.h"

#include <cctz/time_zone.h>

#include <algorithm>

#include "core/time.h"

namespace wardsoc {

namespace {

#define WARDSOC_COMMON_INPUT_KEYS                                                                \
  "name", "type", "class", "zone", "max_line_bytes", "batch_events", "flush_interval", "format", \
      "max_clock_skew"

void read_common(YamlReader& r, const YAML::Node& n, const std::string& path, uint16_t index,
                 const std::string& default_zone, InputCommon* c) {
  c->index = index;
  c->zone = default_zone;
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
  if (auto v = r.duration_us(n, path, "flush_interval")) {
    c->flush_interval = std::chrono::milliseconds(std::max<int64_t>(1, *v / 1000));
  }
  if (auto v = r.string(n, path, "format")) {
    if (!parse_body_format(*v, &c->format)) {
      r.fail(n["format"], join_path(path, "format"),
             "unknown format '" + *v + "' (expected auto, syslog, json or kv)");
    }
  }
  if (auto v = r.duration_us(n, path, "max_clock_skew")) {
    c->max_clock_skew = std::chrono::seconds(std::max<int64_t>(1, *v / kMicrosPerSecond));
  }
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

void read_tls(YamlReader& r, const YAML::Node& parent, const std::string& parent_path,
              TlsServerSettings* t) {
  const YAML::Node n = parent["tls"];
  const std::string path = join_path(parent_path, "tls");
  if (!n.IsDefined() || n.IsNull()) {
    r.fail(parent, path, "missing (a map with at least cert_file and key_file)");
    return;
  }
  if (!r.expect_map(n, path,
                    {"cert_file", "key_file", "ca_file", "verify_client", "min_version", "ciphers",
                     "handshake_timeout"})) {
    return;
  }
  if (auto v = r.string(n, path, "cert_file", true)) t->cert_file = *v;
  if (auto v = r.string(n, path, "key_file", true)) t->key_file = *v;
  if (auto v = r.string(n, path, "ca_file")) t->ca_file = *v;
  if (auto v = r.string(n, path, "verify_client")) {
    if (*v == "none") {
      t->verify_client = ClientVerification::kNone;
    } else if (*v == "optional") {
      t->verify_client = ClientVerification::kOptional;
    } else if (*v == "required") {
      t->verify_client = ClientVerification::kRequired;
    } else {
      r.fail(n["verify_client"], join_path(path, "verify_client"),
             "expected none, optional or required, got '" + *v + "'");
    }
  }
  if (t->verify_client != ClientVerification::kNone && t->ca_file.empty()) {
    r.fail(n, join_path(path, "ca_file"), "missing (verify_client needs the CA of the senders)");
  }
  if (auto v = r.string(n, path, "min_version")) {
    if (*v != "1.2" && *v != "1.3") {
      r.fail(n["min_version"], join_path(path, "min_version"),
             "expected \"1.2\" or \"1.3\", got '" + *v + "'");
    }
    t->min_version = *v;
  }
  if (auto v = r.string(n, path, "ciphers")) t->ciphers = *v;
  if (auto v = r.duration_us(n, path, "handshake_timeout")) {
    t->handshake_timeout = std::chrono::seconds(std::max<int64_t>(1, *v / kMicrosPerSecond));
  }
}

std::chrono::milliseconds to_ms(int64_t us) {
  return std::chrono::milliseconds(std::max<int64_t>(1, us / 1000));
}

std::optional<InputConfig> read_kafka(YamlReader& r, const YAML::Node& n, const std::string& path,
                                      uint16_t index, const std::string& zone) {
  KafkaInputConfig c;
  r.expect_map(n, path,
               {WARDSOC_COMMON_INPUT_KEYS, "brokers", "group", "topics", "start_from",
                "commit_interval", "session_timeout", "drain_timeout", "options"});
  read_common(r, n, path, index, zone, &c.common);
  if (auto v = r.string(n, path, "brokers", true)) c.brokers = *v;
  if (auto v = r.string(n, path, "group")) c.group = *v;
  const YAML::Node topics = n["topics"];
  const std::string tpath = join_path(path, "topics");
  if (!topics.IsDefined() || topics.IsNull()) {
    r.fail(n, tpath, "missing (at least one topic)");
  } else if (r.expect_list(topics, tpath)) {
    for (size_t i = 0; i < topics.size(); ++i) {
      const YAML::Node t = topics[i];
      const std::string ipath = index_path(tpath, i);
      KafkaTopic topic;
      if (t.IsScalar()) {
        topic.name = t.Scalar();
      } else if (r.expect_map(t, ipath, {"name", "class"})) {
        if (auto v = r.string(t, ipath, "name", true)) topic.name = *v;
        AssetClass cls = AssetClass::kOther;
        if (read_class(r, t, ipath, &cls)) topic.asset_class = cls;
      }
      if (topic.name.empty()) {
        r.fail(t, ipath, "a topic name or a map with 'name' and 'class'");
        continue;
      }
      for (const auto& other : c.topics) {
        if (other.name == topic.name)
          r.fail(t, ipath, "topic '" + topic.name + "' is listed twice");
      }
      c.topics.push_back(topic);
    }
    if (topics.size() == 0) r.fail(topics, tpath, "empty (at least one topic)");
  }
  if (auto v = r.string(n, path, "start_from")) {
    if (*v != "earliest" && *v != "latest") {
      r.fail(n["start_from"], join_path(path, "start_from"),
             "expected earliest or latest, got '" + *v + "'");
    }
    c.start_from = *v;
  }
  if (auto v = r.duration_us(n, path, "commit_interval")) c.commit_interval = to_ms(*v);
  if (auto v = r.duration_us(n, path, "session_timeout")) c.session_timeout = to_ms(*v);
  if (auto v = r.duration_us(n, path, "drain_timeout")) c.drain_timeout = to_ms(*v);
  const YAML::Node opts = n["options"];
  if (opts.IsDefined() && !opts.IsNull()) {
    const std::string opath = join_path(path, "options");
    if (!opts.IsMap()) {
      r.fail(opts, opath, "expected a map of librdkafka properties");
    } else {
      for (const auto& kv : opts) {
        const std::string key = kv.first.Scalar();
        if (!kv.second.IsScalar()) {
          r.fail(kv.second, join_path(opath, key), "expected a value");
          continue;
        }
        c.options[key] = kv.second.Scalar();
      }
    }
  }
  return c;
}

std::optional<InputConfig> read_file(YamlReader& r, const YAML::Node& n, const std::string& path,
                                     uint16_t index, const std::string& zone) {
  FileInputConfig c;
  c.follow = true;  // a config file's file input tails; `wardsoc replay` reads once
  r.expect_map(n, path,
               {WARDSOC_COMMON_INPUT_KEYS, "paths", "exclude", "follow", "read_from",
                "poll_interval", "rotate_wait", "fingerprint_bytes"});
  read_common(r, n, path, index, zone, &c.common);
  if (auto v = r.strings(n, path, "paths")) c.paths = *v;
  if (c.paths.empty())
    r.fail(n, join_path(path, "paths"), "missing (at least one file or pattern)");
  if (auto v = r.strings(n, path, "exclude")) c.exclude = *v;
  if (auto v = r.boolean(n, path, "follow")) c.follow = *v;
  if (auto v = r.string(n, path, "read_from")) {
    if (*v != "beginning" && *v != "end") {
      r.fail(n["read_from"], join_path(path, "read_from"),
             "expected beginning or end, got '" + *v + "'");
    }
    c.read_from = *v;
  }
  if (auto v = r.duration_us(n, path, "poll_interval")) c.poll_interval = to_ms(*v);
  if (auto v = r.duration_us(n, path, "rotate_wait")) c.rotate_wait = to_ms(*v);
  if (auto v = r.integer(n, path, "fingerprint_bytes", 16, 64 * 1024)) c.fingerprint_bytes = *v;
  return c;
}

std::optional<InputConfig> read_http(YamlReader& r, const YAML::Node& n, const std::string& path,
                                     uint16_t index, const std::string& zone) {
  HttpInputConfig c;
  c.common.format = BodyFormat::kJson;
  r.expect_map(
      n, path,
      {WARDSOC_COMMON_INPUT_KEYS, "address", "port", "path", "tokens", "max_body_bytes",
       "max_connections", "request_timeout", "acknowledgements", "ack_timeout", "max_depth"});
  read_common(r, n, path, index, zone, &c.common);
  read_endpoint(r, n, path, &c.address, &c.port);
  if (auto v = r.string(n, path, "path")) {
    if (v->empty() || v->front() != '/') {
      r.fail(n["path"], join_path(path, "path"), "must start with '/'");
    }
    c.path = *v;
  }
  if (auto v = r.strings(n, path, "tokens")) c.tokens = *v;
  if (c.tokens.empty()) {
    r.fail(n, join_path(path, "tokens"), "missing (at least one token senders must present)");
  }
  for (size_t i = 0; i < c.tokens.size(); ++i) {
    if (c.tokens[i].size() < 16) {
      r.fail(n["tokens"], index_path(join_path(path, "tokens"), i),
             "too short (at least 16 characters; `openssl rand -hex 24` makes one)");
    }
  }
  if (auto v = r.integer(n, path, "max_body_bytes", 1024, 1 << 30)) c.max_body_bytes = *v;
  if (auto v = r.integer(n, path, "max_connections", 1, 1 << 20)) c.max_connections = *v;
  if (auto v = r.duration_us(n, path, "request_timeout")) {
    c.request_timeout = std::chrono::seconds(std::max<int64_t>(1, *v / kMicrosPerSecond));
  }
  if (auto v = r.boolean(n, path, "acknowledgements")) c.acknowledgements = *v;
  if (auto v = r.duration_us(n, path, "ack_timeout")) {
    c.ack_timeout = std::chrono::seconds(std::max<int64_t>(1, *v / kMicrosPerSecond));
  }
  if (auto v = r.integer(n, path, "max_depth", 2, 1024)) c.max_depth = *v;
  return c;
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
  if (*type == "syslog_udp") {
    SyslogUdpConfig c;
    r.expect_map(n, path, {WARDSOC_COMMON_INPUT_KEYS, "address", "port", "receive_buffer_bytes"});
    read_common(r, n, path, index, zone, &c.common);
    read_endpoint(r, n, path, &c.address, &c.port);
    if (auto v = r.integer(n, path, "receive_buffer_bytes", 65536, 1 << 30)) {
      c.receive_buffer_bytes = *v;
    }
    return c;
  }
  if (*type == "syslog_tcp") {
    SyslogTcpConfig c;
    r.expect_map(n, path,
                 {WARDSOC_COMMON_INPUT_KEYS, "address", "port", "max_connections", "idle_timeout"});
    read_common(r, n, path, index, zone, &c.common);
    read_endpoint(r, n, path, &c.address, &c.port);
    if (auto v = r.integer(n, path, "max_connections", 1, 1 << 20)) c.max_connections = *v;
    if (auto v = r.duration_us(n, path, "idle_timeout")) {
      c.idle_timeout = std::chrono::seconds(std::max<int64_t>(1, *v / kMicrosPerSecond));
    }
    return c;
  }
  if (*type == "syslog_tls") {
    SyslogTlsConfig c;
    r.expect_map(
        n, path,
        {WARDSOC_COMMON_INPUT_KEYS, "address", "port", "max_connections", "idle_timeout", "tls"});
    read_common(r, n, path, index, zone, &c.common);
    read_endpoint(r, n, path, &c.address, &c.port);
    if (auto v = r.integer(n, path, "max_connections", 1, 1 << 20)) c.max_connections = *v;
    if (auto v = r.duration_us(n, path, "idle_timeout")) {
      c.idle_timeout = std::chrono::seconds(std::max<int64_t>(1, *v / kMicrosPerSecond));
    }
    read_tls(r, n, path, &c.tls);
    return c;
  }
  if (*type == "kafka") return read_kafka(r, n, path, index, zone);
  if (*type == "file") return read_file(r, n, path, index, zone);
  if (*type == "http") return read_http(r, n, path, index, zone);
  r.fail(n["type"], join_path(path, "type"),
         "unknown input type '" + *type +
             "' (expected syslog_udp, syslog_tcp, syslog_tls, kafka, file or http)");
  return std::nullopt;
}

}  // namespace wardsoc
