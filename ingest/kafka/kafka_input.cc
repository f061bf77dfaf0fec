#include "ingest/kafka/kafka_input.h"

#include <librdkafka/rdkafka.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <vector>

#include "core/thread_name.h"
#include "core/time.h"

namespace wardsoc {

namespace {
constexpr size_t kMessagesPerPoll = 8192;
constexpr int kCommittedQueryTimeoutMs = 5000;
// The longest a message key is taken as the sender's name.
constexpr size_t kMaxKeyAsPeer = 255;
constexpr int kQueuedMinMessages = 1'000'000;
constexpr int kQueuedMaxKbytes = 256 * 1024;

std::string stream_name(std::string_view topic, int32_t partition) {
  std::string s(topic);
  s += '/';
  s += std::to_string(partition);
  return s;
}

bool split_stream(const std::string& stream, std::string* topic, int32_t* partition) {
  const size_t slash = stream.rfind('/');
  if (slash == std::string::npos || slash == 0 || slash + 1 >= stream.size()) return false;
  int64_t p = 0;
  for (size_t i = slash + 1; i < stream.size(); ++i) {
    const char c = stream[i];
    if (c < '0' || c > '9' || p > INT32_MAX / 10) return false;
    p = p * 10 + (c - '0');
  }
  *topic = stream.substr(0, slash);
  *partition = static_cast<int32_t>(p);
  return true;
}
}  // namespace

struct KafkaInput::Handle {
  rd_kafka_t* rk = nullptr;
  rd_kafka_queue_t* queue = nullptr;
  bool cooperative = false;
  ~Handle() {
    if (queue != nullptr) rd_kafka_queue_destroy(queue);
    if (rk != nullptr) rd_kafka_destroy(rk);
  }
};

// librdkafka's C callbacks, forwarding to the input (the conf's opaque).
struct KafkaCallbacks {
  static void rebalance(rd_kafka_t* rk, rd_kafka_resp_err_t err,
                        rd_kafka_topic_partition_list_t* parts, void* opaque) {
    auto* self = static_cast<KafkaInput*>(opaque);
    const bool cooperative = self->handle_->cooperative;
    if (err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
      self->on_assign(parts);
      rd_kafka_error_t* e = nullptr;
      if (cooperative) {
        e = rd_kafka_incremental_assign(rk, parts);
      } else {
        rd_kafka_assign(rk, parts);
      }
      if (e != nullptr) {
        spdlog::error("input '{}': assigning partitions: {}", self->name(),
                      rd_kafka_error_string(e));
        rd_kafka_error_destroy(e);
      }
    } else if (err == RD_KAFKA_RESP_ERR__REVOKE_PARTITIONS) {
      self->on_revoke(parts);
      if (cooperative) {
        if (rd_kafka_error_t* e = rd_kafka_incremental_unassign(rk, parts)) {
          rd_kafka_error_destroy(e);
        }
      } else {
        rd_kafka_assign(rk, nullptr);
      }
    } else {
      spdlog::error("input '{}': rebalance failed: {}", self->name(), rd_kafka_err2str(err));
      self->on_revoke(parts);
      rd_kafka_assign(rk, nullptr);
    }
  }

  static void error(rd_kafka_t*, int err, const char* reason, void* opaque) {
    auto* self = static_cast<KafkaInput*>(opaque);
    InputCounters::add(self->counters_.errors);
    const auto code = static_cast<rd_kafka_resp_err_t>(err);
    self->warn_limited(self->error_log_,
                       std::string("Kafka: ") + rd_kafka_err2name(code) + ": " + reason);
  }

  static void log(const rd_kafka_t* rk, int level, const char* facility, const char* text) {
    auto* self = static_cast<KafkaInput*>(rd_kafka_opaque(rk));
    if (self == nullptr || level > 4) return;  // errors and warnings only
    self->warn_limited(self->client_log_, std::string("librdkafka ") + facility + ": " + text);
  }

