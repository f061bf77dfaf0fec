// HttpInput: events POSTed over HTTP — camera and VMS webhooks, scripts — as one JSON
// object, a JSON array of objects (Content-Type application/json or none) or NDJSON, one
// object per line (application/x-ndjson, application/jsonl, text/plain). Boost.Beast on
// its own port and its own TcpListener (ingest cannot depend on the app's API server).
//
//   POST /ingest  Authorization: Bearer <token>
//   200 {"accepted":N,"malformed":M}   stored (with acknowledgements) or queued
//   400 malformed JSON document (application/json)   401 missing or wrong token
//   404 other path   405 other method   413 body over max_body_bytes
//   415 other content type   503 not stored within ack_timeout, or shutting down
//
// Every object becomes one event: the raw line is the object's text, header fields come
// from its well-known keys (JsonEventParser). In NDJSON a line that is not a JSON object
// is still kept, as a raw event flagged malformed, and counted in the answer.
//
// Delivery: with acknowledgements (the default) the answer waits until the store wrote
// the request's events (can_acknowledge() is true; positions count requests), so a 200
// means durable and anything else means "send again". When the queue is full, requests
// are not read until there is room (the senders wait), like syslog over TCP.
//
// Limits, each counted and logged with rate limiting: body size, header size and JSON
// depth (requests_rejected, with the answer's status code); a connection waiting longer
// than idle_timeout for a request, taking longer than header_timeout for its headers or
// body_timeout for its body is closed (closed_idle, header_timeouts, body_timeouts);
// connections past max_connections or max_connections_per_source make room by closing an
// idle one or are refused (TcpListener). Every answer is counted by status code.
//
// Thread safety: see Input. One I/O thread owned by the input.
#pragma once

#include <cctz/time_zone.h>

#include <memory>
#include <mutex>
#include <string>

#include "core/batch_queue.h"
#include "core/result.h"
#include "ingest/http/http_input_config.h"
#include "ingest/ingest_context.h"
#include "ingest/input.h"
#include "ingest/input_counters.h"

namespace wardsoc {

class HttpInput final : public Input {
 public:
  // Checks the settings (the error names the key: "max_connections: must be at least
  // 1") and builds the input; nothing is opened or bound until start(). What
  // make_input() calls for this type.
  static Result<std::unique_ptr<HttpInput>> Open(const HttpInputConfig& cfg, BatchQueue& queue,
                                                 const cctz::time_zone& zone,
                                                 const IngestContext& ctx);
  HttpInput(const HttpInputConfig& config, BatchQueue& queue, const cctz::time_zone& zone,
            const IngestContext& context = {});
  ~HttpInput() override;

  const std::string& name() const override { return name_; }
  bool can_acknowledge() const override { return acknowledgements_; }
  Status start() override;
  // Stops accepting, answers requests still waiting for the store with 503, pushes what
  // is left and joins the thread.
  void stop() override;
  bool drained() const override { return false; }
  void acknowledge(const InputPosition& pos) override;
  InputStats stats() const override { return counters_.snapshot(); }
  std::string local_endpoint() const override;

 private:
  class Impl;
  const std::string name_;
  const bool acknowledgements_;
  InputCounters counters_;
  std::unique_ptr<Impl> impl_;

  mutable std::mutex mu_;  // guards started_ and stopped_, for acknowledge()
  bool started_ = false;
  bool stopped_ = false;
};

}  // namespace wardsoc
