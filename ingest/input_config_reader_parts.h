// The pieces of the input config reader shared by the per-type readers: each input
// folder's <type>_input_config_reader.cc reads one `inputs:` entry of its type with
// these. Internal to ingest/; the entry point is read_input_config()
// (input_config_reader.h).
#pragma once

#include <chrono>
#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>

#include "core/yaml_reader.h"
#include "ingest/input_config.h"

namespace wardsoc::input_config {

// What an entry inherits from where it stands in the file.
struct EntryDefaults {
  uint16_t index = 0;  // position in `inputs:` (Event::input)
  std::string zone;    // the top-level timezone
};

// The keys every input accepts, for expect_keys() of each type.
inline constexpr std::string_view kCommonKeys[] = {
    "name",         "type",           "class",  "zone",          "max_line_bytes",
    "batch_events", "flush_interval", "format", "max_clock_skew"};

// Fails every key that is neither common nor one of the type's own (`own`).
void expect_keys(YamlReader& r, const YAML::Node& n, const std::string& path,
                 std::initializer_list<std::string_view> own);
// The common keys into `c` (name, class, zone, limits, format).
void read_common(YamlReader& r, const YAML::Node& n, const std::string& path,
                 const EntryDefaults& defaults, InputCommon* c);
// `address` and `port` of a listening input.
void read_endpoint(YamlReader& r, const YAML::Node& n, const std::string& path,
                   std::string* address, uint16_t* port);
// `class` as an asset class; false (and a recorded problem if it is unknown) otherwise.
bool read_class(YamlReader& r, const YAML::Node& n, const std::string& path, AssetClass* out);
// Durations as the inputs keep them, never below one unit.
std::chrono::milliseconds to_ms(int64_t us);
std::chrono::seconds to_seconds(int64_t us);
// A connection timeout `key` in whole seconds: at least 1s, or `0` / `never` for never
// when `zero_is_never`; left alone when the key is absent.
void read_timeout(YamlReader& r, const YAML::Node& n, const std::string& path, std::string_view key,
                  std::chrono::seconds* out, bool zero_is_never = false);

// One per input type, each in its folder.
InputConfig read_syslog_udp(YamlReader& r, const YAML::Node& n, const std::string& path,
                            const EntryDefaults& d);
InputConfig read_syslog_tcp(YamlReader& r, const YAML::Node& n, const std::string& path,
                            const EntryDefaults& d);
InputConfig read_syslog_tls(YamlReader& r, const YAML::Node& n, const std::string& path,
                            const EntryDefaults& d);
InputConfig read_kafka(YamlReader& r, const YAML::Node& n, const std::string& path,
                       const EntryDefaults& d);
InputConfig read_file(YamlReader& r, const YAML::Node& n, const std::string& path,
                      const EntryDefaults& d);
InputConfig read_http(YamlReader& r, const YAML::Node& n, const std::string& path,
                      const EntryDefaults& d);

}  // namespace wardsoc::input_config
