// KafkaSink: produces each alert as one record to a topic of the city SOC's Kafka,
// keyed by incident id (so every update of an incident lands in the same partition,
// in order, and a compacted topic keeps its latest state), with an idempotent producer
// and acks=all. deliver() returns once librdkafka has reported on every record of the
// batch: a record counts as delivered only when all in-sync replicas have it, and the
// sink reports the longest delivered prefix, so the forwarder acks exactly that.
//
// Records carry headers wardsoc-action (created/updated), wardsoc-format and
// content-type, and the alert's enqueue time as their timestamp. Partitioning is
// murmur2 on the key, as Java clients do.
//
// Thread safety: none beyond Sink's (deliver() on the forwarder's thread; interrupt()
// from any). Delivery reports are served by rd_kafka_poll() inside deliver(), on the
// forwarder's thread.
#pragma once

#include <atomic>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "connectors/alert_renderer.h"
#include "connectors/kafka/kafka_sink_config.h"
#include "connectors/sink.h"
#include "core/result.h"

struct rd_kafka_s;
struct rd_kafka_message_s;

namespace wardsoc {

class KafkaSink final : public Sink {
 public:
  // Checks the settings and creates the producer; the brokers need not be reachable.
  static Result<std::unique_ptr<KafkaSink>> Open(const KafkaSinkConfig& config,
                                                 const SinkContext& context = {});
  ~KafkaSink() override;  // records in flight are dropped: they are still in the outbox
  KafkaSink(const KafkaSink&) = delete;
  KafkaSink& operator=(const KafkaSink&) = delete;

  const std::string& name() const override { return config_.common.name; }
  DeliveryResult deliver(std::span<const OutboxEntry> entries) override;
  void interrupt(bool on) override { interrupted_.store(on, std::memory_order_release); }

 private:
  KafkaSink(KafkaSinkConfig config, const SinkContext& context);
  Status create_producer();
  void destroy_producer(int flush_ms);
  static void on_delivery(rd_kafka_s* rk, const rd_kafka_message_s* msg, void* opaque);

  const KafkaSinkConfig config_;
  const AlertRenderer renderer_;
  rd_kafka_s* rk_ = nullptr;
  std::atomic<bool> interrupted_{false};

  // The batch being delivered. A record's opaque is (generation << 32 | index), so a
  // late report for a batch deliver() gave up on is recognised and ignored.
  uint32_t generation_ = 0;
  std::vector<int> outcome_;  // per record: 0 waiting, else rd_kafka_resp_err_t + 1
  size_t outstanding_ = 0;
};

}  // namespace wardsoc
