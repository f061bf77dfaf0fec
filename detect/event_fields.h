// EventFieldIndex: the fields of one event that `where` conditions of a rule with
// `fields: json` or `fields: kv` name (docs/rules.md, "Conditions on event fields"). The
// matcher fills it at most once per event, when the first condition asks, and looks names
// up in it: a JSON object's members by dotted path, or the key=value pairs of the message.
//
// Every byte is hostile: a text that is not a JSON object (or not valid JSON or UTF-8, or
// nested deeper than max_depth) loads as no fields, and load_json says so; a document with
// more than max_entries members keeps the first ones. Nothing recurses deeper than max_depth.
//
// Thread safety: none; one per matcher (it keeps simdjson's parser and its buffers).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace wardsoc {

// How a JSON object is found in an event: the raw line if it starts with '{' (a JSON
// input), else the message if it does (a JSON body after a syslog header), else the raw
// line from its first '{' if the line ends with '}' (a body whose "message" member ingest
// took as the message). Empty if none. Scanning and `where` both use this text.
std::string_view json_text_of(std::string_view raw, std::string_view message);

class EventFieldIndex {
 public:
  explicit EventFieldIndex(size_t max_depth = 64, size_t max_entries = 65536);
  ~EventFieldIndex();
  EventFieldIndex(const EventFieldIndex&) = delete;
  EventFieldIndex& operator=(const EventFieldIndex&) = delete;

  // Reads a JSON object: each member is a field named by its path from the root, keys
  // joined by '.' (so {"a":{"b":1}} and {"a.b":1} both give a.b); the elements of an array
  // are values of the array's own path. Strings are unescaped; numbers and booleans are
  // their JSON text; null is an empty value; an object or array is present but has no value
  // of its own. False (and no fields) if `text` is not a valid JSON object.
  bool load_json(std::string_view text);
  // Reads the key=value pairs of a message (core/kv_pairs.h); double-quoted values are
  // unescaped. Always succeeds (a message without pairs has no fields).
  void load_kv(std::string_view text);
  void clear();

  // Whether the field is present (with or without a value of its own).
  bool has(std::string_view name) const;
  // Calls pred(value) for each value of the field, in document order, until it returns
  // true; returns whether one did.
  template <class Pred>
  bool any_value(std::string_view name, Pred&& pred) const {
    for (const Entry& e : entries_) {
      if (e.container || path(e) != name) continue;
      if (pred(value(e))) return true;
    }
    return false;
  }
  // The first value of the field; false if it has none.
  bool first_value(std::string_view name, std::string_view* out) const;

  size_t size() const { return entries_.size(); }
  // Why the last load_json failed ("" after a success).
  const std::string& error() const { return error_; }

 private:
  struct Entry {
    uint32_t path_off, path_len;
    uint32_t value_off, value_len;
    bool container;
  };
  struct Json;  // simdjson's parser and the walk over one document (event_fields.cc)

  std::string_view path(const Entry& e) const {
    return std::string_view(paths_).substr(e.path_off, e.path_len);
  }
  std::string_view value(const Entry& e) const {
    return std::string_view(values_).substr(e.value_off, e.value_len);
  }
  void add(std::string_view path, std::string_view value, bool container);

  size_t max_depth_;
  size_t max_entries_;
  std::vector<Entry> entries_;
  std::string paths_;
  std::string values_;
  std::string error_;
  std::unique_ptr<Json> json_;
};

}  // namespace wardsoc
