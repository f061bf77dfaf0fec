// SyslogUdpInput: syslog over UDP (RFC 5426), one datagram per message, IPv4 and IPv6.
// UDP senders cannot be slowed down, so when the queue is full the batch is dropped
// and counted in stats().dropped; datagrams the kernel drops because the socket's receive
// buffer is full (receive_buffer_bytes) are counted in stats().kernel_dropped, from the
// socket's own drop counter (SO_RXQ_OVFL with each datagram, SO_MEMINFO in between). Use
// TCP or files where loss matters.
//
// Thread safety: see Input. Receiving runs on one thread owned by the input, started
// by start() and joined by stop().
#pragma once

#include <cctz/time_zone.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "core/batch_queue.h"
#include "core/result.h"
#include "ingest/batch_builder.h"
#include "ingest/ingest_context.h"
#include "ingest/input.h"
#include "ingest/input_counters.h"
#include "ingest/log_limiter.h"
#include "ingest/syslog/syslog_input_config.h"

namespace wardsoc {

class SyslogUdpInput final : public Input {
 public:
  // Checks the settings (the error names the key: "max_connections: must be at least
  // 1") and builds the input; nothing is opened or bound until start(). What
  // make_input() calls for this type.
  static Result<std::unique_ptr<SyslogUdpInput>> Open(const SyslogUdpConfig& cfg, BatchQueue& queue,
                                                      const cctz::time_zone& zone,
                                                      const IngestContext& ctx);
  // Does not touch the network; start() binds. `queue` must outlive the input.
  SyslogUdpInput(const SyslogUdpConfig& config, BatchQueue& queue, const cctz::time_zone& zone,
                 const IngestContext& context = {});
  ~SyslogUdpInput() override;

  const std::string& name() const override { return config_.common.name; }
  bool can_acknowledge() const override { return false; }
  Status start() override;
  void stop() override;
  bool drained() const override { return false; }
  InputStats stats() const override { return counters_.snapshot(); }
  std::string local_endpoint() const override;

 private:
  void run();
  // Reads what the socket holds, up to `rounds` recvmmsg calls; false once it is empty.
  bool receive(int rounds);
  void flush_or_drop();
  void flush_blocking();
  void read_socket_drops();
  void note_kernel_drops(uint32_t total);

  struct Slots;  // recvmmsg buffers, used by the receiving thread only
  const SyslogUdpConfig config_;
  BatchQueue& queue_;
  InputCounters counters_;
  BatchBuilder builder_;
  LogLimiter drop_log_;
  LogLimiter error_log_;
  LogLimiter kernel_drop_log_;
  uint32_t kernel_drops_seen_ = 0;  // receiving thread
  std::chrono::steady_clock::time_point last_drop_poll_{};

  mutable std::mutex mu_;  // guards the lifecycle fields below
  bool started_ = false;
  bool stopped_ = false;
  std::string local_endpoint_;
  int fd_ = -1;
  int wake_fd_ = -1;  // an eventfd: stop() writes to it to end the thread's poll()
  std::unique_ptr<Slots> slots_;
  std::thread thread_;
};

}  // namespace wardsoc
