// Reading one HTTP/1.1 request under three deadlines, for both HTTP servers on a
// TcpListener (the HTTP input and the API): a connection may wait `idle` for the first
// byte of a request (between keep-alive requests, or after connecting); from that byte
// the headers must be complete within `header`, and from the end of the headers the body
// within `body`. A sender dribbling one byte every few seconds (slowloris) is therefore
// cut after `header` however often it sends. Every read that brings bytes is reported
// (on_bytes), so the listener knows the connection is not idle.
//
// Thread safety: runs on the stream's executor (the listener's I/O thread); the stream,
// buffer and parser must outlive the read (callers keep their session alive through the
// callbacks).
#pragma once

#include <boost/asio/error.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <cstdint>
#include <memory>
#include <utility>

namespace wardsoc {

struct HttpReadTimeouts {
  std::chrono::seconds idle{60};    // waiting for a request's first byte
  std::chrono::seconds header{10};  // first byte to the end of the headers
  std::chrono::seconds body{30};    // end of the headers to the end of the body
};

// Where a read stood when it ended: with beast::error::timeout, which deadline passed.
enum class HttpReadStage : uint8_t { kIdle, kHeader, kBody };

namespace http_read_detail {

template <class Parser, class OnBytes, class Done>
class RequestRead : public std::enable_shared_from_this<RequestRead<Parser, OnBytes, Done>> {
 public:
  RequestRead(boost::beast::tcp_stream& stream, boost::beast::flat_buffer& buffer, Parser& parser,
              const HttpReadTimeouts& timeouts, OnBytes on_bytes, Done done)
      : stream_(stream),
        buffer_(buffer),
        parser_(parser),
        timeouts_(timeouts),
        on_bytes_(std::move(on_bytes)),
        done_(std::move(done)) {}

  void start() {
    if (buffer_.size() != 0) {  // pipelined: the next request has begun already
      start_header();
      return;
    }
    stage_ = HttpReadStage::kIdle;
    stream_.expires_after(timeouts_.idle);
    stream_.async_read_some(
        buffer_.prepare(kFirstRead),
        [self = this->shared_from_this()](const boost::system::error_code& ec, size_t n) {
          self->buffer_.commit(n);
          if (n > 0) self->on_bytes_();
          if (ec) {
            self->done_(ec, self->stage_);
            return;
          }
          self->start_header();
        });
  }

 private:
  static constexpr size_t kFirstRead = 4096;

  void start_header() {
    stage_ = HttpReadStage::kHeader;
    deadline_ = std::chrono::steady_clock::now() + timeouts_.header;
    step();
  }

  void step() {
    if (parser_.is_done()) {
      done_(boost::system::error_code(), stage_);
      return;
    }
    if (stage_ == HttpReadStage::kHeader && parser_.is_header_done()) {
      stage_ = HttpReadStage::kBody;
      deadline_ = std::chrono::steady_clock::now() + timeouts_.body;
    }
    stream_.expires_at(deadline_);
    boost::beast::http::async_read_some(
        stream_, buffer_, parser_,
        [self = this->shared_from_this()](const boost::system::error_code& ec, size_t n) {
          if (n > 0) self->on_bytes_();
          if (ec) {
            self->done_(ec, self->stage_);
            return;
          }
          self->step();
        });
  }

  boost::beast::tcp_stream& stream_;
  boost::beast::flat_buffer& buffer_;
  Parser& parser_;
  const HttpReadTimeouts timeouts_;
  OnBytes on_bytes_;
  Done done_;
  HttpReadStage stage_ = HttpReadStage::kIdle;
  std::chrono::steady_clock::time_point deadline_;
};

}  // namespace http_read_detail

// Reads one request into `parser` (which the caller has set up with its limits). `done(ec,
// stage)` runs once: no error when the request is complete; beast::error::timeout when the
// deadline of `stage` passed (the stream is closed then); asio::error::eof when the peer
// closed between requests; any parser or socket error otherwise.
template <class Parser, class OnBytes, class Done>
void async_read_request(boost::beast::tcp_stream& stream, boost::beast::flat_buffer& buffer,
                        Parser& parser, const HttpReadTimeouts& timeouts, OnBytes on_bytes,
                        Done done) {
  std::make_shared<http_read_detail::RequestRead<Parser, OnBytes, Done>>(
      stream, buffer, parser, timeouts, std::move(on_bytes), std::move(done))
      ->start();
}

// A read that ended because the peer went away rather than because of what it sent.
inline bool is_peer_gone(const boost::system::error_code& ec) {
  namespace asio = boost::asio;
  return ec == boost::beast::http::error::end_of_stream || ec == asio::error::eof ||
         ec == asio::error::connection_reset || ec == asio::error::operation_aborted;
}

}  // namespace wardsoc
