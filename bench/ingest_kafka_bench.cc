// Kafka: messages/s through KafkaInput (consumer group, parsing, batching, positions)
// against, in the same run, a bare librdkafka consumer with the same queue settings that
// only counts messages. Both read the same pre-produced topic from librdkafka's mock
// cluster (in this process); timing starts at the first message, so the group join is not
// counted. The mock keeps about 5 MB per partition, hence a partition per 20,000 messages
// (at least 64).
//
//   build/bench/ingest_kafka_bench [messages] [runs]
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

#include <thread>

#include "bench/ingest_bench_util.h"
#include "core/batch_queue.h"
#include "ingest/input_factory.h"
#include "spdlog/spdlog.h"

using namespace wardsoc;
using namespace wardsoc::bench;

namespace {

rd_kafka_conf_t* conf(const std::map<std::string, std::string>& props) {
  rd_kafka_conf_t* c = rd_kafka_conf_new();
  char err[512];
  for (const auto& [k, v] : props) {
    if (rd_kafka_conf_set(c, k.c_str(), v.c_str(), err, sizeof err) != RD_KAFKA_CONF_OK) {
      std::fprintf(stderr, "%s: %s\n", k.c_str(), err);
      std::exit(1);
    }
  }
  return c;
}

void produce(const std::string& brokers, const std::vector<std::string>& lines, int partitions) {
  char err[512];
  rd_kafka_t* p = rd_kafka_new(RD_KAFKA_PRODUCER,
                               conf({{"bootstrap.servers", brokers},
                                     {"linger.ms", "20"},
                                     {"batch.num.messages", "10000"},
                                     {"queue.buffering.max.messages", "2000000"},
                                     {"queue.buffering.max.kbytes", "2000000"}}),
                               err, sizeof err);
  for (size_t i = 0; i < lines.size(); ++i) {
    const std::string key = "srv-" + std::to_string(i % 64);
    for (;;) {
      const rd_kafka_resp_err_t e = rd_kafka_producev(
          p, RD_KAFKA_V_TOPIC("bench"), RD_KAFKA_V_KEY(key.data(), key.size()),
          // Spread evenly: the mock keeps only about 5 MB per partition.
          RD_KAFKA_V_PARTITION(static_cast<int32_t>(i % static_cast<size_t>(partitions))),
          RD_KAFKA_V_VALUE(const_cast<char*>(lines[i].data()), lines[i].size()),
          RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_END);
      if (e != RD_KAFKA_RESP_ERR__QUEUE_FULL) break;
      rd_kafka_poll(p, 10);
    }
  }
  if (rd_kafka_flush(p, 120000) != RD_KAFKA_RESP_ERR_NO_ERROR) {
    std::fprintf(stderr, "produce: %d messages not delivered\n", rd_kafka_outq_len(p));
    std::exit(1);
  }
  rd_kafka_destroy(p);
}

double raw_consume(const std::string& brokers, size_t n, int run) {
  char err[512];
  rd_kafka_t* c = rd_kafka_new(
      RD_KAFKA_CONSUMER,
      conf({{"bootstrap.servers", brokers},
            {"group.id", "raw-" + std::to_string(run)},
            {"auto.offset.reset", "earliest"},
            {"enable.auto.commit", "false"},
            // KafkaInput's own defaults (ingest/kafka_input.cc), so that both read alike.
            {"queued.min.messages", "1000000"},
            {"queued.max.messages.kbytes", "262144"}}),
      err, sizeof err);
  rd_kafka_poll_set_consumer(c);
  rd_kafka_topic_partition_list_t* topics = rd_kafka_topic_partition_list_new(1);
  rd_kafka_topic_partition_list_add(topics, "bench", RD_KAFKA_PARTITION_UA);
  rd_kafka_subscribe(c, topics);
  rd_kafka_topic_partition_list_destroy(topics);
  rd_kafka_queue_t* q = rd_kafka_queue_get_consumer(c);
  std::vector<rd_kafka_message_t*> msgs(8192);
  size_t got = 0;
  size_t bytes = 0;
  Clock::time_point t0;
  const auto deadline = Clock::now() + std::chrono::seconds(120);
  while (got < n && Clock::now() < deadline) {
    const ssize_t k = rd_kafka_consume_batch_queue(q, 100, msgs.data(), msgs.size());
    for (ssize_t i = 0; i < k; ++i) {
      if (msgs[static_cast<size_t>(i)]->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
        if (got == 0) t0 = Clock::now();
        ++got;
        bytes += msgs[static_cast<size_t>(i)]->len;
      }
      rd_kafka_message_destroy(msgs[static_cast<size_t>(i)]);
    }
  }
  const double s = seconds_since(t0);
  if (got < n) std::fprintf(stderr, "raw consumer: only %zu of %zu messages\n", got, n);
  rd_kafka_queue_destroy(q);
  rd_kafka_consumer_close(c);
  rd_kafka_destroy(c);
  (void)bytes;
  return static_cast<double>(got) / s;
}

// KafkaInput's own work (parsing, batching, positions; librdkafka's fetching runs on its
// threads) in CPU seconds per message, measured on the input's thread.
struct InputRun {
  double rate = 0;
  double cpu_per_message = 0;
};

InputRun through_input(const std::string& brokers, size_t n, int run, const IngestContext& ctx,
                       const std::map<std::string, std::string>& options = {}) {
  BatchQueue queue(64);
  KafkaInputConfig c;
  c.common.name = "bench-kafka";
  c.common.batch_events = 4096;
  c.brokers = brokers;
  c.group = "input-" + std::to_string(run);
  c.topics = {KafkaTopic{"bench", AssetClass::kServer}};
  c.drain_timeout = std::chrono::milliseconds(100);
  c.options = options;
  auto input = make_input(c, queue, ctx);
  if (!input.ok() || !(*input)->start().ok()) {
    std::fprintf(stderr, "cannot start the Kafka input\n");
    std::exit(1);
  }
  size_t got = 0;
  Clock::time_point t0;
  double cpu0 = 0;
  EventBatch b;
  const auto deadline = Clock::now() + std::chrono::seconds(120);
  while (got < n && Clock::now() < deadline) {
    if (!queue.pop(&b, std::chrono::milliseconds(100))) continue;
    if (got == 0) {
      t0 = Clock::now();
      cpu0 = thread_cpu_seconds("in:" + c.common.name);
    }
    got += b.size();
    for (const auto& p : b.positions()) (*input)->acknowledge(p);  // as the pipeline does
  }
  const double s = seconds_since(t0);
  const double cpu = thread_cpu_seconds("in:" + c.common.name) - cpu0;
  if (got < n) std::fprintf(stderr, "KafkaInput: only %zu of %zu messages\n", got, n);
  std::thread stopper([&] { (*input)->stop(); });
  while (queue.pop(&b, std::chrono::milliseconds(50))) {
  }
  stopper.join();
  return {static_cast<double>(got) / s, got > 0 ? cpu / static_cast<double>(got) : 0};
}

}  // namespace

