// The file sink's own keys of a `sinks:` entry.
#include "connectors/sink_config_reader_parts.h"

namespace wardsoc::sink_config {

void read_file(YamlReader& r, const YAML::Node& n, const std::string& path, FileSinkConfig* c) {
  expect_keys(r, n, path, {"path", "fsync"});
  if (auto v = r.string(n, path, "path", true)) c->path = *v;
  if (auto v = r.boolean(n, path, "fsync")) c->fsync = *v;
}

}  // namespace wardsoc::sink_config
