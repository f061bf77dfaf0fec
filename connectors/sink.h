// Sink: where incidents leave wardsoc for the city SOC (a file, a Kafka topic, syslog
// over TCP/TLS, an HTTPS webhook). A Forwarder drives one Sink from its store outbox
// queue; the sink only has to say, for a batch, how much of it is safely delivered.
//
// Thread safety: a Sink is owned by its Forwarder and deliver() is called only from
// that forwarder's thread (or the thread calling Forwarder::drain()), never
// concurrently. interrupt() is the exception: the forwarder calls it from the thread
// that stops it, while deliver() may be running.
#pragma once

#include <cstddef>
#include <span>
#include <string>

#include "store/outbox.h"

namespace wardsoc {

enum class DeliveryStatus {
  // Every entry of the batch is durable at the sink.
  kDelivered,
  // The sink is unavailable: the first `delivered` entries made it, the rest are
  // retried later.
  kRetry,
  // The sink refused entry [delivered] for good; the ones before it made it.
  kRejected,
};

struct DeliveryResult {
  DeliveryStatus status = DeliveryStatus::kDelivered;
  size_t delivered = 0;  // how many entries from the front were accepted
  std::string error;     // why, for kRetry and kRejected
};

class Sink {
 public:
  virtual ~Sink() = default;
  // The sink's configured name; also the name of its outbox queue in the store.
  virtual const std::string& name() const = 0;
  // Delivers `entries` in order (oldest first, never empty). Returns kDelivered only
  // when all of them are durable at the sink; the forwarder deletes an entry from the
  // outbox only after that. Sinks receive Incident::id as the idempotency key:
  // after a crash the same entry may be delivered twice.
  virtual DeliveryResult deliver(std::span<const OutboxEntry> entries) = 0;

  // interrupt(true) asks a deliver() in flight (and every later one) to give up soon
  // with kRetry instead of waiting out its timeouts, so that stopping wardsoc does not
  // wait for a dead SOC link; interrupt(false) lets deliveries wait again. Sinks that
  // never block long need not override it.
  virtual void interrupt(bool /*on*/) {}
};

}  // namespace wardsoc
