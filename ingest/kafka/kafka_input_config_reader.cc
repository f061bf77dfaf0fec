// The Kafka input's own keys of an `inputs:` entry.
#include "ingest/input_config_reader_parts.h"

namespace wardsoc::input_config {

InputConfig read_kafka(YamlReader& r, const YAML::Node& n, const std::string& path,
                       const EntryDefaults& d) {
  KafkaInputConfig c;
  expect_keys(r, n, path,
              {"brokers", "group", "topics", "start_from", "commit_interval", "session_timeout",
               "drain_timeout", "options"});
  read_common(r, n, path, d, &c.common);
  if (auto v = r.string(n, path, "brokers", true)) c.brokers = *v;
  if (auto v = r.string(n, path, "group")) c.group = *v;
  const YAML::Node topics = n["topics"];
  const std::string tpath = join_path(path, "topics");
  if (!topics.IsDefined() || topics.IsNull()) {
    r.fail(n, tpath, "missing (at least one topic)");
  } else if (r.expect_list(topics, tpath)) {
    for (size_t i = 0; i < topics.size(); ++i) {
      const YAML::Node t = topics[i];
      const std::string ipath = index_path(tpath, i);
      KafkaTopic topic;
      if (t.IsScalar()) {
        topic.name = t.Scalar();
      } else if (r.expect_map(t, ipath, {"name", "class"})) {
        if (auto v = r.string(t, ipath, "name", true)) topic.name = *v;
        AssetClass cls = AssetClass::kOther;
        if (read_class(r, t, ipath, &cls)) topic.asset_class = cls;
      }
      if (topic.name.empty()) {
        r.fail(t, ipath, "a topic name or a map with 'name' and 'class'");
        continue;
      }
      for (const auto& other : c.topics) {
        if (other.name == topic.name)
          r.fail(t, ipath, "topic '" + topic.name + "' is listed twice");
      }
      c.topics.push_back(topic);
    }
    if (topics.size() == 0) r.fail(topics, tpath, "empty (at least one topic)");
  }
  if (auto v = r.string(n, path, "start_from")) {
    if (*v != "earliest" && *v != "latest") {
      r.fail(n["start_from"], join_path(path, "start_from"),
             "expected earliest or latest, got '" + *v + "'");
    }
    c.start_from = *v;
  }
  if (auto v = r.duration_us(n, path, "commit_interval")) c.commit_interval = to_ms(*v);
  if (auto v = r.duration_us(n, path, "session_timeout")) c.session_timeout = to_ms(*v);
  if (auto v = r.duration_us(n, path, "drain_timeout")) c.drain_timeout = to_ms(*v);
  const YAML::Node opts = n["options"];
  if (opts.IsDefined() && !opts.IsNull()) {
    const std::string opath = join_path(path, "options");
    if (!opts.IsMap()) {
      r.fail(opts, opath, "expected a map of librdkafka properties");
    } else {
      for (const auto& kv : opts) {
        const std::string key = kv.first.Scalar();
        if (!kv.second.IsScalar()) {
          r.fail(kv.second, join_path(opath, key), "expected a value");
          continue;
        }
        c.options[key] = kv.second.Scalar();
      }
    }
  }
  return c;
}

}  // namespace wardsoc::input_config
