#include "ingest/http/http_input.h"

#include <spdlog/spdlog.h>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <cstdio>
#include <map>
#include <unordered_map>
#include <vector>

#include "core/time.h"
#include "ingest/batch_builder.h"
#include "ingest/http/http_read.h"
#include "ingest/http/http_request.h"
#include "ingest/log_limiter.h"
#include "ingest/tcp_listener.h"

namespace wardsoc {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using boost::system::error_code;

namespace {
constexpr size_t kMaxHeaderBytes = 16 * 1024;
constexpr std::string_view kPositionStream = "requests";

TcpListenerOptions listener_options(const HttpInputConfig& c) {
  TcpListenerOptions o;
  o.input_name = c.common.name;
  o.protocol = "HTTP";
  o.address = c.address;
  o.port = c.port;
  o.max_connections = c.max_connections;
  o.max_connections_per_source = c.max_connections_per_source;
  o.idle_after = c.evict_idle_after;
  return o;
}

std::string json_escape(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (const char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (u < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", u);
      out += buf;
    } else {
      out += c;
    }
  }
  return out;
}

}  // namespace

// Runs entirely on the listener's I/O thread once started, except flush_remaining(),
// which stop() calls after that thread has been joined, and acknowledged(), which posts.
class HttpInput::Impl final : public TcpListener::Handler {
 public:
  Impl(const HttpInputConfig& config, BatchQueue& queue, const cctz::time_zone& zone,
       const IngestContext& context, InputCounters* counters)
      : config_(config),
        zone_(zone),
        counters_(counters),
        builder_(config_.common, zone, counters, context, /*live=*/true),
        requests_(config_),
        listener_(listener_options(config), counters, this),
        handoff_(listener_, queue, counters, config.common.name, "events",
                 [this] { resume_parked(); }),
        flush_timer_(listener_.executor()) {}

  TcpListener& listener() { return listener_; }
  void acknowledged(uint64_t seq) {
    asio::post(listener_.executor(), [this, seq] { complete_up_to(seq); });
  }
  void flush_remaining();

  void on_connection(tcp::socket socket, uint64_t id, const std::string& peer) override;
  void on_evict(uint64_t id) override;
  void on_stop() override;

 private:
  struct Session {
    explicit Session(tcp::socket s) : stream(std::move(s)), ack_timer(stream.get_executor()) {}
    beast::tcp_stream stream;
    beast::flat_buffer buffer;
    std::optional<http::request_parser<http::string_body>> parser;
    http::response<http::string_body> response;
    asio::steady_timer ack_timer;
    std::string peer;
    uint64_t id = 0;
    uint64_t waiting_seq = 0;  // request waiting for the store, 0 if none
    size_t accepted = 0;
    size_t malformed = 0;
    bool keep_alive = false;
    bool closed = false;
    bool parked = false;
  };
  using SessionPtr = std::shared_ptr<Session>;

  const std::string& name() const { return config_.common.name; }
  bool paused() const { return handoff_.waiting(); }

  void read_request(const SessionPtr& s);
  void on_request(const SessionPtr& s, const error_code& ec, HttpReadStage stage);
  void note_timeout(const SessionPtr& s, HttpReadStage stage);
  void handle(const SessionPtr& s);
  void reply(const SessionPtr& s, http::status status, std::string body, bool close_after = false);
  void reply_accepted(const SessionPtr& s);
  void close(const SessionPtr& s);
  void complete_up_to(uint64_t seq);
  void flush();
  void arm_flush_timer();
  void resume_parked();
  void reject(const SessionPtr& s, http::status status, const std::string& why,
              bool close_after = false);

  const HttpInputConfig config_;
  const cctz::time_zone zone_;
  InputCounters* const counters_;
  BatchBuilder builder_;
  HttpRequestReader requests_;  // uses config_
  TcpListener listener_;        // before the handoff and the timer: they run on its I/O thread
  BatchHandoff handoff_;        // while it holds a batch, no request is read
  asio::steady_timer flush_timer_;
  bool flush_timer_armed_ = false;
  bool stopping_ = false;

  std::unordered_map<uint64_t, SessionPtr> sessions_;
  std::map<uint64_t, SessionPtr> waiting_;  // request seq -> session awaiting the store
  std::vector<SessionPtr> parked_;
  uint64_t next_seq_ = 0;