  static void committed(rd_kafka_t*, rd_kafka_resp_err_t err,
                        rd_kafka_topic_partition_list_t* offsets, void* opaque) {
    static_cast<KafkaInput*>(opaque)->on_committed(offsets, static_cast<int>(err));
  }
};

KafkaInput::KafkaInput(const KafkaInputConfig& config, BatchQueue& queue,
                       const cctz::time_zone& zone, const IngestContext& context)
    : config_(config),
      queue_(queue),
      builder_(config_.common, zone, &counters_, context, /*live=*/false) {}

KafkaInput::~KafkaInput() { stop(); }

void KafkaInput::warn_limited(LogLimiter& limiter, const std::string& text) {
  uint64_t suppressed = 0;
  if (!limiter.allow(&suppressed)) return;
  if (suppressed == 0) {
    spdlog::warn("input '{}': {}", name(), text);
  } else {
    spdlog::warn("input '{}': {} ({} similar warnings suppressed)", name(), text, suppressed);
  }
}

std::string KafkaInput::local_endpoint() const {
  std::string topics;
  for (const auto& t : config_.topics) topics += (topics.empty() ? "" : ", ") + t.name;
  return "kafka://" + config_.brokers + " (group " + config_.group + ", topics " + topics + ")";
}

Status KafkaInput::start() {
  std::lock_guard lock(lifecycle_mu_);
  if (started_) return Error(Errc::kInvalidArgument, "input already started");
  char errstr[512];
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  char host[256] = "wardsoc";
  gethostname(host, sizeof host - 1);
  std::map<std::string, std::string> props = {
      {"bootstrap.servers", config_.brokers},
      {"group.id", config_.group},
      {"client.id", "wardsoc-" + std::string(host) + "-" + name()},
      {"enable.auto.commit", "false"},
      {"enable.auto.offset.store", "false"},
      {"auto.offset.reset", config_.start_from},
      {"session.timeout.ms", std::to_string(config_.session_timeout.count())},
      {"heartbeat.interval.ms",
       std::to_string(std::max<int64_t>(100, config_.session_timeout.count() / 3))},
      {"enable.partition.eof", "false"},
      {"log_level", "4"},
      // The consumer queue that librdkafka fills ahead of us. Its default lower bound,
      // 100,000 messages, is compared with the one queue that all partitions of a
      // group member share, and librdkafka 2.0 looks at a queue over the bound again
      // only about once a second: a backlog was read in bursts with pauses of up to a
      // second (0.32 M messages/s in bench/ingest_kafka_bench). Keeping up to a million
      // messages or 256 MiB queued covers that second at over a million messages/s.
      // Both can be set in `options`.
      {"queued.min.messages", std::to_string(kQueuedMinMessages)},
      {"queued.max.messages.kbytes", std::to_string(kQueuedMaxKbytes)},
  };
  for (const auto& [k, v] : config_.options) props[k] = v;
  for (const auto& [k, v] : props) {
    if (rd_kafka_conf_set(conf, k.c_str(), v.c_str(), errstr, sizeof errstr) != RD_KAFKA_CONF_OK) {
      rd_kafka_conf_destroy(conf);
      return Error(Errc::kInvalidArgument,
                   (config_.options.count(k) ? "options." : "") + k + ": " + errstr);
    }
  }
  rd_kafka_conf_set_opaque(conf, this);
  rd_kafka_conf_set_rebalance_cb(conf, &KafkaCallbacks::rebalance);
  rd_kafka_conf_set_error_cb(conf, &KafkaCallbacks::error);
  rd_kafka_conf_set_log_cb(conf, &KafkaCallbacks::log);
  rd_kafka_conf_set_offset_commit_cb(conf, &KafkaCallbacks::committed);

  auto handle = std::make_unique<Handle>();
  handle->rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, errstr, sizeof errstr);
  if (handle->rk == nullptr) {
    return Error(Errc::kInvalidArgument,
                 std::string("cannot create the Kafka consumer: ") + errstr);
  }
  handle->cooperative = std::strcmp(rd_kafka_rebalance_protocol(handle->rk), "COOPERATIVE") == 0;
  rd_kafka_poll_set_consumer(handle->rk);
  handle->queue = rd_kafka_queue_get_consumer(handle->rk);

