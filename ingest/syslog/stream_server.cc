#include "ingest/syslog/stream_server.h"

#include <spdlog/spdlog.h>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/steady_timer.hpp>
#include <unordered_map>
#include <vector>

#include "core/time.h"
#include "ingest/batch_builder.h"
#include "ingest/log_limiter.h"
#include "ingest/syslog/tls_context_impl.h"
#include "ingest/syslog_framer.h"
#include "ingest/tcp_listener.h"

namespace wardsoc {

namespace asio = boost::asio;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;
using boost::system::error_code;
using Clock = std::chrono::steady_clock;

namespace {
constexpr size_t kReadBytes = 64 * 1024;
// At shutdown, bytes the kernel already took from a sender are read before closing,
// up to this much per connection (a sender that keeps writing must not delay stop()).
constexpr size_t kShutdownDrainBytes = 16u << 20;

TcpListenerOptions listener_options(const InputCommon& common, const StreamServerOptions& options,
                                    const char* protocol) {
  TcpListenerOptions o;
  o.input_name = common.name;
  o.protocol = protocol;
  o.address = options.address;
  o.port = options.port;
  o.max_connections = options.max_connections;
  o.max_connections_per_source = options.max_connections_per_source;
  o.idle_after = options.evict_idle_after;
  return o;
}

// A peer that closes without TLS close_notify (most syslog senders on shutdown) has
// still sent everything it meant to.
bool is_end_of_stream(const error_code& ec) {
  return ec == asio::error::eof || ec == ssl::error::stream_truncated;
}
}  // namespace

// Runs entirely on the listener's I/O thread once started, except flush_remaining(),
// which stop() calls after that thread has been joined.
class StreamServer::Impl final : public TcpListener::Handler {
 public:
  Impl(const InputCommon& common, const StreamServerOptions& options, BatchQueue& queue,
       const cctz::time_zone& zone, const IngestContext& context, InputCounters* counters,
       const char* protocol)
      : common_(common),
        options_(options),
        counters_(counters),
        builder_(common_, zone, counters, context, /*live=*/true),
        listener_(listener_options(common, options, protocol), counters, this),
        handoff_(listener_, queue, counters, common.name, "lines", [this] { resume_parked(); }),
        flush_timer_(listener_.executor()) {}

  TcpListener& listener() { return listener_; }
  void flush_remaining();

  void on_connection(tcp::socket socket, uint64_t id, const std::string& peer) override;
  void on_evict(uint64_t id) override;
  void on_stop() override;

 private:
  struct Connection {
    Connection(tcp::socket s, size_t max_line_bytes, uint64_t connection_id,
               TlsServerContext* tls_context)
        : socket(std::move(s)),
          timer(socket.get_executor()),
          framer(max_line_bytes),
          buffer(new char[kReadBytes]),
          id(connection_id) {
      if (tls_context != nullptr) {
        tls = std::make_unique<ssl::stream<tcp::socket&>>(socket, tls_context->ssl);
      }
    }

    tcp::socket socket;
    std::unique_ptr<ssl::stream<tcp::socket&>> tls;  // over `socket`; null for plain TCP
    asio::steady_timer timer;                        // handshake, then idle timeout
    SyslogFramer framer;
    std::unique_ptr<char[]> buffer;
    std::string peer;
    Clock::time_point last_activity;
    uint64_t id;
    uint64_t framing_errors_seen = 0;
    bool handshaking = false;
    bool reading = false;  // an async read is outstanding
    bool parked = false;   // waiting for room in the queue
    bool closed = false;
  };
  using ConnectionPtr = std::shared_ptr<Connection>;

  const std::string& name() const { return common_.name; }
  bool paused() const { return handoff_.waiting(); }

  void start_handshake(const ConnectionPtr& c);
  void begin_reading(const ConnectionPtr& c);
  void read(const ConnectionPtr& c);
  void on_read(const ConnectionPtr& c, const error_code& ec, size_t n);
  void consume(Connection& c, std::string_view data);
  void add_line(Connection& c, std::string_view line, uint32_t flags, int64_t now);
  void note_framing(Connection& c);
  void close(const ConnectionPtr& c);
  void park(const ConnectionPtr& c);
  void drain_and_close(const ConnectionPtr& c);
  void resume_parked();
  void flush();
  void arm_flush_timer();
  void arm_idle_timer(const ConnectionPtr& c);
  void warn_limited(LogLimiter& limiter, const std::string& text);

  const InputCommon common_;
  const StreamServerOptions options_;
  InputCounters* const counters_;
  BatchBuilder builder_;
  TcpListener listener_;  // before the handoff and the timer: they run on its I/O thread
  BatchHandoff handoff_;  // while it holds a batch, no socket is read
  asio::steady_timer flush_timer_;
  bool flush_timer_armed_ = false;
  bool stopping_ = false;

  std::unordered_map<uint64_t, ConnectionPtr> connections_;
  std::vector<ConnectionPtr> parked_;

