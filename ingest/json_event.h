// JsonEventParser: reads JSON log events (camera and VMS webhooks, scripts, JSON lines in
// files or Kafka) with simdjson and finds the fields wardsoc knows in them: the message,
// host, program, pid and time, under the names common emitters use ("message"/"msg",
// "host"/"hostname"/{"host":{"name":..}}, "@timestamp"/"timestamp"/"time", epoch numbers
// in s/ms/us/ns, ...; docs/configuration.md, "JSON events", lists them).
//
// Limits: documents nested deeper than max_depth are rejected (kTooDeep) before any
// recursion, so a thousand '[' cost a counter, not the stack.
//
// Thread safety: none; one parser per thread (it keeps simdjson's buffers between calls).
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "ingest/body_fields.h"
#include "ingest/syslog_parser.h"

namespace wardsoc {

class JsonEventParser {
 public:
  enum class Outcome { kOk, kNotObject, kMalformed, kTooDeep };

  explicit JsonEventParser(size_t max_depth = 64);
  ~JsonEventParser();
  JsonEventParser(const JsonEventParser&) = delete;
  JsonEventParser& operator=(const JsonEventParser&) = delete;

  // One JSON object. On kOk *fields holds what it names (views valid until the next call).
  Outcome parse(std::string_view json, const SyslogParseOptions& opts, BodyFields* fields);

  // A request body: one object, or an array of objects. Calls on_event(raw, fields) for
  // each object; `raw` is the object's text (the body itself for a single object, each
  // element written out compactly for an array). Elements that are not objects are
  // passed with kNotObject semantics: on_event is not called and *skipped counts them.
  using OnEvent = std::function<void(std::string_view raw, const BodyFields& fields)>;
  Outcome parse_events(std::string_view body, const SyslogParseOptions& opts,
                       const OnEvent& on_event, size_t* skipped);

  // Why the last call failed, for a log line or an HTTP answer.
  const std::string& error() const { return error_; }

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  std::string error_;
};

std::string_view json_outcome_name(JsonEventParser::Outcome o);

}  // namespace wardsoc
