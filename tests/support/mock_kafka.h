// The one Kafka that tests talk to: librdkafka's mock cluster (the real protocol on
// loopback) in a process of its own (tests/support/kafka_mock_cluster.cc), driven through
// its stdin, with kcat as the independent producer and reader of its topics.
#pragma once

#include <boost/test/unit_test.hpp>
#include <chrono>
#include <memory>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "tests/support/subprocess.h"
#include "tests/support/temp_dir.h"
#include "tests/support/wait.h"

namespace wardsoc::testing {

class MockKafka {
 public:
  // Starts a cluster of `brokers` with the given topics ("name", partitions) and waits
  // until it prints its bootstrap servers.
  MockKafka(int brokers, const std::vector<std::pair<std::string, int>>& topics) {
    std::vector<std::string> argv = {WARDSOC_BINARY_DIR "/tests/support/kafka_mock_cluster",
                                     "--brokers", std::to_string(brokers)};
    for (const auto& [name, parts] : topics) {
      argv.push_back("--topic");
      argv.push_back(name + ":" + std::to_string(parts));
    }
    SubprocessIo io;
    io.stdout_file = dir_ / "stdout";
    io.stderr_file = dir_ / "stderr";
    io.stdin_pipe = true;
    process_ = std::make_unique<Subprocess>(std::move(argv), io);
    BOOST_REQUIRE_MESSAGE(
        wait_until(
            "the mock Kafka cluster to print its bootstrap servers",
            [&] { return out().find('\n') != std::string::npos; }, std::chrono::seconds(20)),
        "stderr: " << read_file(dir_ / "stderr"));
    const std::string o = out();
    BOOST_REQUIRE_MESSAGE(o.rfind("bootstrap.servers=", 0) == 0,
                          "mock cluster did not start: " << o << read_file(dir_ / "stderr"));
    bootstrap_ = o.substr(18, o.find('\n') - 18);
  }

  // "quit", then end of input; a cluster that does not exit in 10 s is killed.
  ~MockKafka() {
    process_->write_stdin("quit\n");
    process_->close_stdin();
    process_->wait(std::chrono::seconds(10));
  }
  MockKafka(const MockKafka&) = delete;
  MockKafka& operator=(const MockKafka&) = delete;

  const std::string& bootstrap() const { return bootstrap_; }

  // "down 1" / "up 1" (the broker's connections are closed and refused, or allowed
  // again), "topic NAME PARTS"; waits for the cluster's answer and requires "ok".
  void command(const std::string& line) {
    const size_t before = answers().size();
    BOOST_REQUIRE(process_->write_stdin(line + "\n"));
    BOOST_REQUIRE(wait_until(
        "the mock Kafka cluster to answer '" + line + "'",
        [&] { return answers().size() > before; }, std::chrono::seconds(10)));
    const std::string answer = answers()[before];
    BOOST_REQUIRE_MESSAGE(answer == "ok", "'" << line << "' failed: " << answer);
  }

  // Produces one message per (key, value) with kcat; an empty key sends none.
  void produce(const std::string& topic,
               const std::vector<std::pair<std::string, std::string>>& messages) {
    const auto file = dir_ / ("produce-" + std::to_string(++produced_));
    std::string text;
    for (const auto& [k, v] : messages) text += k + "\x1f" + v + "\n";
    write_file(file, text);
    std::string out, err;
    const int rc = run_command({"kcat", "-P", "-b", bootstrap_, "-t", topic, "-K", "\x1f", "-l",
                                file.string(), "-X", "message.timeout.ms=30000"},
                               &out, &err, std::chrono::seconds(60));
    BOOST_REQUIRE_MESSAGE(rc == 0, "kcat failed (" << rc << "): " << err);
  }

  // Every record of the topic, read with kcat from the beginning: partition, key, value.
  struct Record {
    int partition;
    std::string key, value;
  };
  std::vector<Record> read_topic(const std::string& topic) const {
    std::string out, err;
    const int rc = run_command({"kcat", "-b", bootstrap_, "-C", "-t", topic, "-o", "beginning",
                                "-e", "-q", "-f", "%p\t%k\t%s\n"},
                               &out, &err, std::chrono::seconds(60));
    BOOST_REQUIRE_MESSAGE(rc == 0, "kcat failed (" << rc << "): " << err);
    std::vector<Record> records;
    std::istringstream in(out);
    for (std::string line; std::getline(in, line);) {
      const size_t a = line.find('\t'), b = line.find('\t', a + 1);
      if (a == std::string::npos || b == std::string::npos) continue;
      records.push_back(
          {std::stoi(line.substr(0, a)), line.substr(a + 1, b - a - 1), line.substr(b + 1)});
    }
    return records;
  }

 private:
  std::string out() const { return read_complete_lines(dir_ / "stdout"); }
  // The cluster's answers to commands, in order (the lines after the bootstrap line).
  std::vector<std::string> answers() const {
    std::vector<std::string> lines;
    std::istringstream in(out());
    std::string line;
    std::getline(in, line);
    while (std::getline(in, line)) lines.push_back(line);
    return lines;
  }

  TempDir dir_{"kafka"};
  std::unique_ptr<Subprocess> process_;
  std::string bootstrap_;
  int produced_ = 0;
};

}  // namespace wardsoc::testing