  rd_kafka_topic_partition_list_t* topics =
      rd_kafka_topic_partition_list_new(static_cast<int>(config_.topics.size()));
  for (const auto& t : config_.topics) {
    rd_kafka_topic_partition_list_add(topics, t.name.c_str(), RD_KAFKA_PARTITION_UA);
  }
  const rd_kafka_resp_err_t err = rd_kafka_subscribe(handle->rk, topics);
  rd_kafka_topic_partition_list_destroy(topics);
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    return Error(Errc::kInvalidArgument,
                 std::string("cannot subscribe to the topics: ") + rd_kafka_err2str(err));
  }
  handle_ = std::move(handle);
  started_ = true;
  thread_ = std::thread([this] {
    set_thread_name("in:" + name());
    run();
  });
  spdlog::info("input '{}': consuming {}", name(), local_endpoint());
  return ok_status();
}

void KafkaInput::stop() {
  std::lock_guard lock(lifecycle_mu_);
  if (!started_ || stopped_) return;
  stopped_ = true;
  stop_requested_.store(true, std::memory_order_relaxed);
  thread_.join();
  handle_.reset();
  const InputStats s = counters_.snapshot();
  spdlog::info("input '{}': stopped ({} messages)", name(), s.lines);
}

bool KafkaInput::push_batch() {
  EventBatch batch = builder_.take();
  if (batch.empty() && batch.positions().empty()) return true;
  if (queue_.push(batch)) {
    InputCounters::add(counters_.batches);
    return true;
  }
  InputCounters::add(counters_.dropped, batch.size());
  spdlog::error(
      "input '{}': event queue closed, {} messages not handed over; they will be "
      "consumed again from the committed offsets",
      name(), batch.size());
  return false;
}

