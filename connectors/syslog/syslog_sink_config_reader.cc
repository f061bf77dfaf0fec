// The syslog sink's own keys of a `sinks:` entry.
#include <array>

#include "connectors/sink_config_reader_parts.h"

namespace wardsoc::sink_config {

namespace {
constexpr std::array<std::string_view, 24> kFacilities = {
    "kern",   "user",   "mail",     "daemon", "auth",   "syslog",   "lpr",     "news",
    "uucp",   "cron",   "authpriv", "ftp",    "ntp",    "security", "console", "clock",
    "local0", "local1", "local2",   "local3", "local4", "local5",   "local6",  "local7"};
}  // namespace

void read_syslog(YamlReader& r, const YAML::Node& n, const std::string& path, SyslogSinkConfig* c) {
  expect_keys(r, n, path,
              {"host", "port", "transport", "tls", "facility", "hostname", "app_name",
               "connect_timeout", "write_timeout", "confirm_delay"});
  if (auto v = r.string(n, path, "host", true)) c->host = *v;
  if (auto v = r.string(n, path, "transport")) {
    if (*v == "tls") {
      c->transport = SyslogTransport::kTls;
    } else if (*v == "tcp") {
      c->transport = SyslogTransport::kTcp;
      c->port = 514;
    } else {
      r.fail(n["transport"], join_path(path, "transport"),
             "unknown transport '" + *v + "' (expected tls or tcp; UDP cannot confirm delivery)");
    }
  }
  if (auto v = r.integer(n, path, "port", 1, 65535)) c->port = static_cast<uint16_t>(*v);
  read_tls(r, n, path, &c->tls);
  if (c->transport == SyslogTransport::kTcp && n["tls"].IsDefined()) {
    r.fail(n["tls"], join_path(path, "tls"), "given, but transport is tcp");
  }
  if (auto v = r.string(n, path, "facility")) {
    bool found = false;
    for (size_t i = 0; i < kFacilities.size(); ++i) {
      if (*v == kFacilities[i] || *v == std::to_string(i)) {
        c->facility = static_cast<int>(i);
        found = true;
      }
    }
    if (!found) {
      r.fail(
          n["facility"], join_path(path, "facility"),
          "unknown facility '" + *v + "' (expected a name such as local4, auth, daemon, or 0..23)");
    }
  }
  if (auto v = r.string(n, path, "hostname")) c->hostname = *v;
  if (auto v = r.string(n, path, "app_name")) c->app_name = *v;
  for (std::string* s : {&c->hostname, &c->app_name}) {
    // RFC 5424 header fields are printable US-ASCII without spaces.
    for (char ch : *s) {
      if (ch <= 32 || ch >= 127) {
        r.fail(n, path, "hostname and app_name must be printable ASCII without spaces");
        break;
      }
    }
  }
  if (c->app_name.size() > 48) r.fail(n["app_name"], join_path(path, "app_name"), "longer than 48");
  if (auto v = millis(r, n, path, "connect_timeout")) c->connect_timeout = *v;
  if (auto v = millis(r, n, path, "write_timeout")) c->write_timeout = *v;
  if (auto v = millis(r, n, path, "confirm_delay", /*zero_ok=*/true)) c->confirm_delay = *v;
}

}  // namespace wardsoc::sink_config
