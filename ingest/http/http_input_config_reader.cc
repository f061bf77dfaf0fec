// The HTTP input's own keys of an `inputs:` entry.
#include "ingest/input_config_reader_parts.h"

namespace wardsoc::input_config {

InputConfig read_http(YamlReader& r, const YAML::Node& n, const std::string& path,
                      const EntryDefaults& d) {
  HttpInputConfig c;
  c.common.format = BodyFormat::kJson;
  expect_keys(r, n, path,
              {"address", "port", "path", "tokens", "max_body_bytes", "max_connections",
               "max_connections_per_source", "idle_timeout", "header_timeout", "body_timeout",
               "evict_idle_after", "acknowledgements", "ack_timeout", "max_depth"});
  read_common(r, n, path, d, &c.common);
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
  if (auto v = r.integer(n, path, "max_connections_per_source", 0, 1 << 20)) {
    c.max_connections_per_source = *v;
  }
  read_timeout(r, n, path, "idle_timeout", &c.idle_timeout);
  read_timeout(r, n, path, "header_timeout", &c.header_timeout);
  read_timeout(r, n, path, "body_timeout", &c.body_timeout);
  if (auto v = r.duration_us(n, path, "evict_idle_after")) c.evict_idle_after = to_ms(*v);
  if (auto v = r.boolean(n, path, "acknowledgements")) c.acknowledgements = *v;
  if (auto v = r.duration_us(n, path, "ack_timeout")) c.ack_timeout = to_seconds(*v);
  if (auto v = r.integer(n, path, "max_depth", 2, 1024)) c.max_depth = *v;
  return c;
}

}  // namespace wardsoc::input_config