void KafkaInput::run() {
  rd_kafka_t* rk = handle_->rk;
  std::vector<rd_kafka_message_t*> msgs(kMessagesPerPoll);
  std::map<std::string, std::optional<AssetClass>> topic_class;
  for (const auto& t : config_.topics) topic_class[t.name] = t.asset_class;

  // The partition of the previous message: most runs of messages share one.
  const rd_kafka_topic_t* last_rkt = nullptr;
  int32_t last_partition = -1;
  std::string stream;
  std::optional<AssetClass> cls;
  auto next_commit = std::chrono::steady_clock::now() + config_.commit_interval;
  std::vector<std::pair<std::string, int64_t>> read;  // this poll's read offsets
  bool queue_open = true;

  while (queue_open && !stop_requested_.load(std::memory_order_relaxed)) {
    int timeout_ms = 100;
    if (!builder_.empty()) {
      const auto left = builder_.deadline() - BatchBuilder::Clock::now();
      timeout_ms = static_cast<int>(
          std::clamp<int64_t>(std::chrono::ceil<std::chrono::milliseconds>(left).count(), 0, 100));
    }
    const ssize_t n =
        rd_kafka_consume_batch_queue(handle_->queue, timeout_ms, msgs.data(), msgs.size());
    const int64_t now = n > 0 ? now_us() : 0;
    for (ssize_t i = 0; i < n; ++i) {
      rd_kafka_message_t* m = msgs[static_cast<size_t>(i)];
      if (m->err != RD_KAFKA_RESP_ERR_NO_ERROR) {
        if (m->err != RD_KAFKA_RESP_ERR__PARTITION_EOF) {
          InputCounters::add(counters_.errors);
          warn_limited(error_log_, std::string("consume: ") + rd_kafka_message_errstr(m));
        }
        rd_kafka_message_destroy(m);
        continue;
      }
      if (m->rkt != last_rkt || m->partition != last_partition) {
        last_rkt = m->rkt;
        last_partition = m->partition;
        const char* topic = rd_kafka_topic_name(m->rkt);
        stream = stream_name(topic, m->partition);
        auto it = topic_class.find(topic);
        cls = it == topic_class.end() ? std::nullopt : it->second;
      }
      const int64_t next = m->offset + 1;
      if (m->payload != nullptr && m->len > 0) {
        LineMeta meta;
        meta.receive_time_us = now;
        meta.position = static_cast<uint64_t>(next);
        meta.asset_class = cls;
        if (m->key != nullptr && m->key_len > 0 && m->key_len <= kMaxKeyAsPeer) {
          meta.peer = std::string_view(static_cast<const char*>(m->key), m->key_len);
          meta.host_hint = meta.peer;
        }
        rd_kafka_timestamp_type_t tstype = RD_KAFKA_TIMESTAMP_NOT_AVAILABLE;
        const int64_t ts_ms = rd_kafka_message_timestamp(m, &tstype);
        if (ts_ms > 0) meta.reference_time_us = ts_ms * 1000;
        std::string_view payload(static_cast<const char*>(m->payload), m->len);
        // One message is one log line; the producer's trailing newline is framing.
        while (!payload.empty() && payload.back() == '\n') payload.remove_suffix(1);
        builder_.add(payload, meta);
      }
      builder_.set_position(stream, static_cast<uint64_t>(next));
      rd_kafka_message_destroy(m);
      if (read.empty() || read.back().first != stream) {
        read.emplace_back(stream, next);
      } else {
        read.back().second = next;
      }
      if (builder_.full() && !push_batch()) {
        queue_open = false;
        for (ssize_t k = i + 1; k < n; ++k) rd_kafka_message_destroy(msgs[static_cast<size_t>(k)]);
        break;
      }
    }
    if (!read.empty()) {
      // Read offsets are published once per poll: a rebalance only happens inside one.
      std::lock_guard lock(mu_);
      for (const auto& [s, next] : read) {
        KafkaPartitionState& p = partitions_[s];
        if (p.stream.empty()) p.stream = s;
        p.read = std::max(p.read, next);
      }
      read.clear();
    }
    if (!queue_open) break;
    if (builder_.due(BatchBuilder::Clock::now()) && !push_batch()) break;
    if (std::chrono::steady_clock::now() >= next_commit) {
      commit(/*sync=*/false);
      next_commit = std::chrono::steady_clock::now() + config_.commit_interval;
    }
  }

  // Leaving: what was read goes on, gets stored, and its offsets are committed before
  // the group is left (which revokes everything; on_revoke finds nothing left to wait for).
  if (queue_open) push_batch();
  std::vector<std::string> all;
  {
    std::lock_guard lock(mu_);
    for (const auto& [s, p] : partitions_) {
      if (p.assigned) all.push_back(s);
    }
  }
  const auto deadline = std::chrono::steady_clock::now() + config_.drain_timeout;
  wait_for_acks(all, config_.drain_timeout);
  commit(/*sync=*/true);
  // A broker outage may have cost this member its place in the group ("Unknown
  // member"): its commits are refused until it has joined again. Give it the rest of
  // drain_timeout to rejoin and commit, so the next owner does not read it all again.
  // Messages polled meanwhile are not handed on and not committed: the next owner reads them.
  std::map<std::string, int64_t> owed = uncommitted();
  while (!owed.empty() && std::chrono::steady_clock::now() < deadline) {
    if (rd_kafka_message_t* m = rd_kafka_consumer_poll(rk, 100)) rd_kafka_message_destroy(m);
    commit(/*sync=*/true);
    std::lock_guard lock(mu_);
    std::erase_if(owed, [&](const auto& o) { return partitions_[o.first].committed >= o.second; });
  }
  if (!owed.empty()) {
    spdlog::warn(
        "input '{}': {} partition(s) left with stored messages not committed to the "
        "group (the next owner reads them again; nothing is lost)",
        name(), owed.size());
  }
  const rd_kafka_resp_err_t err = rd_kafka_consumer_close(rk);
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    spdlog::warn("input '{}': leaving the consumer group: {}", name(), rd_kafka_err2str(err));
  }
}

