// TcpListener: the one TCP listener under every stream input (syslog over TCP and TLS,
// HTTP): it binds and listens, runs the accept loop and the input's I/O thread, admits
// or refuses each connection, and stops. What a connection carries is the handler's.
//
// Accept errors: a failing accept() (EMFILE/ENFILE when descriptors run out, ENOBUFS,
// ENOMEM) tends to repeat at once, so the loop waits before the next attempt — 100 ms,
// doubling up to 1 s, back to 100 ms after a connection is accepted — instead of
// spinning. Each error is counted in InputStats::accept_errors (and errors) and logged
// with rate limiting. Connections the kernel holds in the backlog meanwhile are served
// once descriptors are free again.
//
// Admission: every accepted connection passes admit() before the handler sees it. The
// listener keeps the table of open connections (id, peer address, when a byte last came,
// whether the connection waits on wardsoc), which the handler keeps current with
// activity(id), busy(id, ...) and closed(id). Two limits apply:
//   - max_connections_per_source: connections open from one peer address. A new one
//     past it makes room by closing that address's oldest idle connection, or is refused.
//   - max_connections: connections open in all. A new one past it makes room by closing
//     the oldest idle connection of any address, or is refused.
// "Idle" is: no byte received for at least `idle_after` (1 s), none waiting unread in the
// socket (a busy I/O thread is not the sender's silence), and not waiting on wardsoc (a
// request being answered, reading paused while the queue is full). When none is idle,
// the oldest connection that has not sent a single byte since it connected makes room:
// a flood of connections that say nothing cannot keep a sender out, since a real sender
// speaks first and is then no longer such a connection. Making room asks the handler to close the
// connection (on_evict), counted in `evicted`; a refused connection is closed at once, counted in
// refused_global or refused_per_source (and connections_refused). Timeouts of a connection's own
// (idle, header, body, TLS handshake) are the handler's, counted by reason in the same counters.
//
// Back-pressure: a stream input hands its full batches to a BatchHandoff, which keeps what
// the queue has no room for and offers it again on the listener's I/O thread (below).
//
// Thread safety: start() and stop() from the owning input's controlling thread, one at a
// time; local_endpoint() and executor() from any thread. Everything else — the
// Handler's calls, closed(), the handler's timers — runs on the I/O thread the listener
// owns. The owner stops the listener before destroying the handler.
#pragma once

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>

#include "core/batch_queue.h"
#include "core/result.h"
#include "ingest/input_counters.h"
#include "ingest/log_limiter.h"

namespace wardsoc {

struct TcpListenerOptions {
  std::string input_name;  // for the thread name ("in:<name>") and log lines
  // For a listener that is no input (the API server): the thread's name and how log
  // lines name the owner, instead of "in:<input_name>" and "input '<input_name>'".
  std::string thread_name;
  std::string log_name;
  std::string protocol;  // "TCP", "TLS", "HTTP": in errors ("cannot listen on TLS ...")
  std::string address = "127.0.0.1";  // an IP address or a host name
  uint16_t port = 0;                  // 0 = any free port
  size_t max_connections = 1024;
  size_t max_connections_per_source = 0;  // 0 = only max_connections
  // A connection that has not sent a byte for this long (and is not busy) is idle: it may
  // be closed to make room for a new one.
  std::chrono::milliseconds idle_after{1000};
  std::chrono::milliseconds accept_backoff_initial{100};
  std::chrono::milliseconds accept_backoff_max{1000};
};

class TcpListener {
 public:
  using Socket = boost::asio::ip::tcp::socket;

  // What an input does with the connections it is given. Every call runs on the I/O
  // thread.
  class Handler {
   public:
    virtual ~Handler() = default;
    // A connection was admitted: the handler owns the socket from here and calls
    // closed(id) when it is done with it. `peer` is the sender's address ("10.0.0.7").
    virtual void on_connection(Socket socket, uint64_t id, const std::string& peer) = 0;
    // The listener needs connection `id`'s slot for a new one (it is idle): close it now,
    // calling closed(id) before this returns.
    virtual void on_evict(uint64_t id) = 0;
    // stop() was called and the acceptor is closed: close or drain every connection and
    // cancel every timer, so that the I/O thread runs out of work and ends.
    virtual void on_stop() = 0;
  };

  // Does not touch the network; start() binds. `counters` and `handler` must outlive
  // the listener.
  TcpListener(const TcpListenerOptions& options, InputCounters* counters, Handler* handler);
  ~TcpListener();
  TcpListener(const TcpListener&) = delete;
  TcpListener& operator=(const TcpListener&) = delete;

  // Binds, listens and starts the I/O thread with the accept loop. The error names the
  // protocol, address:port and the step that failed ("cannot listen on TCP
  // 127.0.0.1:5514: bind: Address already in use").
  Status start();
  // Closes the acceptor, lets the handler close its connections (on_stop) and joins the
  // I/O thread. Idempotent; does nothing before start(). When it returns nothing runs on
  // the I/O thread any more, so the handler's state belongs to the caller again. True
  // when this call was the one that stopped a started listener.
  bool stop();
  // "127.0.0.1:5514" once started (tells the port chosen for port 0), "[::1]:80" for v6.
  std::string local_endpoint() const;

