// The webhook sink's own keys of a `sinks:` entry.
#include "connectors/sink_config_reader_parts.h"

namespace wardsoc::sink_config {

void read_webhook(YamlReader& r, const YAML::Node& n, const std::string& path,
                  WebhookSinkConfig* c) {
  expect_keys(r, n, path,
              {"url", "allow_http", "body", "tls", "bearer_token", "bearer_token_file",
               "hmac_secret", "hmac_secret_file", "headers", "connect_timeout", "timeout"});
  if (auto v = r.boolean(n, path, "allow_http")) c->allow_http = *v;
  if (auto v = r.string(n, path, "url", true)) {
    c->url = *v;
    const bool https = v->rfind("https://", 0) == 0;
    const bool http = v->rfind("http://", 0) == 0;
    if (!https && !(http && c->allow_http)) {
      r.fail(n["url"], join_path(path, "url"),
             http ? "plain http:// sends alerts and credentials in clear; use https:// (or set "
                    "allow_http: true for a test receiver)"
                  : "expected an https:// URL, got '" + *v + "'");
    }
  }
  if (auto v = r.string(n, path, "body")) {
    if (*v == "object") {
      c->body = WebhookBody::kObject;
    } else if (*v == "ndjson") {
      c->body = WebhookBody::kNdjson;
    } else {
      r.fail(n["body"], join_path(path, "body"),
             "unknown body '" + *v + "' (expected object or ndjson)");
    }
  }
  read_tls(r, n, path, &c->tls);
  if (!c->tls.server_name.empty()) {
    r.fail(n["tls"]["server_name"], join_path(path, "tls.server_name"),
           "not used by the webhook: the URL's host is the name verified");
  }
  if (auto v = secret(r, n, path, "bearer_token")) c->bearer_token = *v;
  if (auto v = secret(r, n, path, "hmac_secret")) c->hmac_secret = *v;
  if (auto v = string_map(r, n, path, "headers")) {
    for (const auto& [k, val] : *v) {
      if (k.find_first_of(" :\r\n") != std::string::npos ||
          val.find_first_of("\r\n") != std::string::npos) {
        r.fail(n["headers"][k], join_path(join_path(path, "headers"), k),
               "header names may not hold spaces or ':', values no line breaks");
      }
      c->headers[k] = val;
    }
  }
  if (auto v = millis(r, n, path, "connect_timeout")) c->connect_timeout = *v;
  if (auto v = millis(r, n, path, "timeout")) c->timeout = *v;
}

}  // namespace wardsoc::sink_config
