// HttpRequestReader: what the HTTP input does with one whole request, apart from the
// socket — checks the path, method, bearer token and content type, and turns the body
// (one JSON object, an array of objects, or NDJSON lines) into events. The input's
// session code owns reading, answering and acknowledgements; this unit owns every
// decision about the request's bytes, which is why the libFuzzer target
// (tests/fuzz/fuzz_http_request.cc) drives it directly.
//
// Thread safety: none; one reader per I/O thread (it keeps a JsonEventParser).
#pragma once

#include <boost/beast/http/message.hpp>
#include <boost/beast/http/status.hpp>
#include <boost/beast/http/string_body.hpp>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "ingest/body_fields.h"
#include "ingest/http/http_input_config.h"
#include "ingest/json_event.h"
#include "ingest/syslog_parser.h"

namespace wardsoc {

using HttpRequest = boost::beast::http::request<boost::beast::http::string_body>;

// The decision on one request.
struct HttpVerdict {
  boost::beast::http::status status = boost::beast::http::status::ok;
  std::string why;              // for a rejection: what to tell the sender (and the log)
  size_t accepted = 0;          // events taken (flagged ones included)
  size_t malformed = 0;         // of those, NDJSON lines kept raw and flagged malformed,
                                // plus array elements that were not objects (skipped)
  size_t skipped = 0;           // array elements that were not objects (not events)
  bool malformed_body = false;  // the JSON document itself did not parse (400)

  bool ok() const { return status == boost::beast::http::status::ok; }
};

class HttpRequestReader {
 public:
  // Called for each event of an accepted request; returns whether it was taken (the
  // batch builder may refuse it, e.g. while stopping). `flags` is 0 or
  // kEventHeaderMalformed.
  using AddEvent =
      std::function<bool(std::string_view raw, const BodyFields& fields, uint32_t flags)>;

  // Uses config's path, tokens and max_depth; `config` must outlive the reader.
  explicit HttpRequestReader(const HttpInputConfig& config);

  // Checks `request` in the order a sender would fix it — 404 path, 405 method, 401 token,
  // 415 content type, 400 JSON — and, when it passes, hands every event to `add`.
  HttpVerdict read(const HttpRequest& request, const SyslogParseOptions& opts, const AddEvent& add);

 private:
  const HttpInputConfig& config_;
  JsonEventParser json_;
};

}  // namespace wardsoc
