// The pieces of the sink config reader shared by the per-type readers: each type's
// function reads its own keys of one `sinks:` entry into its config struct. Internal to
// connectors/; the entry point is read_sink_config() (sink_config_reader.h).
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "connectors/sink_config.h"
#include "core/yaml_reader.h"

namespace wardsoc::sink_config {

// The keys every sink accepts, for expect_map() of each type.
inline constexpr std::string_view kCommonKeys[] = {"name",  "type",  "format",          "filter",
                                                   "batch", "retry", "update_interval", "outbox"};

// expect_map with the common keys plus the type's own.
bool expect_keys(YamlReader& r, const YAML::Node& n, const std::string& path,
                 std::initializer_list<std::string_view> own);

void read_file(YamlReader& r, const YAML::Node& n, const std::string& path, FileSinkConfig* c);
void read_kafka(YamlReader& r, const YAML::Node& n, const std::string& path, KafkaSinkConfig* c);
void read_syslog(YamlReader& r, const YAML::Node& n, const std::string& path, SyslogSinkConfig* c);
void read_webhook(YamlReader& r, const YAML::Node& n, const std::string& path,
                  WebhookSinkConfig* c);

// Helpers.
std::optional<std::chrono::milliseconds> millis(YamlReader& r, const YAML::Node& n,
                                                const std::string& path, std::string_view key,
                                                bool zero_ok = false);
std::optional<std::map<std::string, std::string>> string_map(YamlReader& r, const YAML::Node& n,
                                                             const std::string& path,
                                                             std::string_view key);
void read_tls(YamlReader& r, const YAML::Node& n, const std::string& path, TlsClientConfig* c);
// A secret given inline (`key`) or in a file (`key`_file, trailing newline trimmed).
std::optional<std::string> secret(YamlReader& r, const YAML::Node& n, const std::string& path,
                                  std::string_view key);

}  // namespace wardsoc::sink_config