  LogLimiter reject_log_;
  LogLimiter timeout_log_;
};

void HttpInput::Impl::on_connection(tcp::socket socket, uint64_t id, const std::string& peer) {
  auto s = std::make_shared<Session>(std::move(socket));
  s->peer = peer;
  s->id = id;
  sessions_.emplace(s->id, s);
  read_request(s);
}

void HttpInput::Impl::on_evict(uint64_t id) {
  auto it = sessions_.find(id);
  if (it == sessions_.end()) return;
  // A copy, not the table's pointer: close() erases that one, which may be the last.
  const SessionPtr s = it->second;
  close(s);
}

void HttpInput::Impl::read_request(const SessionPtr& s) {
  if (paused()) {
    s->parked = true;
    parked_.push_back(s);
    listener_.busy(s->id, true);  // waiting on our queue, not idle
    return;
  }
  listener_.busy(s->id, false);
  s->parser.emplace();
  s->parser->header_limit(kMaxHeaderBytes);
  s->parser->body_limit(config_.max_body_bytes);
  const HttpReadTimeouts timeouts{config_.idle_timeout, config_.header_timeout,
                                  config_.body_timeout};
  async_read_request(
      s->stream, s->buffer, *s->parser, timeouts,
      [this, s] {
        if (!s->closed) listener_.activity(s->id);
      },
      [this, s](const error_code& ec, HttpReadStage stage) { on_request(s, ec, stage); });
}

void HttpInput::Impl::note_timeout(const SessionPtr& s, HttpReadStage stage) {
  const char* what = "";
  std::chrono::seconds limit{};
  switch (stage) {
    case HttpReadStage::kIdle:
      InputCounters::add(counters_->closed_idle);
      return;  // keep-alive ending quietly is no news
    case HttpReadStage::kHeader:
      InputCounters::add(counters_->header_timeouts);
      what = "request headers not complete";
      limit = config_.header_timeout;
      break;
    case HttpReadStage::kBody:
      InputCounters::add(counters_->body_timeouts);
      what = "request body not complete";
      limit = config_.body_timeout;
      break;
  }
  uint64_t suppressed = 0;
  if (timeout_log_.allow(&suppressed)) {
    spdlog::warn(
        "input '{}': closing connection from {}: {} within {}s ({}; {} similar suppressed)", name(),
        s->peer, what, limit.count(),
        stage == HttpReadStage::kHeader ? "header_timeout" : "body_timeout", suppressed);
  }
}

void HttpInput::Impl::reject(const SessionPtr& s, http::status status, const std::string& why,
                             bool close_after) {
  InputCounters::add(counters_->requests_rejected);
  uint64_t suppressed = 0;
  if (reject_log_.allow(&suppressed)) {
    spdlog::warn("input '{}': {} from {}: {} ({} similar suppressed)", name(),
                 static_cast<unsigned>(status), s->peer, why, suppressed);
  }
  reply(s, status, "{\"error\":\"" + json_escape(why) + "\"}", close_after);
}

void HttpInput::Impl::on_request(const SessionPtr& s, const error_code& ec, HttpReadStage stage) {
  if (s->closed) return;
  if (ec) {
    if (ec == beast::error::timeout) {
      note_timeout(s, stage);
      close(s);
      return;
    }
    if (is_peer_gone(ec)) {
      close(s);
      return;
    }
    if (ec == http::error::body_limit) {
      reject(s, http::status::payload_too_large,
             "body over " + std::to_string(config_.max_body_bytes) + " bytes (max_body_bytes)",
             true);
      return;
    }
    if (ec == http::error::header_limit) {
      reject(s, http::status::request_header_fields_too_large, "headers too large", true);
      return;
    }
    reject(s, http::status::bad_request, "bad HTTP request: " + ec.message(), true);
    return;
  }
  handle(s);
}

void HttpInput::Impl::handle(const SessionPtr& s) {
  listener_.busy(s->id, true);  // until the answer is written and the next read begins
  const HttpRequest& req = s->parser->get();
  s->keep_alive = req.keep_alive();
  const int64_t now = now_us();
  LineMeta meta;
  meta.peer = s->peer;
  meta.receive_time_us = now;
  const HttpVerdict verdict =
      requests_.read(req, SyslogParseOptions{&zone_, now},
                     [&](std::string_view raw, const BodyFields& fields, uint32_t flags) {
                       LineMeta m = meta;
                       m.flags = flags;
                       if (!builder_.add_parsed(raw, fields, m)) return false;
                       if (builder_.full()) {
                         flush();
                       } else if (builder_.size() == 1) {
                         arm_flush_timer();
                       }
                       return true;
                     });
  if (!verdict.ok()) {
    if (verdict.malformed_body) InputCounters::add(counters_->malformed);
    reject(s, verdict.status, verdict.why);
    return;
  }
  s->accepted = verdict.accepted;
  s->malformed = verdict.malformed;
  InputCounters::add(counters_->malformed, verdict.skipped);

  if (s->accepted == 0 || !config_.acknowledgements) {
    reply_accepted(s);
    return;
  }
  // The answer waits for the store: the request's number rides with its last event.
  s->waiting_seq = ++next_seq_;
  builder_.set_position(kPositionStream, s->waiting_seq);
  waiting_.emplace(s->waiting_seq, s);
  s->ack_timer.expires_after(config_.ack_timeout);
  s->ack_timer.async_wait([this, s](const error_code& ec) {
    if (ec || s->closed || s->waiting_seq == 0) return;
    waiting_.erase(s->waiting_seq);
    s->waiting_seq = 0;
    InputCounters::add(counters_->requests_rejected);
    reply(s, http::status::service_unavailable,
          "{\"error\":\"not stored within " + std::to_string(config_.ack_timeout.count()) +
              "s; send again\"}");
  });
}

void HttpInput::Impl::reply_accepted(const SessionPtr& s) {
  reply(s, http::status::ok,
        "{\"accepted\":" + std::to_string(s->accepted) +
            ",\"malformed\":" + std::to_string(s->malformed) + "}");
}

void HttpInput::Impl::complete_up_to(uint64_t seq) {
  while (!waiting_.empty() && waiting_.begin()->first <= seq) {
    SessionPtr s = waiting_.begin()->second;
    waiting_.erase(waiting_.begin());
    if (s->closed || s->waiting_seq == 0) continue;
    s->waiting_seq = 0;
    s->ack_timer.cancel();
    reply_accepted(s);
  }
}

void HttpInput::Impl::reply(const SessionPtr& s, http::status status, std::string body,
                            bool close_after) {
  if (s->closed) return;
  const unsigned version = s->parser ? s->parser->get().version() : 11;
  s->response = http::response<http::string_body>(status, version);
  s->response.set(http::field::server, "wardsoc");
  s->response.set(http::field::content_type, "application/json");
  if (status == http::status::unauthorized) {
    s->response.set(http::field::www_authenticate, "Bearer");
  }
  if (status == http::status::method_not_allowed) s->response.set(http::field::allow, "POST");
  if (status == http::status::service_unavailable) s->response.set(http::field::retry_after, "5");
  const bool keep = s->keep_alive && !close_after && !stopping_;
  s->response.keep_alive(keep);
  s->response.body() = std::move(body);
  s->response.prepare_payload();
  counters_->count_response(static_cast<unsigned>(status));
  listener_.busy(s->id, true);
  s->stream.expires_after(config_.body_timeout);
  http::async_write(s->stream, s->response, [this, s, keep](const error_code& ec, size_t) {
    if (ec || !keep) {
      if (!ec) {
        error_code ignored;
        s->stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
      }
      close(s);
      return;
    }
    read_request(s);
  });
}

void HttpInput::Impl::close(const SessionPtr& s) {
  if (s->closed) return;
  s->closed = true;
  if (s->waiting_seq != 0) {
    waiting_.erase(s->waiting_seq);
    s->waiting_seq = 0;
  }
  s->ack_timer.cancel();
  sessions_.erase(s->id);
  listener_.closed(s->id);
  error_code ignored;
  s->stream.socket().close(ignored);
  if (s->parked) {
    s->parked = false;
    std::erase(parked_, s);
  }
}

void HttpInput::Impl::flush() {
  if (!builder_.empty()) handoff_.push(builder_.take());
}

void HttpInput::Impl::resume_parked() {
  std::vector<SessionPtr> resumed;
  resumed.swap(parked_);
  for (auto& s : resumed) {
    s->parked = false;
    if (!s->closed) read_request(s);
  }
}

void HttpInput::Impl::arm_flush_timer() {
  if (flush_timer_armed_ || stopping_) return;
  flush_timer_armed_ = true;
  flush_timer_.expires_at(builder_.deadline());
  flush_timer_.async_wait([this](const error_code& ec) {
    flush_timer_armed_ = false;
    if (ec || stopping_ || builder_.empty()) return;
    if (builder_.due(BatchBuilder::Clock::now())) {
      flush();
    } else {
      arm_flush_timer();
    }
  });
}

void HttpInput::Impl::on_stop() {
  stopping_ = true;
  flush_timer_.cancel();
  handoff_.stop();
  // Requests still waiting for the store get a clear "send again".
  std::vector<SessionPtr> all;
  for (auto& [id, s] : sessions_) all.push_back(s);
  for (auto& s : all) {
    if (s->waiting_seq != 0) {
      waiting_.erase(s->waiting_seq);
      s->waiting_seq = 0;
      s->ack_timer.cancel();
      error_code e;
      s->stream.socket().non_blocking(false, e);
      const std::string body = "{\"error\":\"shutting down; send again\"}";
      const std::string msg =
          "HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\n"
          "Retry-After: 5\r\nConnection: close\r\nContent-Length: " +
          std::to_string(body.size()) + "\r\n\r\n" + body;
      asio::write(s->stream.socket(), asio::buffer(msg), e);
      if (!e) counters_->count_response(503);
    }
    close(s);
  }
}

void HttpInput::Impl::flush_remaining() {
  handoff_.push_at_stop(builder_.empty() ? EventBatch() : builder_.take());
}

HttpInput::HttpInput(const HttpInputConfig& config, BatchQueue& queue, const cctz::time_zone& zone,
                     const IngestContext& context)
    : name_(config.common.name),
      acknowledgements_(config.acknowledgements),
      impl_(std::make_unique<Impl>(config, queue, zone, context, &counters_)) {
  counters_.speaks_http = true;
}

HttpInput::~HttpInput() { stop(); }

std::string HttpInput::local_endpoint() const { return impl_->listener().local_endpoint(); }

Status HttpInput::start() {
  if (Status s = impl_->listener().start(); !s.ok()) return s;
  {
    std::lock_guard lock(mu_);
    started_ = true;
  }
  spdlog::info("input '{}': listening for events on HTTP {}", name_, local_endpoint());
  return ok_status();
}

void HttpInput::stop() {
  {
    std::lock_guard lock(mu_);
    stopped_ = true;
  }
  if (!impl_->listener().stop()) return;
  impl_->flush_remaining();
  const InputStats s = counters_.snapshot();
  spdlog::info("input '{}': stopped ({} events{})", name_, s.lines, connection_summary(s));
}

void HttpInput::acknowledge(const InputPosition& pos) {
  InputCounters::add(counters_.acknowledged);
  {
    std::lock_guard lock(mu_);
    if (!started_ || stopped_) return;
  }
  impl_->acknowledged(pos.position);
}

Result<std::unique_ptr<HttpInput>> HttpInput::Open(const HttpInputConfig& cfg, BatchQueue& queue,
                                                   const cctz::time_zone& zone,
                                                   const IngestContext& ctx) {
  auto invalid = [](std::string message) {
    return Error(Errc::kInvalidArgument, std::move(message));
  };
  if (cfg.address.empty()) return invalid("address: missing");
  if (cfg.tokens.empty()) return invalid("tokens: missing (at least one token)");
  if (cfg.path.empty() || cfg.path.front() != '/') return invalid("path: must start with '/'");
  if (cfg.max_body_bytes == 0) return invalid("max_body_bytes: must be positive");
  if (cfg.max_connections == 0) return invalid("max_connections: must be at least 1");
  for (const auto& [key, value] : {std::pair{"idle_timeout", cfg.idle_timeout},
                                   std::pair{"header_timeout", cfg.header_timeout},
                                   std::pair{"body_timeout", cfg.body_timeout}}) {
    if (value.count() < 1) return invalid(std::string(key) + ": must be at least 1s");
  }
  return std::make_unique<HttpInput>(cfg, queue, zone, ctx);
}

}  // namespace wardsoc