void KafkaInput::on_assign(void* opaque_parts) {
  auto* parts = static_cast<rd_kafka_topic_partition_list_t*>(opaque_parts);
  // Where the group left off, to compare with this instance's own durable position.
  rd_kafka_topic_partition_list_t* committed = rd_kafka_topic_partition_list_copy(parts);
  const rd_kafka_resp_err_t err =
      rd_kafka_committed(handle_->rk, committed, kCommittedQueryTimeoutMs);
  std::string list;
  std::lock_guard lock(mu_);
  for (int i = 0; i < parts->cnt; ++i) {
    rd_kafka_topic_partition_t& tp = parts->elems[i];
    const std::string s = stream_name(tp.topic, tp.partition);
    KafkaPartitionState& p = partitions_[s];
    p.stream = s;
    p.assigned = true;
    int64_t group = RD_KAFKA_OFFSET_INVALID;
    if (err == RD_KAFKA_RESP_ERR_NO_ERROR &&
        committed->elems[i].err == RD_KAFKA_RESP_ERR_NO_ERROR) {
      group = committed->elems[i].offset;
    }
    int64_t own = std::max(p.acked, p.committed);
    if (auto it = config_.start_offsets.find(s); it != config_.start_offsets.end()) {
      own = std::max<int64_t>(own, static_cast<int64_t>(it->second));
    }
    p.committed = group >= 0 ? group : -1;
    p.acked = std::max(p.committed, -1L);
    p.read = p.acked;
    commit_in_flight_.erase(s);
    if (own > 0 && own > group) {
      // Stored here after the last commit (a crash in between): no need to read it again.
      tp.offset = own;
      p.acked = own;
      p.read = own;
      list += (list.empty() ? "" : ", ") + s + "@" + std::to_string(own) + " (own checkpoint)";
    } else {
      list +=
          (list.empty() ? "" : ", ") + s +
          (group >= 0 ? "@" + std::to_string(group) : std::string(" (") + config_.start_from + ")");
    }
  }
  rd_kafka_topic_partition_list_destroy(committed);
  spdlog::info("input '{}': assigned {}", name(), list);
}

void KafkaInput::on_revoke(void* opaque_parts) {
  auto* parts = static_cast<rd_kafka_topic_partition_list_t*>(opaque_parts);
  std::vector<std::string> revoked;
  for (int i = 0; i < parts->cnt; ++i) {
    revoked.push_back(stream_name(parts->elems[i].topic, parts->elems[i].partition));
  }
  // What was read from them is handed on and, within drain_timeout, stored and committed.
  push_batch();
  wait_for_acks(revoked, config_.drain_timeout);
  commit(/*sync=*/true, &revoked);
  std::string list;
  {
    std::lock_guard lock(mu_);
    for (const auto& s : revoked) {
      auto it = partitions_.find(s);
      if (it == partitions_.end()) continue;
      it->second.assigned = false;
      list += (list.empty() ? "" : ", ") + s + "@" + std::to_string(it->second.committed);
      if (it->second.acked < it->second.read) {
        list += " (" + std::to_string(it->second.read - it->second.acked) +
                " messages not yet stored; the next owner reads them again)";
      }
    }
  }
  spdlog::info("input '{}': revoked {}", name(), list.empty() ? "nothing" : list);
}

void KafkaInput::wait_for_acks(const std::vector<std::string>& streams,
                               std::chrono::milliseconds timeout) {
  std::unique_lock lock(mu_);
  acked_cv_.wait_for(lock, timeout, [&] {
    for (const auto& s : streams) {
      auto it = partitions_.find(s);
      if (it != partitions_.end() && it->second.acked < it->second.read) return false;
    }
    return true;
  });
}

void KafkaInput::acknowledge(const InputPosition& pos) {
  {
    std::lock_guard lock(mu_);
    auto it = partitions_.find(pos.stream);
    // A partition revoked since: its next owner starts from the committed offset.
    if (it == partitions_.end() || !it->second.assigned) return;
    it->second.acked = std::max(it->second.acked, static_cast<int64_t>(pos.position));
  }
  InputCounters::add(counters_.acknowledged);
  acked_cv_.notify_all();
}

