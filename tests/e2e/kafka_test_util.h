// The pieces Kafka tests share: librdkafka's mock cluster in its own process
// (tests/support/kafka_mock_cluster, commands over a FIFO on its stdin) and kcat as an
// independent producer.
#pragma once

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <boost/test/unit_test.hpp>
#include <chrono>
#include <ctime>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "tests/support/subprocess.h"

namespace wardsoc::test {

class MockKafka {
 public:
  // Starts a cluster of `brokers` with the given topics ("name", partitions).
  MockKafka(int brokers, const std::vector<std::pair<std::string, int>>& topics) {
    const auto fifo = dir_ / "commands";
    BOOST_REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
    std::string cmd = "exec '" + std::string(WARDSOC_BINARY_DIR) +
                      "/tests/support/kafka_mock_cluster' --brokers " + std::to_string(brokers);
    for (const auto& [name, parts] : topics)
      cmd += " --topic " + name + ":" + std::to_string(parts);
    cmd += " < '" + fifo.string() + "'";
    process_ = std::make_unique<wardsoc::testing::Subprocess>(
        std::vector<std::string>{"sh", "-c", cmd}, dir_ / "stdout", dir_ / "stderr");
    commands_ = ::open(fifo.c_str(), O_WRONLY | O_CLOEXEC);  // waits for the cluster to open it
    BOOST_REQUIRE(commands_ >= 0);
    const bool up = wardsoc::testing::eventually(
        [&] { return out().find("bootstrap.servers=") != std::string::npos; },
        std::chrono::seconds(20));
    BOOST_REQUIRE_MESSAGE(
        up, "mock cluster did not start: " << wardsoc::testing::read_file(dir_ / "stderr"));
    const std::string o = out();
    const size_t at = o.find("bootstrap.servers=") + 18;
    bootstrap_ = o.substr(at, o.find('\n', at) - at);
  }

  ~MockKafka() {
    command_async("quit");
    ::close(commands_);
    process_->wait(std::chrono::seconds(10));
  }

  const std::string& bootstrap() const { return bootstrap_; }

  // "down 1", "up 1", "topic NAME PARTS"; waits for the cluster's "ok".
  void command(const std::string& line) {
    const size_t oks = count_ok();
    command_async(line);
    const bool done =
        wardsoc::testing::eventually([&] { return count_ok() > oks; }, std::chrono::seconds(10));
    BOOST_REQUIRE_MESSAGE(done, "mock cluster did not answer '" << line << "': " << out());
  }

  // Produces one message per (key, value) with kcat; an empty key sends none.
  void produce(const std::string& topic,
               const std::vector<std::pair<std::string, std::string>>& messages) {
    const auto file = dir_ / ("produce-" + std::to_string(++produced_));
    std::string text;
    for (const auto& [k, v] : messages) text += k + "\x1f" + v + "\n";
    wardsoc::testing::write_file(file, text);
    std::string out, err;
    const int rc =
        wardsoc::testing::run_command({"kcat", "-P", "-b", bootstrap_, "-t", topic, "-K", "\x1f",
                                       "-l", file.string(), "-X", "message.timeout.ms=30000"},
                                      &out, &err, std::chrono::seconds(60));
    BOOST_REQUIRE_MESSAGE(rc == 0, "kcat failed (" << rc << "): " << err);
  }

 private:
  std::string out() const { return wardsoc::testing::read_file(dir_ / "stdout"); }
  size_t count_ok() const {
    const std::string o = out();
    size_t n = 0;
    for (size_t at = o.find("ok\n"); at != std::string::npos; at = o.find("ok\n", at + 1)) ++n;
    return n;
  }
  void command_async(const std::string& line) {
    const std::string l = line + "\n";
    [[maybe_unused]] const ssize_t n = ::write(commands_, l.data(), l.size());
  }

  wardsoc::testing::TempDir dir_;
  std::unique_ptr<wardsoc::testing::Subprocess> process_;
  int commands_ = -1;
  std::string bootstrap_;
  int produced_ = 0;
};

// "2026-11-25T10:00:00+07:00": now, as a syslog timestamp in Hanoi time.
inline std::string now_rfc3339() {
  const std::time_t t = std::time(nullptr) + 7 * 3600;
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[40];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S+07:00", &tm);
  return buf;
}

}  // namespace wardsoc::test
