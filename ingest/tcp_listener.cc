#include "ingest/tcp_listener.h"

#include <spdlog/spdlog.h>
#include <sys/ioctl.h>

#include <algorithm>
#include <boost/asio/ip/v6_only.hpp>
#include <boost/asio/post.hpp>

#include "core/thread_name.h"
#include "ingest/batch_builder.h"

namespace wardsoc {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using boost::system::error_code;

namespace {
// While the queue is full, how often to offer the kept batches again.
constexpr auto kRetryInterval = std::chrono::milliseconds(2);

std::string endpoint_text(const tcp::endpoint& ep) {
  const std::string host = peer_address_text(ep.address());
  const bool v6 = host.find(':') != std::string::npos;
  return (v6 ? "[" + host + "]" : host) + ":" + std::to_string(ep.port());
}
}  // namespace

std::string connection_summary(const InputStats& s) {
  std::string out;
  auto add = [&](uint64_t n, const std::string& what) {
    if (n == 0) return;
    out += (out.empty() ? "" : ", ") + std::to_string(n) + " " + what;
  };
  if (s.connections_refused != 0) {
    add(s.connections_refused, "connections refused (" + std::to_string(s.refused_global) +
                                   " max_connections, " + std::to_string(s.refused_per_source) +
                                   " per source)");
  }
  add(s.evicted, "idle closed to make room");
  add(s.closed_idle, "closed idle");
  add(s.header_timeouts, "header timeouts");
  add(s.body_timeouts, "body timeouts");
  add(s.handshake_timeouts, "TLS handshake timeouts");
  if (!s.http_responses.empty()) {
    out += out.empty() ? "answers " : "; answers ";
    for (size_t i = 0; i < s.http_responses.size(); ++i) {
      out += (i == 0 ? "" : ", ") + std::to_string(s.http_responses[i].first) + ": " +
             std::to_string(s.http_responses[i].second);
    }
  }
  return out.empty() ? out : "; " + out;
}

std::string peer_address_text(const asio::ip::address& a) {
  if (a.is_v6() && a.to_v6().is_v4_mapped()) {
    return asio::ip::make_address_v4(asio::ip::v4_mapped, a.to_v6()).to_string();
  }
  return a.to_string();
}

TcpListener::TcpListener(const TcpListenerOptions& options, InputCounters* counters,
                         Handler* handler)
    : options_(options),
      counters_(counters),
      handler_(handler),
      work_(asio::make_work_guard(io_)),
      acceptor_(io_),
      backoff_timer_(io_),
      backoff_(options.accept_backoff_initial) {
  counters_->accepts_connections = true;
}

TcpListener::~TcpListener() { stop(); }

std::string TcpListener::local_endpoint() const {
  std::lock_guard lock(mu_);
  return local_endpoint_;
}

Status TcpListener::open() {
  const std::string where = options_.address + ":" + std::to_string(options_.port);
  const std::string prefix = "cannot listen on " + options_.protocol + " " + where + ": ";
  auto fail = [&](std::string_view what, const error_code& ec) {
    return Error(Errc::kIo, prefix + std::string(what) + ": " + ec.message());
  };
  error_code ec;
  tcp::endpoint ep;
  const asio::ip::address addr = asio::ip::make_address(options_.address, ec);
  if (!ec) {
    ep = tcp::endpoint(addr, options_.port);
  } else {
    tcp::resolver resolver(io_);
    auto results = resolver.resolve(options_.address, std::to_string(options_.port),
                                    tcp::resolver::passive | tcp::resolver::numeric_service, ec);
    if (ec || results.empty()) {
      return Error(Errc::kInvalidArgument,
                   prefix + "address: " + (ec ? ec.message() : "no such host"));
    }
    ep = results.begin()->endpoint();
  }
  if (acceptor_.open(ep.protocol(), ec); ec) return fail("socket", ec);
  // A restart must not wait for the previous run's connections to leave TIME_WAIT.
  acceptor_.set_option(tcp::acceptor::reuse_address(true), ec);
  if (ep.protocol() == tcp::v6()) acceptor_.set_option(asio::ip::v6_only(false), ec);
  if (acceptor_.bind(ep, ec); ec) return fail("bind", ec);
  if (acceptor_.listen(asio::socket_base::max_listen_connections, ec); ec) {
    return fail("listen", ec);
  }
  const tcp::endpoint local = acceptor_.local_endpoint(ec);
  if (ec) return fail("getsockname", ec);
  local_endpoint_ = endpoint_text(local);
  return ok_status();
}

Status TcpListener::start() {
  std::lock_guard lock(mu_);
  if (started_) return Error(Errc::kInvalidArgument, "input already started");
  if (Status s = open(); !s.ok()) return s;
  started_ = true;
  // spdlog creates its default logger on first use. Done here, before the I/O thread can
  // log, so that ThreadSanitizer (which cannot see the set-up inside libspdlog) does not
  // take the thread's first warning and this thread's first line for a race.
  spdlog::default_logger_raw();
  std::string tname =
      options_.thread_name.empty() ? "in:" + options_.input_name : options_.thread_name;
  thread_ = std::thread([this, tname = std::move(tname)] {
    set_thread_name(tname);
    accept();
    io_.run();
  });
  return ok_status();
}

bool TcpListener::stop() {
  {
    std::lock_guard lock(mu_);
    if (!started_ || stopped_) return false;
    stopped_ = true;
  }
  asio::post(io_, [this] { shutdown(); });
  thread_.join();
  return true;
}

namespace {
// `who`: "input 'syslog-tcp'", "api".
void warn_limited(LogLimiter& limiter, const std::string& who, const std::string& text) {
  uint64_t suppressed = 0;
  if (!limiter.allow(&suppressed)) return;
  if (suppressed == 0) {
    spdlog::warn("{}: {}", who, text);
  } else {
    spdlog::warn("{}: {} ({} similar warnings suppressed)", who, text, suppressed);
  }
}
}  // namespace

void TcpListener::warn_limited(LogLimiter& limiter, const std::string& text) {
  wardsoc::warn_limited(
      limiter,
      options_.log_name.empty() ? "input '" + options_.input_name + "'" : options_.log_name, text);
}

void TcpListener::accept() {
  acceptor_.async_accept(
      [this](const error_code& ec, Socket socket) { on_accept(ec, std::move(socket)); });
}

void TcpListener::on_accept(const error_code& ec, Socket socket) {
  if (stopping_ || ec == asio::error::operation_aborted) return;
  if (ec) {
    retry_accept_later(ec);
    return;
  }
  backoff_ = options_.accept_backoff_initial;
  error_code peer_ec;
  const tcp::endpoint remote = socket.remote_endpoint(peer_ec);
  const std::string peer = peer_ec ? std::string() : peer_address_text(remote.address());
  if (!admit(peer)) {
    error_code ignored;
    socket.close(ignored);
    accept();
    return;
  }
  const uint64_t id = next_id_++;
  open_.emplace(id, OpenConnection{peer, Clock::now(), socket.native_handle(), false, false});
  ++per_source_[peer];
  InputCounters::add(counters_->connections_total);
  InputCounters::add(counters_->connections_open);
  handler_->on_connection(std::move(socket), id, peer);
  accept();
}

// Accepting again at once would fail the same way (the descriptor table is still full)
// and spin a core; connections wait in the kernel's backlog meanwhile.
void TcpListener::retry_accept_later(const error_code& ec) {
  InputCounters::add(counters_->errors);
  InputCounters::add(counters_->accept_errors);
  warn_limited(error_log_, "accept: " + ec.message() + "; next try in " +
                               std::to_string(backoff_.count()) + " ms");
  backoff_timer_.expires_after(backoff_);
  backoff_ = std::min(backoff_ * 2, options_.accept_backoff_max);
  backoff_timer_.async_wait([this](const error_code& e) {
    if (!e && !stopping_) accept();
  });
}

std::unordered_map<uint64_t, TcpListener::OpenConnection>::iterator TcpListener::oldest_idle(
    const std::string* peer) {
  const Clock::time_point now = Clock::now();
  const Clock::time_point idle_since = now - options_.idle_after;
  for (;;) {
    auto best = open_.end();
    auto silent = open_.end();  // the oldest that never sent a byte
    for (auto it = open_.begin(); it != open_.end(); ++it) {
      const OpenConnection& c = it->second;
      if (c.busy || (c.sent && c.last_activity > idle_since)) continue;
      if (peer != nullptr && c.peer != *peer) continue;
      if (c.last_activity <= idle_since) {
        if (best == open_.end() || c.last_activity < best->second.last_activity) best = it;
      } else if (silent == open_.end() || c.last_activity < silent->second.last_activity) {
        silent = it;
      }
    }
    const auto pick = best != open_.end() ? best : silent;
    if (pick == open_.end()) return pick;
    int unread = 0;
    if (::ioctl(pick->second.fd, FIONREAD, &unread) != 0 || unread == 0) return pick;
    // The sender did send; this thread has not read it yet. Look again without it.
    pick->second.last_activity = now;
    pick->second.sent = true;
  }
}

bool TcpListener::evict(std::unordered_map<uint64_t, OpenConnection>::iterator victim) {
  if (victim == open_.end()) return false;
  const uint64_t id = victim->first;
  const std::string peer = victim->second.peer;
  const bool victim_sent = victim->second.sent;
  const auto idle =
      std::chrono::duration_cast<std::chrono::seconds>(Clock::now() - victim->second.last_activity);
  handler_->on_evict(id);
  if (open_.count(id) != 0) closed(id);  // a handler that did not say so
  InputCounters::add(counters_->evicted);
  warn_limited(evict_log_, "closed an idle connection from " + peer + " (" +
                               (victim_sent ? "no byte for " + std::to_string(idle.count()) + "s"
                                            : std::string("no byte since it connected")) +
                               ") to make room for a new one");
  return true;
}

bool TcpListener::admit(const std::string& peer) {
  const size_t per_source_limit = options_.max_connections_per_source;
  if (per_source_limit != 0) {
    auto it = per_source_.find(peer);
    if (it != per_source_.end() && it->second >= per_source_limit && !evict(oldest_idle(&peer))) {
      InputCounters::add(counters_->connections_refused);
      InputCounters::add(counters_->refused_per_source);
      warn_limited(refuse_log_, "refused a connection from " + peer + ": " +
                                    std::to_string(per_source_limit) +
                                    " connections from that address are open and none is idle "
                                    "(max_connections_per_source)");
      return false;
    }
  }
  if (open_.size() < options_.max_connections || evict(oldest_idle(nullptr))) return true;
  InputCounters::add(counters_->connections_refused);
  InputCounters::add(counters_->refused_global);
  warn_limited(refuse_log_, "refused a connection from " + peer + ": " +
                                std::to_string(options_.max_connections) +
                                " connections are open and none is idle (max_connections)");
  return false;
}

void TcpListener::closed(uint64_t id) {
  auto it = open_.find(id);
  if (it == open_.end()) return;
  auto src = per_source_.find(it->second.peer);
  if (src != per_source_.end() && --src->second == 0) per_source_.erase(src);
  open_.erase(it);
  InputCounters::sub(counters_->connections_open);
}

void TcpListener::activity(uint64_t id) {
  auto it = open_.find(id);
  if (it == open_.end()) return;
  it->second.last_activity = Clock::now();
  it->second.sent = true;
}

void TcpListener::busy(uint64_t id, bool busy) {
  auto it = open_.find(id);
  if (it == open_.end()) return;
  it->second.busy = busy;
  it->second.last_activity = Clock::now();
}

void TcpListener::shutdown() {
  stopping_ = true;
  error_code ignored;
  acceptor_.close(ignored);
  backoff_timer_.cancel();
  handler_->on_stop();
  work_.reset();
}

BatchHandoff::BatchHandoff(TcpListener& listener, BatchQueue& queue, InputCounters* counters,
                           std::string input_name, std::string unit, std::function<void()> on_room)
    : queue_(queue),
      counters_(counters),
      input_name_(std::move(input_name)),
      unit_(std::move(unit)),
      on_room_(std::move(on_room)),
      retry_timer_(listener.executor()) {}

void BatchHandoff::push(EventBatch batch) {
  pending_.push_back(std::move(batch));
  push_pending();
}

void BatchHandoff::push_pending() {
  while (!pending_.empty()) {
    if (queue_.try_push(pending_.front())) {
      InputCounters::add(counters_->batches);
      pending_.pop_front();
      continue;
    }
    if (queue_.closed()) {
      size_t lost = 0;
      for (const auto& b : pending_) lost += b.size();
      pending_.clear();
      InputCounters::add(counters_->dropped, lost);
      spdlog::error("input '{}': event queue closed, {} {} lost", input_name_, lost, unit_);
      break;
    }
    if (stopping_) return;  // push_at_stop() hands them on, waiting for room
    if (!retry_armed_) {
      warn_limited(pause_log_, "input '" + input_name_ + "'",
                   "event queue full; reading paused until there is room");
      retry_armed_ = true;
      retry_timer_.expires_after(kRetryInterval);
      retry_timer_.async_wait([this](const error_code& ec) {
        retry_armed_ = false;
        if (!ec && !stopping_) push_pending();
      });
    }
    return;
  }
  if (!stopping_ && on_room_) on_room_();
}

void BatchHandoff::stop() {
  stopping_ = true;
  retry_timer_.cancel();
}

void BatchHandoff::push_at_stop(EventBatch last) {
  if (!last.empty()) pending_.push_back(std::move(last));
  for (EventBatch& batch : pending_) {
    wardsoc::push_at_stop(batch, queue_, *counters_, input_name_, unit_);
  }
  pending_.clear();
}

}  // namespace wardsoc