std::map<std::string, int64_t> KafkaInput::uncommitted() const {
  std::map<std::string, int64_t> out;
  std::lock_guard lock(mu_);
  for (const auto& [s, p] : partitions_) {
    if (p.acked >= 0 && p.acked > p.committed) out.emplace(s, p.acked);
  }
  return out;
}

void KafkaInput::commit(bool sync, const std::vector<std::string>* only) {
  rd_kafka_topic_partition_list_t* list = rd_kafka_topic_partition_list_new(8);
  {
    std::lock_guard lock(mu_);
    for (auto& [s, p] : partitions_) {
      if (only != nullptr && std::find(only->begin(), only->end(), s) == only->end()) continue;
      if (!p.assigned || p.acked < 0 || p.acked <= p.committed) continue;
      auto sent = commit_in_flight_.find(s);
      if (!sync && sent != commit_in_flight_.end() && sent->second >= p.acked) continue;
      std::string topic;
      int32_t partition = 0;
      if (!split_stream(s, &topic, &partition)) continue;
      rd_kafka_topic_partition_list_add(list, topic.c_str(), partition)->offset = p.acked;
      commit_in_flight_[s] = p.acked;
    }
  }
  if (list->cnt == 0) {
    rd_kafka_topic_partition_list_destroy(list);
    return;
  }
  const rd_kafka_resp_err_t err = rd_kafka_commit(handle_->rk, list, sync ? 0 : 1);
  if (sync) {
    // A synchronous commit reports per partition through the commit callback as well,
    // but only when the consumer is polled next; record the result now.
    on_committed(list, static_cast<int>(err));
  } else if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    on_committed(list, static_cast<int>(err));
  }
  rd_kafka_topic_partition_list_destroy(list);
}

void KafkaInput::on_committed(void* opaque_offsets, int err_code) {
  auto* offsets = static_cast<rd_kafka_topic_partition_list_t*>(opaque_offsets);
  const auto err = static_cast<rd_kafka_resp_err_t>(err_code);
  if (offsets == nullptr) return;
  std::lock_guard lock(mu_);
  for (int i = 0; i < offsets->cnt; ++i) {
    const rd_kafka_topic_partition_t& tp = offsets->elems[i];
    const std::string s = stream_name(tp.topic, tp.partition);
    auto it = partitions_.find(s);
    if (it == partitions_.end()) continue;
    const rd_kafka_resp_err_t e = err != RD_KAFKA_RESP_ERR_NO_ERROR ? err : tp.err;
    if (e == RD_KAFKA_RESP_ERR_NO_ERROR) {
      it->second.committed = std::max(it->second.committed, tp.offset);
    } else if (e != RD_KAFKA_RESP_ERR__NO_OFFSET) {
      commit_in_flight_.erase(s);  // try again at the next interval
      InputCounters::add(counters_.errors);
      warn_limited(commit_log_, "committing offset " + std::to_string(tp.offset) + " of " + s +
                                    ": " + rd_kafka_err2str(e) + " (retried)");
    }
  }
}

std::map<std::string, KafkaPartitionState> KafkaInput::partitions() const {
  std::lock_guard lock(mu_);
  return partitions_;
}

Result<std::unique_ptr<KafkaInput>> KafkaInput::Open(const KafkaInputConfig& cfg, BatchQueue& queue,
                                                     const cctz::time_zone& zone,
                                                     const IngestContext& ctx) {
  auto invalid = [](std::string message) {
    return Error(Errc::kInvalidArgument, std::move(message));
  };
  if (cfg.brokers.empty()) return invalid("brokers: missing");
  if (cfg.group.empty()) return invalid("group: missing");
  if (cfg.topics.empty()) return invalid("topics: missing (at least one topic)");
  if (cfg.start_from != "earliest" && cfg.start_from != "latest") {
    return invalid("start_from: expected earliest or latest");
  }
  if (cfg.commit_interval.count() <= 0) return invalid("commit_interval: must be positive");
  return std::make_unique<KafkaInput>(cfg, queue, zone, ctx);
}

}  // namespace wardsoc
