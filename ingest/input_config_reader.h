// Reads one entry of the configuration's `inputs:` list into an InputConfig. The keys
// every input has are read here; each input type reads its own keys in its folder
// (<folder>/<type>_input_config_reader.cc), chosen by an explicit table, so adding an
// input type does not touch the app. Problems are recorded in the YamlReader with
// file:line and key.
#pragma once

#include <optional>
#include <string>

#include "core/yaml_reader.h"
#include "ingest/input_config.h"

namespace wardsoc {

// `path` is the entry's key path ("inputs[2]"), `index` its position (Event::input),
// `default_zone` the top-level timezone the input inherits.
std::optional<InputConfig> read_input_config(YamlReader& reader, const YAML::Node& node,
                                             const std::string& path, uint16_t index,
                                             const std::string& default_zone);

}  // namespace wardsoc