  // The I/O thread's executor, for the handler's timers and posted work.
  boost::asio::io_context::executor_type executor() { return io_.get_executor(); }
  // The handler is done with connection `id` (call before closing its socket, so the
  // open count is right when the peer sees the close). I/O thread only.
  void closed(uint64_t id);
  // Bytes arrived on connection `id`: it is not idle. I/O thread only.
  void activity(uint64_t id);
  // Connection `id` waits on wardsoc (true) — its request is being answered, its reading
  // is paused — so it is not idle however long no byte comes; false when it reads again
  // (counts as activity). I/O thread only.
  void busy(uint64_t id, bool busy);

 private:
  using Clock = std::chrono::steady_clock;
  struct OpenConnection {
    std::string peer;
    Clock::time_point last_activity;
    int fd = -1;  // the socket, open until closed(id): bytes waiting in it are not idleness
    bool busy = false;
    bool sent = false;  // some byte came from it since it connected
  };

  Status open();
  void accept();
  void on_accept(const boost::system::error_code& ec, Socket socket);
  void retry_accept_later(const boost::system::error_code& ec);
  bool admit(const std::string& peer);
  // The idle connection (of `peer`, or of any address when null) silent longest; else the
  // oldest one that has not sent a byte yet; open_.end() if neither.
  std::unordered_map<uint64_t, OpenConnection>::iterator oldest_idle(const std::string* peer);
  bool evict(std::unordered_map<uint64_t, OpenConnection>::iterator victim);
  void shutdown();
  void warn_limited(LogLimiter& limiter, const std::string& text);

  const TcpListenerOptions options_;
  InputCounters* const counters_;
  Handler* const handler_;

  boost::asio::io_context io_{1};
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work_;
  boost::asio::ip::tcp::acceptor acceptor_;
  boost::asio::steady_timer backoff_timer_;
  std::chrono::milliseconds backoff_;
  bool stopping_ = false;  // I/O thread
  std::unordered_map<uint64_t, OpenConnection> open_;
  std::unordered_map<std::string, size_t> per_source_;  // open connections per peer address
  uint64_t next_id_ = 0;
  LogLimiter error_log_;
  LogLimiter refuse_log_;
  LogLimiter evict_log_;

  mutable std::mutex mu_;  // guards the lifecycle fields below
  bool started_ = false;
  bool stopped_ = false;
  std::string local_endpoint_;
  std::thread thread_;
};

// The back-pressure of a stream input (syslog TCP and TLS, HTTP): push() hands a full
// batch to the queue, and a batch the queue has no room for is kept, oldest first, and
// offered again every 2 ms. While any is kept, waiting() is true: the input reads no
// socket, the kernel's buffers fill and TCP makes the senders wait, so nothing is
// dropped, and this holds at most one read's worth of lines per connection. When the last
// one is in, `on_room` runs so that the input reads again. A closed queue (the pipeline
// shutting down out of order) refuses them: the events are counted as dropped and the
// loss logged as an error.
//
// Thread safety: everything on the listener's I/O thread, except push_at_stop(), which the
// owner calls once the listener has stopped.
class BatchHandoff {
 public:
  // `unit` names the events in log lines ("lines", "events"). `queue`, `counters` and the
  // listener must outlive the handoff.
  BatchHandoff(TcpListener& listener, BatchQueue& queue, InputCounters* counters,
               std::string input_name, std::string unit, std::function<void()> on_room);

  void push(EventBatch batch);
  bool waiting() const { return !pending_.empty(); }
  // From the handler's on_stop(): no more retries; what is kept stays for push_at_stop().
  void stop();
  // After the listener stopped: hands on what is kept, then `last` (may be empty), waiting
  // for room in the queue.
  void push_at_stop(EventBatch last);

 private:
  void push_pending();

  BatchQueue& queue_;
  InputCounters* const counters_;
  const std::string input_name_;
  const std::string unit_;
  const std::function<void()> on_room_;
  boost::asio::steady_timer retry_timer_;
  std::deque<EventBatch> pending_;
  bool retry_armed_ = false;
  bool stopping_ = false;
  LogLimiter pause_log_;
};

// What the listener and the handler counted about connections and answers, for an input's
// shutdown log line: "; 3 connections refused (2 max_connections, 1 per source), 4 closed
// idle, 1 evicted, answers 200: 12, 401: 1". Empty when there is nothing to say.
std::string connection_summary(const InputStats& s);

// "10.0.0.7" for an IPv4 peer, also when it arrives on a dual-stack (v4-mapped) socket.
std::string peer_address_text(const boost::asio::ip::address& address);

}  // namespace wardsoc
