#include "app/api/api_client.h"

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include "app/api/http_server.h"
#include "core/text.h"

namespace wardsoc {

namespace beast = boost::beast;
namespace http = beast::http;
using tcp = boost::asio::ip::tcp;

Result<ApiReply> api_request(const std::string& listen, const std::string& method,
                             const std::string& target, const std::string& body,
                             const std::string& token, std::chrono::milliseconds timeout) {
  auto addr = parse_listen_address(listen);
  if (!addr) return std::move(addr).error().with_context("api.listen");
  std::string host = addr->first;
  if (host == "0.0.0.0") host = "127.0.0.1";
  if (host == "::") host = "::1";
  boost::asio::io_context io;
  beast::tcp_stream stream(io);
  beast::error_code ec;
  const tcp::endpoint ep(boost::asio::ip::make_address(host), addr->second);
  stream.expires_after(std::chrono::seconds(5));
  stream.connect(ep, ec);
  if (ec) {
    return Error(Errc::kUnavailable,
                 "cannot reach the wardsoc API at " + listen + ": " + ec.message());
  }
  http::request<http::string_body> req{http::string_to_verb(method), target, 11};
  req.set(http::field::host, listen);
  req.set(http::field::user_agent, "wardsoc-cli");
  if (!token.empty()) req.set(http::field::authorization, "Bearer " + token);
  if (!body.empty()) req.set(http::field::content_type, "application/json");
  req.body() = body;
  req.prepare_payload();
  stream.expires_after(timeout);
  http::write(stream, req, ec);
  beast::flat_buffer buffer;
  http::response_parser<http::string_body> parser;
  parser.body_limit(size_t{256} << 20);
  parser.skip(req.method() == http::verb::head);  // its Content-Length is GET's, no body follows
  if (!ec) http::read(stream, buffer, parser, ec);
  if (ec) {
    return Error(Errc::kUnavailable,
                 "the wardsoc API at " + listen + " did not answer: " + ec.message());
  }
  stream.socket().shutdown(tcp::socket::shutdown_both, ec);
  ApiReply reply;
  reply.status = static_cast<int>(parser.get().result_int());
  reply.body = std::move(parser.get().body());
  for (const auto& f : parser.get()) {
    reply.headers[ascii_lower(std::string_view(f.name_string().data(), f.name_string().size()))] =
        std::string(f.value());
  }
  return reply;
}

}  // namespace wardsoc
