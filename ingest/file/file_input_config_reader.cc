// The file input's own keys of an `inputs:` entry.
#include "ingest/input_config_reader_parts.h"

namespace wardsoc::input_config {

InputConfig read_file(YamlReader& r, const YAML::Node& n, const std::string& path,
                      const EntryDefaults& d) {
  FileInputConfig c;
  c.follow = true;  // a config file's file input tails; `wardsoc replay` reads once
  expect_keys(r, n, path,
              {"paths", "exclude", "follow", "read_from", "poll_interval", "rotate_wait",
               "fingerprint_bytes"});
  read_common(r, n, path, d, &c.common);
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

}  // namespace wardsoc::input_config
