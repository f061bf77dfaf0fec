#include "detect/event_fields.h"

#include <simdjson.h>

#include <cstring>

#include "core/kv_pairs.h"

namespace wardsoc {

namespace od = simdjson::ondemand;

namespace {

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

std::string_view trim(std::string_view s) {
  while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
  return s;
}

}  // namespace

std::string_view json_text_of(std::string_view raw, std::string_view message) {
  const std::string_view r = trim(raw);
  if (!r.empty() && r.front() == '{') return raw;
  const std::string_view m = trim(message);
  if (!m.empty() && m.front() == '{') return message;
  if (!r.empty() && r.back() == '}') {
    const size_t at = raw.find('{');
    if (at != std::string_view::npos) return raw.substr(at);
  }
  return {};
}

// The document is copied behind simdjson's padding and walked once, depth first, every
// member recorded; the walk counts its own depth, so a deep document fails before the
// stack grows.
struct EventFieldIndex::Json {
  od::parser parser;
  std::vector<char> padded;
  std::string path;  // of the value being walked
  std::string scratch;

  bool walk(EventFieldIndex* index, od::value v, size_t depth) {
    if (depth > index->max_depth_) {
      index->error_ = "nested deeper than " + std::to_string(index->max_depth_);
      return false;
    }
    od::json_type type;
    if (v.type().get(type) != simdjson::SUCCESS) return fail(index, "malformed value");
    switch (type) {
      case od::json_type::object: {
        od::object obj;
        if (v.get_object().get(obj) != simdjson::SUCCESS) return fail(index, "malformed object");
        if (depth > 0) index->add(path, {}, true);
        for (auto field : obj) {
          std::string_view key;
          if (field.unescaped_key().get(key) != simdjson::SUCCESS)
            return fail(index, "malformed key");
          const size_t keep = path.size();
          if (!path.empty()) path += '.';
          path += key;
          od::value child;
          if (field.value().get(child) != simdjson::SUCCESS || !walk(index, child, depth + 1)) {
            return fail(index, "malformed member");
          }
          path.resize(keep);
        }
        return true;
      }
      case od::json_type::array: {
        od::array arr;
        if (v.get_array().get(arr) != simdjson::SUCCESS) return fail(index, "malformed array");
        index->add(path, {}, true);
        for (auto el : arr) {
          od::value child;
          if (el.get(child) != simdjson::SUCCESS || !walk(index, child, depth + 1))
            return fail(index, "malformed element");
        }
        return true;
      }
      case od::json_type::string: {
        std::string_view s;
        if (v.get_string().get(s) != simdjson::SUCCESS) return fail(index, "malformed string");
        index->add(path, s, false);
        return true;
      }
      case od::json_type::number: {
        // The text as written (7, 1.50, 1e3); asking for the number checks that it is one.
        const std::string_view token = trim(v.raw_json_token());
        od::number n;
        if (v.get_number().get(n) != simdjson::SUCCESS) return fail(index, "malformed number");
        index->add(path, token, false);
        return true;
      }
      case od::json_type::boolean: {
        bool b = false;
        if (v.get_bool().get(b) != simdjson::SUCCESS) return fail(index, "malformed boolean");
        index->add(path, b ? "true" : "false", false);
        return true;
      }
      case od::json_type::null: {
        bool is_null = false;
        if (v.is_null().get(is_null) != simdjson::SUCCESS || !is_null)
          return fail(index, "malformed null");
        index->add(path, {}, false);
        return true;
      }
    }
    return fail(index, "unknown value");
  }

  static bool fail(EventFieldIndex* index, const char* why) {
    if (index->error_.empty()) index->error_ = why;
    return false;
  }
};

EventFieldIndex::EventFieldIndex(size_t max_depth, size_t max_entries)
    : max_depth_(max_depth), max_entries_(max_entries) {}

EventFieldIndex::~EventFieldIndex() = default;

void EventFieldIndex::clear() {
  entries_.clear();
  paths_.clear();
  values_.clear();
  error_.clear();
}

void EventFieldIndex::add(std::string_view path, std::string_view value, bool container) {
  if (entries_.size() >= max_entries_) return;
  Entry e;
  e.path_off = static_cast<uint32_t>(paths_.size());
  e.path_len = static_cast<uint32_t>(path.size());
  e.value_off = static_cast<uint32_t>(values_.size());
  e.value_len = static_cast<uint32_t>(value.size());
  e.container = container;
  paths_ += path;
  values_ += value;
  entries_.push_back(e);
}

bool EventFieldIndex::load_json(std::string_view text) {
  clear();
  if (text.empty()) {
    error_ = "no JSON object in the event";
    return false;
  }
  if (!json_) {
    json_ = std::make_unique<Json>();
    // Capacity grows with the documents; the depth limit is ours (see walk).
    if (json_->parser.allocate(64 * 1024, max_depth_ + 2) != simdjson::SUCCESS) {
      error_ = "cannot allocate the JSON parser";
      return false;
    }
  }
  Json& j = *json_;
  if (text.size() + simdjson::SIMDJSON_PADDING > j.parser.capacity() &&
      j.parser.allocate(text.size() + simdjson::SIMDJSON_PADDING, max_depth_ + 2) !=
          simdjson::SUCCESS) {
    error_ = "cannot allocate the JSON parser";
    return false;
  }
  j.padded.resize(text.size() + simdjson::SIMDJSON_PADDING);
  if (!text.empty()) std::memcpy(j.padded.data(), text.data(), text.size());
  std::memset(j.padded.data() + text.size(), 0, simdjson::SIMDJSON_PADDING);
  od::document doc;
  if (j.parser.iterate(j.padded.data(), text.size(), j.padded.size()).get(doc) !=
      simdjson::SUCCESS) {
    error_ = "not valid JSON (or not UTF-8)";
    return false;
  }
  od::json_type type;
  if (doc.type().get(type) != simdjson::SUCCESS || type != od::json_type::object) {
    error_ = "not a JSON object";
    return false;
  }
  od::value root;
  j.path.clear();
  bool ok = doc.get_value().get(root) == simdjson::SUCCESS && j.walk(this, root, 0);
  const char* rest = nullptr;
  if (ok && doc.current_location().get(rest) == simdjson::SUCCESS) {  // in bounds: not at the end
    error_ = "text after the JSON object";
    ok = false;
  }
  if (!ok) {
    const std::string why = error_.empty() ? "malformed JSON" : error_;
    clear();
    error_ = why;
  }
  return ok;
}

void EventFieldIndex::load_kv(std::string_view text) {
  clear();
  for_each_kv(text, [&](std::string_view key, std::string_view value) {
    // A double-quoted value keeps its escapes in the view: the byte before it is the quote.
    const bool quoted = value.data() > text.data() && value.data()[-1] == '"';
    if (!quoted || value.find('\\') == std::string_view::npos) {
      add(key, value, false);
      return;
    }
    std::string unescaped;
    kv_unescape(value, &unescaped);
    add(key, unescaped, false);
  });
}

bool EventFieldIndex::has(std::string_view name) const {
  for (const Entry& e : entries_) {
    if (path(e) == name) return true;
  }
  return false;
}

bool EventFieldIndex::first_value(std::string_view name, std::string_view* out) const {
  return any_value(name, [&](std::string_view v) {
    *out = v;
    return true;
  });
}

}  // namespace wardsoc
