// InputCounters: the live counters behind Input::stats(), shared by an input's reading
// thread and the BatchBuilder it fills.
//
// Thread safety: any thread may add or take a snapshot; counters are independent
// relaxed atomics, so a snapshot is not one instant but each field is exact.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>

#include "ingest/input.h"

namespace wardsoc {

struct InputCounters {
  std::atomic<uint64_t> lines{0};
  std::atomic<uint64_t> bytes{0};
  std::atomic<uint64_t> batches{0};
  std::atomic<uint64_t> dropped{0};
  std::atomic<uint64_t> kernel_dropped{0};
  std::atomic<uint64_t> truncated{0};
  std::atomic<uint64_t> malformed{0};
  std::atomic<uint64_t> connections_total{0};
  std::atomic<uint64_t> connections_open{0};
  std::atomic<uint64_t> connections_refused{0};
  std::atomic<uint64_t> refused_global{0};
  std::atomic<uint64_t> refused_per_source{0};
  std::atomic<uint64_t> evicted{0};
  std::atomic<uint64_t> closed_idle{0};
  std::atomic<uint64_t> header_timeouts{0};
  std::atomic<uint64_t> body_timeouts{0};
  std::atomic<uint64_t> handshake_timeouts{0};
  std::atomic<uint64_t> errors{0};
  std::atomic<uint64_t> accept_errors{0};
  std::atomic<uint64_t> invalid_utf8{0};
  std::atomic<uint64_t> nul_bytes{0};
  std::atomic<uint64_t> clock_skew{0};
  std::atomic<uint64_t> framing_errors{0};
  std::atomic<uint64_t> tls_handshake_failures{0};
  std::atomic<uint64_t> requests_rejected{0};
  std::atomic<uint64_t> acknowledged{0};
  // HTTP answers by status code, 100..599.
  std::array<std::atomic<uint64_t>, 500> http_responses{};
  // Set once by the input's TcpListener, before the input is shared.
  bool accepts_connections = false;
  // Set once by the input, before it is shared (see InputStats).
  bool speaks_http = false;
  bool uses_tls = false;
  bool counts_kernel_drops = false;

  static void add(std::atomic<uint64_t>& counter, uint64_t n = 1) {
    counter.fetch_add(n, std::memory_order_relaxed);
  }
  // An HTTP answer with `status` was sent; codes outside 100..599 are not counted.
  void count_response(unsigned status) {
    if (status >= 100 && status < 600) add(http_responses[status - 100]);
  }

  static void sub(std::atomic<uint64_t>& counter, uint64_t n = 1) {
    counter.fetch_sub(n, std::memory_order_relaxed);
  }

  InputStats snapshot() const {
    constexpr auto r = std::memory_order_relaxed;
    InputStats s;
    s.lines = lines.load(r);
    s.bytes = bytes.load(r);
    s.batches = batches.load(r);
    s.dropped = dropped.load(r);
    s.kernel_dropped = kernel_dropped.load(r);
    s.truncated = truncated.load(r);
    s.malformed = malformed.load(r);
    s.connections_total = connections_total.load(r);
    s.connections_open = connections_open.load(r);
    s.connections_refused = connections_refused.load(r);
    s.refused_global = refused_global.load(r);
    s.refused_per_source = refused_per_source.load(r);
    s.evicted = evicted.load(r);
    s.closed_idle = closed_idle.load(r);
    s.header_timeouts = header_timeouts.load(r);
    s.body_timeouts = body_timeouts.load(r);
    s.handshake_timeouts = handshake_timeouts.load(r);
    s.errors = errors.load(r);
    s.accept_errors = accept_errors.load(r);
    s.invalid_utf8 = invalid_utf8.load(r);
    s.nul_bytes = nul_bytes.load(r);
    s.clock_skew = clock_skew.load(r);
    s.framing_errors = framing_errors.load(r);
    s.tls_handshake_failures = tls_handshake_failures.load(r);
    s.requests_rejected = requests_rejected.load(r);
    s.acknowledged = acknowledged.load(r);
    for (unsigned i = 0; i < http_responses.size(); ++i) {
      if (const uint64_t n = http_responses[i].load(r); n != 0) {
        s.http_responses.emplace_back(i + 100, n);
      }
    }
    s.accepts_connections = accepts_connections;
    s.speaks_http = speaks_http;
    s.uses_tls = uses_tls;
    s.counts_kernel_drops = counts_kernel_drops;
    return s;
  }
};

}  // namespace wardsoc
