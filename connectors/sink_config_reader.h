// Reads one entry of the configuration's `sinks:` list into a SinkConfig. The keys
// every sink has (name, type, format, filter, batch, retry, outbox) are read here; each
// sink type reads its own keys in its folder (<type>/<type>_sink_config_reader.cc),
// chosen by an explicit table. Problems are recorded in the YamlReader with
// file:line:col and key path, all of them in one pass.
#pragma once

#include <optional>
#include <string>

#include "connectors/sink_config.h"
#include "core/yaml_reader.h"

namespace wardsoc {

// `path` is the entry's key path ("sinks[0]").
std::optional<SinkConfig> read_sink_config(YamlReader& reader, const YAML::Node& node,
                                           const std::string& path);

}  // namespace wardsoc