int main(int argc, char** argv) {
  spdlog::set_level(spdlog::level::warn);
  const size_t n = argc > 1 ? std::stoul(argv[1]) : 1'000'000;
  const int runs = argc > 2 ? std::stoi(argv[2]) : 5;
  char err[512];
  rd_kafka_t* host = rd_kafka_new(RD_KAFKA_PRODUCER, conf({{"log_level", "3"}}), err, sizeof err);
  rd_kafka_mock_cluster_t* mc = rd_kafka_mock_cluster_new(host, 1);
  const int partitions = std::max<int>(64, static_cast<int>(n / 20000));
  rd_kafka_mock_topic_create(mc, "bench", partitions, 1);
  const std::string brokers = rd_kafka_mock_cluster_bootstraps(mc);
  const auto lines = sample_lines(n);
  produce(brokers, lines, partitions);
  const IngestContext ctx = ward_context();
  std::printf(
      "ingest_kafka_bench: %zu messages in %d partitions (mock cluster), median of %d runs\n", n,
      partitions, runs);
  // KafkaInput once more with librdkafka's own queue bounds, which wardsoc raises.
  const std::map<std::string, std::string> librdkafka_defaults = {
      {"queued.min.messages", "100000"}, {"queued.max.messages.kbytes", "65536"}};
  std::vector<double> raw, in, cpu, in_defaults;
  for (int r = 0; r < runs; ++r) {
    raw.push_back(raw_consume(brokers, n, r));
    const InputRun i = through_input(brokers, n, r, ctx);
    in.push_back(i.rate);
    cpu.push_back(i.cpu_per_message);
    in_defaults.push_back(through_input(brokers, n, runs + r, ctx, librdkafka_defaults).rate);
  }
  const double base = median(raw);
  std::printf("  bare librdkafka consumer (no parsing)  %12.0f messages/s  1.00\n", base);
  std::printf("  KafkaInput                             %12.0f messages/s  %.2f\n", median(in),
              median(in) / base);
  std::printf("  KafkaInput, librdkafka's queue bounds  %12.0f messages/s  %.2f\n",
              median(in_defaults), median(in_defaults) / base);
  std::printf(
      "  KafkaInput's own thread: %.3f us CPU per message, so one core takes %.0f "
      "messages/s\n",
      median(cpu) * 1e6, median(cpu) > 0 ? 1 / median(cpu) : 0);
  rd_kafka_mock_cluster_destroy(mc);
  rd_kafka_destroy(host);
  return 0;
}
