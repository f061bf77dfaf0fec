// One `wardsoc run` under test: a temporary directory with its config, data directory,
// log and SOC file, the process started and awaited until it says it runs, and the
// outside ways to talk to it (logger, the CLI, the store as `incidents list` shows it).
// For e2e tests only: they define WARDSOC_BIN and LOGGER_BIN (tests/e2e/CMakeLists.txt).
#pragma once

#include <signal.h>

#include <boost/test/unit_test.hpp>
#include <chrono>
#include <filesystem>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "tests/support/subprocess.h"
#include "tests/support/temp_dir.h"
#include "tests/support/wait.h"

namespace wardsoc::testing {

class WardsocInstance {
 public:
  // `yaml` makes the config (after data_dir) from this instance's paths and port.
  WardsocInstance(const std::string& tag,
                  const std::function<std::string(const WardsocInstance&)>& yaml)
      : dir(tag) {
    configure(yaml(*this));
  }
  WardsocInstance(const WardsocInstance&) = delete;
  WardsocInstance& operator=(const WardsocInstance&) = delete;

  TempDir dir;
  std::filesystem::path config = dir / "wardsoc.yaml";
  std::filesystem::path data = dir / "var";
  std::filesystem::path log = dir / "wardsoc.log";
  std::filesystem::path soc = dir / "soc.jsonl";  // where a `file` sink may write
  uint16_t syslog_port = free_port();             // for a syslog input, and send()
  uint16_t api_port = free_port();                // for an `api:` section

  std::string api_listen() const { return "127.0.0.1:" + std::to_string(api_port); }

  // Writes the config file: `data_dir` (this instance's), then `yaml` as given.
  void configure(const std::string& yaml) const {
    write_file(config, "data_dir: " + data.string() + "\n" + yaml);
  }

  // Starts `wardsoc run` with its log in `log` and waits until the log (from what this
  // start writes) says "wardsoc running".
  std::unique_ptr<Subprocess> start(std::chrono::milliseconds timeout = std::chrono::seconds(60)) {
    const size_t before = read_file(log).size();
    auto p = std::make_unique<Subprocess>(
        std::vector<std::string>{WARDSOC_BIN, "run", "--config", config.string()}, dir / "stdout",
        log);
    BOOST_REQUIRE_MESSAGE(
        wait_until(
            "wardsoc to log 'wardsoc running'",
            [&] { return read_file(log).find("wardsoc running", before) != std::string::npos; },
            timeout),
        "wardsoc did not start:\n"
            << read_file(log));
    return p;
  }

  // SIGINT, as Ctrl-C stops it; it must exit 0 within 30 s.
  static void stop(Subprocess& p) {
    p.signal(SIGINT);
    BOOST_REQUIRE_EQUAL(p.wait(std::chrono::seconds(30)), 0);
  }

  // One syslog message with logger(1) to syslog_port, over TCP (or UDP).
  void send(const std::string& message, const std::string& tag = "sshd", bool tcp = true) const {
    BOOST_REQUIRE_EQUAL(
        run_command({LOGGER_BIN, "-n", "127.0.0.1", "-P", std::to_string(syslog_port),
                     tcp ? "-T" : "-d", "-t", tag, "--", message}),
        0);
  }

  // `wardsoc ARGS... --config <config>`.
  int cli(std::vector<std::string> args, std::string* out, std::string* err = nullptr,
          std::chrono::milliseconds timeout = std::chrono::seconds(60)) const {
    args.insert(args.begin(), WARDSOC_BIN);
    args.push_back("--config");
    args.push_back(config.string());
    return run_command(args, out, err, timeout);
  }

  // `wardsoc incidents list --data-dir <data> --json FILTERS...`, one document a line;
  // nothing if the command fails (lines that are not JSON are skipped).
  std::optional<std::vector<nlohmann::json>> try_incidents(
      const std::vector<std::string>& filters = {}) const {
    std::vector<std::string> argv = {WARDSOC_BIN,  "incidents",   "list",
                                     "--data-dir", data.string(), "--json"};
    argv.insert(argv.end(), filters.begin(), filters.end());
    std::string out, err;
    if (run_command(argv, &out, &err) != 0) return std::nullopt;
    return json_lines(out);
  }
  // The same, and the command must succeed.
  std::vector<nlohmann::json> incidents(const std::vector<std::string>& filters = {}) const {
    auto got = try_incidents(filters);
    BOOST_REQUIRE_MESSAGE(got, "wardsoc incidents list failed");
    return *got;
  }

  // The alerts a `file` sink wrote to `soc` so far (whole lines only).
  std::vector<nlohmann::json> soc_alerts() const { return json_lines(read_complete_lines(soc)); }

  bool log_contains(const std::string& text) const {
    return read_file(log).find(text) != std::string::npos;
  }

  static std::vector<nlohmann::json> json_lines(const std::string& text) {
    std::vector<nlohmann::json> docs;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);) {
      if (line.empty()) continue;
      auto j = nlohmann::json::parse(line, nullptr, false);
      if (!j.is_discarded()) docs.push_back(std::move(j));
    }
    return docs;
  }
};

}  // namespace wardsoc::testing
