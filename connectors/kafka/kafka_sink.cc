#include "connectors/kafka/kafka_sink.h"

#include <librdkafka/rdkafka.h>
#include <spdlog/spdlog.h>

#include <chrono>
#include <thread>

namespace wardsoc {

namespace {

using Clock = std::chrono::steady_clock;

// librdkafka logs connection trouble many times a second while a broker is down. The
// forwarder already reports an outage once; these go to debug.
void log_cb(const rd_kafka_t* rk, int level, const char* fac, const char* buf) {
  const char* name = rd_kafka_name(rk);
  if (level <= 3) {
    spdlog::debug("kafka {}: {}: {}", name, fac, buf);
  } else {
    spdlog::trace("kafka {}: {}: {}", name, fac, buf);
  }
}

void error_cb(rd_kafka_t* rk, int err, const char* reason, void*) {
  spdlog::debug("kafka {}: {}: {}", rd_kafka_name(rk),
                rd_kafka_err2name(static_cast<rd_kafka_resp_err_t>(err)), reason);
}

// Errors that no retry of the same record can fix: the record goes to the dead letters.
bool permanent(rd_kafka_resp_err_t err) {
  switch (err) {
    case RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE:
    case RD_KAFKA_RESP_ERR_INVALID_MSG:
    case RD_KAFKA_RESP_ERR_INVALID_RECORD:
      return true;
    default:
      return false;
  }
}

constexpr uint64_t kIndexMask = 0xffffffffu;

}  // namespace

Result<std::unique_ptr<KafkaSink>> KafkaSink::Open(const KafkaSinkConfig& config,
                                                   const SinkContext& context) {
  const std::string& name = config.common.name;
  if (config.brokers.empty()) {
    return Error(Errc::kInvalidArgument, "sink " + name + ": brokers is empty");
  }
  if (config.topic.empty()) {
    return Error(Errc::kInvalidArgument, "sink " + name + ": topic is empty");
  }
  std::unique_ptr<KafkaSink> sink(new KafkaSink(config, context));
  if (auto s = sink->create_producer(); !s) return std::move(s).error();
  return sink;
}

KafkaSink::KafkaSink(KafkaSinkConfig config, const SinkContext& context)
    : config_(std::move(config)), renderer_(config_.common.format, context) {}

// Records still in librdkafka were never acked in the store: they are sent again by the
// next forwarder, so there is nothing to wait for.
KafkaSink::~KafkaSink() { destroy_producer(0); }

Status KafkaSink::create_producer() {
  char errstr[512];
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  auto set = [&](const std::string& key, const std::string& value) -> Status {
    if (rd_kafka_conf_set(conf, key.c_str(), value.c_str(), errstr, sizeof errstr) !=
        RD_KAFKA_CONF_OK) {
      return Error(Errc::kInvalidArgument,
                   "sink " + config_.common.name + ": kafka setting " + key + ": " + errstr);
    }
    return ok_status();
  };
  Status s = ok_status();
  for (const auto& [k, v] : config_.properties) {
    if (s = set(k, v); !s) break;
  }
  const std::pair<std::string, std::string> fixed[] = {
      {"bootstrap.servers", config_.brokers},
      {"client.id", config_.client_id},
      {"enable.idempotence", "true"},  // implies acks=all, retries, ordering per partition
      {"acks", "all"},
      {"compression.codec", config_.compression},
      {"message.timeout.ms", std::to_string(config_.message_timeout.count())},
      {"linger.ms", "5"},
      {"partitioner", "murmur2_random"},
  };
  for (const auto& [k, v] : fixed) {
    if (!s) break;
    s = set(k, v);
  }
  if (!s) {
    rd_kafka_conf_destroy(conf);
    return s;
  }
  rd_kafka_conf_set_dr_msg_cb(conf, [](rd_kafka_t* rk, const rd_kafka_message_t* m, void* opaque) {
    KafkaSink::on_delivery(rk, m, opaque);
  });
  rd_kafka_conf_set_log_cb(conf, log_cb);
  rd_kafka_conf_set_error_cb(conf, error_cb);
  rd_kafka_conf_set_opaque(conf, this);
  rk_ = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof errstr);
  if (rk_ == nullptr) {  // conf is still ours on failure
    rd_kafka_conf_destroy(conf);
    return Error(Errc::kInvalidArgument,
                 "sink " + config_.common.name + ": cannot create the Kafka producer: " + errstr);
  }
  return ok_status();
}

