// Input: where events enter wardsoc. Six inputs, one folder each with its config, its
// config reader and the input itself: syslog/ (UDP, TCP, TLS), kafka/ (a consumer
// group), file/ (files read once or followed) and http/ (JSON POSTed by cameras and
// scripts); make_input() (input_factory.h) picks one by its config. An input reads on
// its own thread(s), fills EventBatches and hands them to the BatchQueue; when the queue
// is full, inputs that can wait (TCP, TLS, Kafka, file, HTTP) wait and UDP drops and
// counts. Kafka, file and HTTP (with acknowledgements) can acknowledge positions.
//
// Thread safety: start() and stop() are called by the owner, from one thread at a time.
// name(), can_acknowledge(), drained(), acknowledge(), stats() and local_endpoint() may
// be called from any thread at any time between construction and destruction.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "core/event.h"
#include "core/result.h"

namespace wardsoc {

// A snapshot of an input's counters; every field counts since start().
struct InputStats {
  uint64_t lines = 0;    // events put into batches (dropped ones included)
  uint64_t bytes = 0;    // bytes of those events as kept (after truncation)
  uint64_t batches = 0;  // batches handed to the queue
  uint64_t dropped = 0;  // events lost: the queue was full (UDP) or closed
  // UDP datagrams the kernel dropped before wardsoc could read them (the socket's receive
  // buffer was full): not among `lines`, since they were never seen.
  uint64_t kernel_dropped = 0;
  uint64_t truncated = 0;  // events cut at max_line_bytes
  uint64_t malformed = 0;  // events whose syslog header did not parse
  uint64_t connections_total = 0;
  uint64_t connections_open = 0;
  uint64_t connections_refused = 0;  // refused_global + refused_per_source
  uint64_t refused_global = 0;       // max_connections open and none idle to make room
  uint64_t refused_per_source = 0;   // max_connections_per_source open from that address
  uint64_t evicted = 0;              // idle connections closed to make room for a new one
  uint64_t closed_idle = 0;          // closed after idle_timeout without a byte
  uint64_t header_timeouts = 0;      // HTTP: request headers not complete in header_timeout
  uint64_t body_timeouts = 0;        // HTTP: request body not complete in body_timeout
  uint64_t handshake_timeouts = 0;   // TLS handshakes not finished in handshake_timeout
  uint64_t errors = 0;               // operating-system errors (read, accept, ...)
  uint64_t accept_errors = 0;        // of those, failed accept() calls (out of descriptors, ...)
  uint64_t invalid_utf8 = 0;         // events that are not valid UTF-8 (kept as received)
  uint64_t nul_bytes = 0;            // events holding NUL bytes
  uint64_t clock_skew = 0;           // events whose device time is too far off (kEventClockSkew)
  uint64_t framing_errors = 0;       // octet counts that lie, frames cut short
  uint64_t tls_handshake_failures = 0;
  uint64_t requests_rejected = 0;  // HTTP: bad token, too large, malformed, wrong method
  uint64_t acknowledged = 0;       // positions acknowledged after the store wrote them
  // HTTP: answers sent, by status code (only codes sent at least once), ascending.
  std::vector<std::pair<unsigned, uint64_t>> http_responses;
  // The input accepts connections (TCP, TLS, HTTP): accept_errors applies to it.
  bool accepts_connections = false;
  bool speaks_http = false;          // header/body timeouts and http_responses apply
  bool uses_tls = false;             // handshake_timeouts applies
  bool counts_kernel_drops = false;  // UDP: kernel_dropped applies
};

class Input {
 public:
  virtual ~Input() = default;

  virtual const std::string& name() const = 0;
  // Whether positions it reports may be acknowledged to resume from (file: yes; UDP and
  // TCP syslog: no, a restart loses what senders had in flight).
  virtual bool can_acknowledge() const = 0;
  // Binds or opens; the error names the address:port or path and why it failed.
  virtual Status start() = 0;
  // Stops reading, pushes the partial batch (blocking push) and joins the input's
  // threads. Idempotent; also called by the destructor of every input.
  virtual void stop() = 0;
  // A finite input (file) has pushed everything it ever will; network inputs: false.
  virtual bool drained() const = 0;
  // Called once the batch that carries `pos` is durable.
  virtual void acknowledge(const InputPosition& pos) { (void)pos; }
  virtual InputStats stats() const = 0;
  // "127.0.0.1:5514" once started (tells the port chosen for port 0); empty for files.
  virtual std::string local_endpoint() const { return {}; }
};

}  // namespace wardsoc