  LogLimiter error_log_;
  LogLimiter handshake_log_;
  LogLimiter framing_log_;
  LogLimiter idle_log_;
};

void StreamServer::Impl::warn_limited(LogLimiter& limiter, const std::string& text) {
  uint64_t suppressed = 0;
  if (!limiter.allow(&suppressed)) return;
  if (suppressed == 0) {
    spdlog::warn("input '{}': {}", name(), text);
  } else {
    spdlog::warn("input '{}': {} ({} similar warnings suppressed)", name(), text, suppressed);
  }
}

void StreamServer::Impl::on_connection(tcp::socket socket, uint64_t id, const std::string& peer) {
  auto c = std::make_shared<Connection>(std::move(socket), common_.max_line_bytes, id,
                                        options_.tls.get());
  c->peer = peer;
  c->last_activity = Clock::now();
  connections_.emplace(c->id, c);
  spdlog::debug("input '{}': connection from {}", name(), c->peer);
  if (c->tls) {
    start_handshake(c);
  } else {
    begin_reading(c);
  }
}

void StreamServer::Impl::on_evict(uint64_t id) {
  auto it = connections_.find(id);
  if (it == connections_.end()) return;
  const ConnectionPtr c = it->second;
  spdlog::debug("input '{}': closing idle connection from {} to make room", name(), c->peer);
  close(c);
}

void StreamServer::Impl::park(const ConnectionPtr& c) {
  c->parked = true;
  parked_.push_back(c);
  listener_.busy(c->id, true);  // waiting on our queue is not the sender being idle
}

void StreamServer::Impl::start_handshake(const ConnectionPtr& c) {
  c->handshaking = true;
  c->timer.expires_after(options_.tls->handshake_timeout);
  c->timer.async_wait([this, c](const error_code& ec) {
    if (ec || c->closed || !c->handshaking) return;
    InputCounters::add(counters_->tls_handshake_failures);
    InputCounters::add(counters_->handshake_timeouts);
    warn_limited(handshake_log_, "TLS handshake with " + c->peer + " failed: no handshake within " +
                                     std::to_string(options_.tls->handshake_timeout.count()) + "s");
    close(c);
  });
  c->tls->async_handshake(ssl::stream_base::server, [this, c](const error_code& ec) {
    c->handshaking = false;
    if (c->closed) return;
    if (ec) {
      InputCounters::add(counters_->tls_handshake_failures);
      warn_limited(handshake_log_, "TLS handshake with " + c->peer + " failed: " + ec.message());
      close(c);
      return;
    }
    c->timer.cancel();
    if (stopping_) {
      drain_and_close(c);
      return;
    }
    begin_reading(c);
  });
}

void StreamServer::Impl::begin_reading(const ConnectionPtr& c) {
  c->last_activity = Clock::now();
  arm_idle_timer(c);
  if (paused()) {
    park(c);
  } else {
    read(c);
  }
}

void StreamServer::Impl::read(const ConnectionPtr& c) {
  c->reading = true;
  auto handler = [this, c](const error_code& ec, size_t n) { on_read(c, ec, n); };
  if (c->tls) {
    c->tls->async_read_some(asio::buffer(c->buffer.get(), kReadBytes), std::move(handler));
  } else {
    c->socket.async_read_some(asio::buffer(c->buffer.get(), kReadBytes), std::move(handler));
  }
}

void StreamServer::Impl::on_read(const ConnectionPtr& c, const error_code& ec, size_t n) {
  c->reading = false;
  if (c->closed) return;
  if (n > 0) {
    c->last_activity = Clock::now();
    listener_.activity(c->id);
    consume(*c, std::string_view(c->buffer.get(), n));
  }
  if (stopping_) {
    drain_and_close(c);
    return;
  }
  if (ec) {
    if (!is_end_of_stream(ec)) {
      InputCounters::add(counters_->errors);
      warn_limited(error_log_, "connection from " + c->peer + ": " + ec.message());
    }
    close(c);
    return;
  }
  if (paused()) {
    park(c);
  } else {
    read(c);
  }
}

void StreamServer::Impl::consume(Connection& c, std::string_view data) {
  const int64_t now = now_us();
  c.framer.feed(data,
                [&](std::string_view line, uint32_t flags) { add_line(c, line, flags, now); });
  note_framing(c);
}

void StreamServer::Impl::note_framing(Connection& c) {
  const uint64_t errors = c.framer.framing_errors();
  if (errors == c.framing_errors_seen) return;
  InputCounters::add(counters_->framing_errors, errors - c.framing_errors_seen);
  c.framing_errors_seen = errors;
  warn_limited(framing_log_, "connection from " + c.peer +
                                 ": octet-counted framing broken (a count that does not match "
                                 "the message); reading on as lines");
}

void StreamServer::Impl::add_line(Connection& c, std::string_view line, uint32_t flags,
                                  int64_t now) {
  if (!builder_.add(line, flags, c.peer, now)) return;
  if (builder_.full()) {
    flush();
  } else if (builder_.size() == 1) {
    arm_flush_timer();
  }
}

// The peer's last line needs no LF: closing the connection ends it.
void StreamServer::Impl::close(const ConnectionPtr& c) {
  if (c->closed) return;
  // Marked first: handing over the last line may resume parked connections, not this one.
  c->closed = true;
  c->framer.finish(
      [&](std::string_view line, uint32_t flags) { add_line(*c, line, flags, now_us()); });
  note_framing(*c);
  connections_.erase(c->id);
  listener_.closed(c->id);  // before the peer can see the close
  error_code ignored;
  c->socket.close(ignored);
  c->timer.cancel();
  if (c->parked) {
    c->parked = false;
    std::erase(parked_, c);
  }
  spdlog::debug("input '{}': connection from {} closed", name(), c->peer);
}

void StreamServer::Impl::drain_and_close(const ConnectionPtr& c) {
  if (c->closed) return;
  if (!c->handshaking) {
    error_code ec;
    c->socket.non_blocking(true, ec);
    size_t total = 0;
    while (!ec && total < kShutdownDrainBytes) {
      const size_t n = c->tls ? c->tls->read_some(asio::buffer(c->buffer.get(), kReadBytes), ec)
                              : c->socket.read_some(asio::buffer(c->buffer.get(), kReadBytes), ec);
      total += n;
      if (n > 0) consume(*c, std::string_view(c->buffer.get(), n));
    }
  }
  close(c);
}

void StreamServer::Impl::resume_parked() {
  if (parked_.empty()) return;
  std::vector<ConnectionPtr> resumed;
  resumed.swap(parked_);
  const auto now = Clock::now();
  for (auto& c : resumed) {
    c->parked = false;
    if (c->closed) continue;
    c->last_activity = now;  // waiting on our queue is not the sender being idle
    listener_.busy(c->id, false);
    read(c);
  }
}

void StreamServer::Impl::flush() {
  if (!builder_.empty()) handoff_.push(builder_.take());
}

void StreamServer::Impl::arm_flush_timer() {
  if (flush_timer_armed_ || stopping_) return;
  flush_timer_armed_ = true;
  flush_timer_.expires_at(builder_.deadline());
  flush_timer_.async_wait([this](const error_code& ec) {
    flush_timer_armed_ = false;
    if (ec || stopping_ || builder_.empty()) return;
    // The timer may have been set for a batch that was since flushed for being full.
    if (builder_.due(Clock::now())) {
      flush();
    } else {
      arm_flush_timer();
    }
  });
}

void StreamServer::Impl::arm_idle_timer(const ConnectionPtr& c) {
  if (options_.idle_timeout.count() <= 0) return;
  c->timer.expires_at(c->last_activity + options_.idle_timeout);
  c->timer.async_wait([this, c](const error_code& ec) {
    if (ec || c->closed || stopping_) return;
    const auto now = Clock::now();
    if (c->parked) c->last_activity = now;
    if (now - c->last_activity >= options_.idle_timeout) {
      InputCounters::add(counters_->closed_idle);
      uint64_t suppressed = 0;
      if (idle_log_.allow(&suppressed)) {
        spdlog::info(
            "input '{}': closing connection from {}: idle for {}s (idle_timeout; {} similar "
            "suppressed)",
            name(), c->peer, options_.idle_timeout.count(), suppressed);
      }
      close(c);
      return;
    }
    arm_idle_timer(c);
  });
}

void StreamServer::Impl::on_stop() {
  stopping_ = true;
  error_code ignored;
  flush_timer_.cancel();
  handoff_.stop();
  std::vector<ConnectionPtr> open;
  open.reserve(connections_.size());
  for (auto& [id, c] : connections_) open.push_back(c);
  for (auto& c : open) {
    if (c->handshaking) {
      close(c);  // its handshake handler runs next and finds it closed
    } else if (c->reading) {
      // Its read handler runs next, with whatever the read had already received, and
      // drains the socket from there, so the bytes stay in order.
      c->socket.cancel(ignored);
    } else {
      drain_and_close(c);
    }
  }
}

void StreamServer::Impl::flush_remaining() {
  handoff_.push_at_stop(builder_.empty() ? EventBatch() : builder_.take());
}

StreamServer::StreamServer(const InputCommon& common, const StreamServerOptions& options,
                           BatchQueue& queue, const cctz::time_zone& zone,
                           const IngestContext& context, InputCounters* counters)
    : name_(common.name),
      protocol_(options.tls ? "TLS" : "TCP"),
      counters_(counters),
      impl_(std::make_unique<Impl>(common, options, queue, zone, context, counters, protocol_)) {
  counters_->uses_tls = options.tls != nullptr;
}

StreamServer::~StreamServer() { stop(); }

std::string StreamServer::local_endpoint() const { return impl_->listener().local_endpoint(); }

Status StreamServer::start() {
  if (Status s = impl_->listener().start(); !s.ok()) return s;
  spdlog::info("input '{}': listening for syslog on {} {}", name_, protocol_, local_endpoint());
  return ok_status();
}

void StreamServer::stop() {
  if (!impl_->listener().stop()) return;
  // The I/O thread is gone: its batches are ours now, and pushing them may wait.
  impl_->flush_remaining();
  const InputStats s = counters_->snapshot();
  spdlog::info("input '{}': stopped ({} lines from {} connections{})", name_, s.lines,
               s.connections_total, connection_summary(s));
}

}  // namespace wardsoc
