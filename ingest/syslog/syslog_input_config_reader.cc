// The syslog inputs' own keys of an `inputs:` entry (syslog_udp, syslog_tcp, syslog_tls).
#include "ingest/input_config_reader_parts.h"

namespace wardsoc::input_config {

namespace {
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
  read_timeout(r, n, path, "handshake_timeout", &t->handshake_timeout);
}
}  // namespace

InputConfig read_syslog_udp(YamlReader& r, const YAML::Node& n, const std::string& path,
                            const EntryDefaults& d) {
  SyslogUdpConfig c;
  expect_keys(r, n, path, {"address", "port", "receive_buffer_bytes"});
  read_common(r, n, path, d, &c.common);
  read_endpoint(r, n, path, &c.address, &c.port);
  if (auto v = r.integer(n, path, "receive_buffer_bytes", 65536, 1 << 30)) {
    c.receive_buffer_bytes = *v;
  }
  return c;
}

InputConfig read_syslog_tcp(YamlReader& r, const YAML::Node& n, const std::string& path,
                            const EntryDefaults& d) {
  SyslogTcpConfig c;
  expect_keys(r, n, path,
              {"address", "port", "max_connections", "max_connections_per_source",
               "evict_idle_after", "idle_timeout"});
  read_common(r, n, path, d, &c.common);
  read_endpoint(r, n, path, &c.address, &c.port);
  if (auto v = r.integer(n, path, "max_connections", 1, 1 << 20)) c.max_connections = *v;
  if (auto v = r.integer(n, path, "max_connections_per_source", 0, 1 << 20)) {
    c.max_connections_per_source = *v;
  }
  read_timeout(r, n, path, "idle_timeout", &c.idle_timeout, /*zero_is_never=*/true);
  if (auto v = r.duration_us(n, path, "evict_idle_after")) c.evict_idle_after = to_ms(*v);
  return c;
}

InputConfig read_syslog_tls(YamlReader& r, const YAML::Node& n, const std::string& path,
                            const EntryDefaults& d) {
  SyslogTlsConfig c;
  expect_keys(r, n, path,
              {"address", "port", "max_connections", "max_connections_per_source",
               "evict_idle_after", "idle_timeout", "tls"});
  read_common(r, n, path, d, &c.common);
  read_endpoint(r, n, path, &c.address, &c.port);
  if (auto v = r.integer(n, path, "max_connections", 1, 1 << 20)) c.max_connections = *v;
  if (auto v = r.integer(n, path, "max_connections_per_source", 0, 1 << 20)) {
    c.max_connections_per_source = *v;
  }
  read_timeout(r, n, path, "idle_timeout", &c.idle_timeout, /*zero_is_never=*/true);
  if (auto v = r.duration_us(n, path, "evict_idle_after")) c.evict_idle_after = to_ms(*v);
  read_tls(r, n, path, &c.tls);
  return c;
}

}  // namespace wardsoc::input_config
