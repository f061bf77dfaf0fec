// kafka_mock_cluster: hosts librdkafka's mock Kafka cluster (the real Kafka protocol on
// loopback ports) in a process of its own, so that several wardsoc processes and kcat
// can share it in a test.
//
//   kafka_mock_cluster [--brokers N] [--topic NAME[:PARTITIONS]]...
//
// Prints "bootstrap.servers=HOST:PORT,..." on stdout once the cluster is up, then reads
// commands on stdin, one per line, answering "ok" or "error: ..." on stdout:
//   down ID      take broker ID (1-based) down: its connections are closed and refused
//   up ID        bring it back
//   topic NAME PARTITIONS
//   quit         (or end of input, or SIGTERM) destroys the cluster and exits
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>
#include <signal.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

namespace {

void usage() {
  std::fprintf(stderr, "usage: kafka_mock_cluster [--brokers N] [--topic NAME[:PARTITIONS]]...\n");
  std::exit(2);
}

bool create_topic(rd_kafka_mock_cluster_t* mc, const std::string& name, int partitions,
                  int brokers) {
  const rd_kafka_resp_err_t err =
      rd_kafka_mock_topic_create(mc, name.c_str(), partitions, brokers < 3 ? brokers : 3);
  if (err) {
    std::fprintf(stderr, "kafka_mock_cluster: topic %s: %s\n", name.c_str(), rd_kafka_err2str(err));
    return false;
  }
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  int brokers = 1;
  std::vector<std::pair<std::string, int>> topics;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--brokers" && i + 1 < argc) {
      brokers = std::atoi(argv[++i]);
      if (brokers < 1) usage();
    } else if (a == "--topic" && i + 1 < argc) {
      std::string t = argv[++i];
      int parts = 1;
      if (auto colon = t.find(':'); colon != std::string::npos) {
        parts = std::atoi(t.c_str() + colon + 1);
        t.resize(colon);
      }
      if (t.empty() || parts < 1) usage();
      topics.emplace_back(t, parts);
    } else {
      usage();
    }
  }

  char errstr[512];
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  rd_kafka_conf_set(conf, "log_level", "3", errstr, sizeof errstr);
  rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof errstr);
  if (!rk) {
    std::fprintf(stderr, "kafka_mock_cluster: %s\n", errstr);
    return 1;
  }
  rd_kafka_mock_cluster_t* mc = rd_kafka_mock_cluster_new(rk, brokers);
  if (!mc) {
    std::fprintf(stderr, "kafka_mock_cluster: cannot create the mock cluster\n");
    return 1;
  }
  for (const auto& [name, parts] : topics) {
    if (!create_topic(mc, name, parts, brokers)) return 1;
  }
  std::printf("bootstrap.servers=%s\n", rd_kafka_mock_cluster_bootstraps(mc));
  std::fflush(stdout);

  // SIGTERM and SIGINT end the read loop through EOF-like failure of getline.
  signal(SIGPIPE, SIG_IGN);
  std::string line;
  while (std::getline(std::cin, line)) {
    std::istringstream in(line);
    std::string cmd;
    in >> cmd;
    if (cmd.empty()) continue;
    if (cmd == "quit") break;
    if (cmd == "down" || cmd == "up") {
      int id = 0;
      in >> id;
      const rd_kafka_resp_err_t err = cmd == "down" ? rd_kafka_mock_broker_set_down(mc, id)
                                                    : rd_kafka_mock_broker_set_up(mc, id);
      if (err) {
        std::printf("error: %s\n", rd_kafka_err2str(err));
      } else {
        std::printf("ok\n");
      }
    } else if (cmd == "topic") {
      std::string name;
      int parts = 1;
      in >> name >> parts;
      std::printf(create_topic(mc, name, parts, brokers) ? "ok\n" : "error: see stderr\n");
    } else {
      std::printf("error: unknown command '%s'\n", cmd.c_str());
    }
    std::fflush(stdout);
  }
  rd_kafka_mock_cluster_destroy(mc);
  rd_kafka_destroy(rk);
  return 0;
}
