// KafkaInput: consumes raw log messages from Kafka topics as a member of a consumer group
// (librdkafka), one event per message; each topic may name the asset class of its
// events. Producers key messages by source host (DESIGN): the key is the event's sender,
// so assets.yaml can name it, and one host's lines stay in one partition, on one
// instance.
//
// Delivery (the no-loss contract): offsets are never committed automatically. Every
// batch carries, per partition it touched, InputPosition{stream = "topic/partition",
// position = next offset}; the pipeline calls acknowledge() once the store wrote the
// batch, and the input commits acknowledged offsets every commit_interval, on a
// rebalance and at stop. A crash therefore replays at most what was read but not yet
// stored; incident ids are deterministic, so a replay rewrites the same incidents.
//
// Rebalances: when partitions are revoked the input hands on what it holds, waits up to
// drain_timeout for those batches to be stored, commits their offsets and only then lets
// the partitions go; acknowledgements that arrive later for revoked partitions are
// ignored (the next owner reads from the committed offset). When partitions are
// assigned, each starts at the group's committed offset, or further on at this
// instance's own store checkpoint if that is ahead (stored after the last commit before
// a crash). Broker outages are ridden out by librdkafka's reconnects; errors are counted
// and logged with rate limiting.
//
// Memory: librdkafka fetches ahead into one queue per consumer, up to 1,000,000 messages
// or 256 MiB of payload (wardsoc's defaults for queued.min.messages and
// queued.max.messages.kbytes, see start()); `options` may lower them.
//
// Thread safety: see Input. One thread owned by the input polls the consumer (and runs
// librdkafka's callbacks); acknowledge() may be called from any thread.
#pragma once

#include <cctz/time_zone.h>

#include <atomic>
#include <condition_variable>
#include <map>
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
#include "ingest/kafka/kafka_input_config.h"
#include "ingest/log_limiter.h"

namespace wardsoc {

struct KafkaPartitionState {
  std::string stream;      // "topic/partition"
  int64_t read = -1;       // next offset after the last message read
  int64_t acked = -1;      // next offset after the last message stored
  int64_t committed = -1;  // the group's committed offset, as far as known
  bool assigned = false;
};

class KafkaInput final : public Input {
 public:
  // Checks the settings (the error names the key: "max_connections: must be at least
  // 1") and builds the input; nothing is opened or bound until start(). What
  // make_input() calls for this type.
  static Result<std::unique_ptr<KafkaInput>> Open(const KafkaInputConfig& cfg, BatchQueue& queue,
                                                  const cctz::time_zone& zone,
                                                  const IngestContext& ctx);
  // Does not connect; start() creates the consumer. `queue` must outlive the input.
  KafkaInput(const KafkaInputConfig& config, BatchQueue& queue, const cctz::time_zone& zone,
             const IngestContext& context = {});
  ~KafkaInput() override;

  const std::string& name() const override { return config_.common.name; }
  bool can_acknowledge() const override { return true; }
  // Creates the consumer and subscribes; a bad librdkafka option is an error naming it.
  // Brokers that cannot be reached are not: the consumer keeps trying (and logs).
  Status start() override;
  // Hands on what was read, waits up to drain_timeout for it to be stored, commits,
  // leaves the group and joins the thread. Idempotent.
  void stop() override;
  bool drained() const override { return false; }
  void acknowledge(const InputPosition& pos) override;
  InputStats stats() const override { return counters_.snapshot(); }
  // "kafka://brokers (group G, topics a, b)"
  std::string local_endpoint() const override;

  // For tests and the API: every partition this instance has owned.
  std::map<std::string, KafkaPartitionState> partitions() const;

 private:
  struct Handle;  // librdkafka objects, kept out of this header
  friend struct KafkaCallbacks;

  void run();
  bool push_batch();
  void on_assign(void* partitions);
  void on_revoke(void* partitions);
  // Waits until every listed stream's acked offset reaches its read offset, or timeout.
  void wait_for_acks(const std::vector<std::string>& streams, std::chrono::milliseconds timeout);
  // Commits acknowledged offsets past the committed ones (of `only`, if given).
  void commit(bool sync, const std::vector<std::string>* only = nullptr);
  // Partitions whose stored (acknowledged) offset is past the group's committed one.
  std::map<std::string, int64_t> uncommitted() const;
  void on_committed(void* offsets, int err);
  void warn_limited(LogLimiter& limiter, const std::string& text);

  const KafkaInputConfig config_;
  BatchQueue& queue_;
  InputCounters counters_;
  BatchBuilder builder_;
  std::unique_ptr<Handle> handle_;

  std::mutex lifecycle_mu_;
  bool started_ = false;
  bool stopped_ = false;
  std::thread thread_;
  std::atomic<bool> stop_requested_{false};

  mutable std::mutex mu_;  // partitions_
  std::condition_variable acked_cv_;
  std::map<std::string, KafkaPartitionState> partitions_;
  std::map<std::string, int64_t> commit_in_flight_;  // stream -> offset sent, poll thread only

  LogLimiter error_log_;
  LogLimiter client_log_;
  LogLimiter commit_log_;
};

}  // namespace wardsoc
