// libFuzzer target: what the HTTP input does with the bytes a sender POSTs. The bytes
// are parsed as an HTTP/1.1 request with the input's limits (Boost.Beast, as the input
// reads them) and a whole request goes through HttpRequestReader: path, method, token,
// content type, then the body as JSON, a JSON array or NDJSON lines. Nothing may crash,
// and every event handed on must be a view of valid memory with fields inside it.
#include <boost/asio/buffer.hpp>
#include <boost/beast/core/buffers_range.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "ingest/http/http_request.h"

namespace {
wardsoc::HttpInputConfig fuzz_config() {
  wardsoc::HttpInputConfig c;
  c.common.name = "fuzz";
  c.path = "/ingest";
  c.tokens = {"fuzz-token-0123456789"};
  c.max_depth = 64;
  return c;
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const wardsoc::HttpInputConfig config = fuzz_config();
  static wardsoc::HttpRequestReader reader(config);
  namespace http = boost::beast::http;

  http::request_parser<http::string_body> parser;
  parser.header_limit(16 * 1024);  // as the input sets them
  parser.body_limit(64 * 1024);
  parser.eager(true);
  boost::beast::error_code ec;
  parser.put(boost::asio::buffer(data, size), ec);
  if (!ec && !parser.is_done()) parser.put_eof(ec);
  if (ec || !parser.is_done()) return 0;

  const wardsoc::SyslogParseOptions opts{nullptr, 1'714'532'400'000'000};
  size_t total = 0;
  const wardsoc::HttpVerdict v = reader.read(
      parser.get(), opts, [&](std::string_view raw, const wardsoc::BodyFields& f, uint32_t flags) {
        for (std::string_view s : {raw, f.host, f.app, f.procid, f.message}) {
          for (char c : s) total += static_cast<unsigned char>(c);  // touch every byte
        }
        total += flags;
        return true;
      });
  if (v.ok() && v.malformed > v.accepted + v.skipped) __builtin_trap();  // counts add up
  return total == SIZE_MAX ? 1 : 0;
}