void KafkaSink::destroy_producer(int flush_ms) {
  if (rk_ == nullptr) return;
  if (rd_kafka_flush(rk_, flush_ms) != RD_KAFKA_RESP_ERR_NO_ERROR) {
    // Whatever is left stays in the outbox (never acked) and is sent again next time.
    rd_kafka_purge(rk_, RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
    rd_kafka_poll(rk_, 0);
  }
  rd_kafka_destroy(rk_);
  rk_ = nullptr;
}

void KafkaSink::on_delivery(rd_kafka_s* /*rk*/, const rd_kafka_message_s* msg, void* opaque) {
  auto* self = static_cast<KafkaSink*>(opaque);
  const auto tag = reinterpret_cast<uintptr_t>(msg->_private);
  if ((tag >> 32) != self->generation_) return;  // a batch deliver() already gave up on
  const size_t index = tag & kIndexMask;
  if (index >= self->outcome_.size() || self->outcome_[index] != 0) return;
  self->outcome_[index] = static_cast<int>(msg->err) + 1;
  --self->outstanding_;
}

DeliveryResult KafkaSink::deliver(std::span<const OutboxEntry> entries) {
  const std::string& name = config_.common.name;
  if (entries.empty()) return {DeliveryStatus::kDelivered, 0, {}};
  if (rk_ == nullptr) {
    if (auto s = create_producer(); !s) return {DeliveryStatus::kRetry, 0, s.error().message};
  }
  ++generation_;
  outcome_.assign(entries.size(), 0);
  outstanding_ = 0;
  // A record that cannot even be queued (too large for the producer): index and why.
  size_t refused_at = entries.size();
  std::string refused_why;
  bool retry_refusal = false;

  const std::string action_header = "wardsoc-action";
  const std::string format(alert_format_name(renderer_.format()));
  const std::string content_type(alert_content_type(renderer_.format()));
  for (size_t i = 0; i < entries.size(); ++i) {
    const OutboxEntry& e = entries[i];
    const std::string payload = renderer_.render(e);
    const std::string_view action = change_kind_name(e.kind);
    const auto tag = (static_cast<uintptr_t>(generation_) << 32) | i;
    rd_kafka_resp_err_t err;
    for (;;) {
      err = rd_kafka_producev(
          rk_, RD_KAFKA_V_TOPIC(config_.topic.c_str()),
          RD_KAFKA_V_KEY(e.incident.id.data(), e.incident.id.size()),
          RD_KAFKA_V_VALUE(const_cast<char*>(payload.data()), payload.size()),
          RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_TIMESTAMP(e.enqueued_us / 1000),
          RD_KAFKA_V_HEADER(action_header.c_str(), action.data(),
                            static_cast<ssize_t>(action.size())),
          RD_KAFKA_V_HEADER("wardsoc-format", format.data(), static_cast<ssize_t>(format.size())),
          RD_KAFKA_V_HEADER("content-type", content_type.data(),
                            static_cast<ssize_t>(content_type.size())),
          RD_KAFKA_V_OPAQUE(reinterpret_cast<void*>(tag)), RD_KAFKA_V_END);
      if (err != RD_KAFKA_RESP_ERR__QUEUE_FULL || interrupted_.load(std::memory_order_acquire)) {
        break;
      }
      rd_kafka_poll(rk_, 50);  // the local queue drains as reports come in
    }
    if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      refused_at = i;
      refused_why = std::string("cannot queue record for incident ") + e.incident.id + ": " +
                    rd_kafka_err2str(err);
      retry_refusal = !permanent(err);
      break;
    }
    ++outstanding_;
  }

  // Wait for a report on every queued record. librdkafka reports each one within
  // message.timeout.ms, delivered or not; the deadline only guards against a bug.
  const auto deadline = Clock::now() + config_.message_timeout + std::chrono::seconds(10);
  bool interrupted = false;
  while (outstanding_ > 0) {
    if (interrupted_.load(std::memory_order_acquire)) {
      interrupted = true;
      break;
    }
    if (Clock::now() >= deadline) break;
    rd_kafka_poll(rk_, 100);
  }
  if (outstanding_ > 0) {
    // Not yet sent records are dropped from librdkafka's queue: they stay in the outbox
    // and come back with the next attempt, in order.
    rd_kafka_purge(rk_, RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_NON_BLOCKING);
  }

  char fatal[512];
  if (rd_kafka_fatal_error(rk_, fatal, sizeof fatal) != RD_KAFKA_RESP_ERR_NO_ERROR) {
    // The idempotent producer cannot go on (e.g. its sequence was lost); a new one can.
    spdlog::warn("sink {}: Kafka producer failed for good ({}); creating a new one", name, fatal);
    destroy_producer(0);
  }

  size_t delivered = 0;
  while (delivered < entries.size() && delivered < refused_at &&
         outcome_[delivered] == RD_KAFKA_RESP_ERR_NO_ERROR + 1) {
    ++delivered;
  }
  ++generation_;  // later reports for this batch are ignored
  if (delivered == entries.size()) return {DeliveryStatus::kDelivered, delivered, {}};
  if (delivered == refused_at) {
    return {retry_refusal ? DeliveryStatus::kRetry : DeliveryStatus::kRejected, delivered,
            refused_why};
  }
  const int outcome = outcome_[delivered];
  if (outcome == 0) {
    return {DeliveryStatus::kRetry, delivered,
            interrupted ? "interrupted while waiting for Kafka"
                        : "no delivery report from Kafka in time for incident " +
                              entries[delivered].incident.id};
  }
  const auto err = static_cast<rd_kafka_resp_err_t>(outcome - 1);
  const std::string why = "kafka " + config_.topic + ": incident " +
                          entries[delivered].incident.id + ": " + rd_kafka_err2str(err);
  if (permanent(err)) return {DeliveryStatus::kRejected, delivered, why};
  return {DeliveryStatus::kRetry, delivered, why};
}

}  // namespace wardsoc
