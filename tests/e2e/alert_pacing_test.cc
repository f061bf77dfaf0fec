// A sink's update_interval with the real binary: a long brute force grows one incident in
// many commits; the SOC file gets its creation at once, its growth at most once per
// interval, and its last alert carries the count the store holds. With update_interval 0
// the same stream gives one alert per commit the incident grew in, as before.
#include <signal.h>

#include <boost/test/unit_test.hpp>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "store/store.h"
#include "tests/support/subprocess.h"
#include "tests/support/wait.h"

using namespace wardsoc;
using namespace wardsoc::testing;
using namespace std::chrono_literals;
using nlohmann::json;

namespace {

// One address failing to log in over and over, 100 ms of device time apart: one incident
// of ssh.auth_failure_burst that grows with every line after the fifth.
std::string brute_force_line(size_t i) {
  const int64_t t = 1768032000 + static_cast<int64_t>(i / 10);  // 2026-01-10T08:00:00Z
  const time_t secs = static_cast<time_t>(t);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char stamp[64];
  std::strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%S", &tm);
  std::ostringstream line;
  line << "<38>1 " << stamp << "." << (i % 10) << "00Z gw sshd 4121 - - Failed password for root "
       << "from 198.51.100.9 port " << 40000 + i << " ssh2\n";
  return line.str();
}

struct Alert {
  std::string action;
  uint64_t count = 0;
  std::string status;
};

struct Run {
  TempDir dir{"pacing"};
  std::filesystem::path log = dir / "auth.log";
  std::filesystem::path data = dir / "var";
  std::filesystem::path soc = dir / "soc.jsonl";
  std::filesystem::path config = dir / "wardsoc.yaml";
  std::filesystem::path out = dir / "wardsoc.log";

  explicit Run(const std::string& update_interval) {
    std::ostringstream c;
    c << "data_dir: " << data.string() << "\n"
      << "log_level: info\n"
      << "rules: [" << WARDSOC_SOURCE_DIR << "/rules]\n"
      << "store:\n  durability: group\n"
      << "api:\n  listen: ''\n"
      << "inputs:\n  - name: files\n    type: file\n    paths: [" << log.string() << "]\n"
      << "    class: server\n    max_clock_skew: 3650d\n    batch_events: 16\n"
      << "sinks:\n  - name: soc-file\n    type: file\n    path: " << soc.string() << "\n"
      << "    fsync: false\n    update_interval: " << update_interval << "\n";
    write_file(config, c.str());
    std::filesystem::create_directories(data);
    write_file(log, "");
  }

  std::unique_ptr<Subprocess> start() {
    return std::make_unique<Subprocess>(
        std::vector<std::string>{WARDSOC_BIN, "run", "--config", config.string()}, dir / "stdout",
        out);
  }

  // Appends the brute force a few lines at a time for `duration`, so that the incident
  // grows in many commits. Returns how many lines were written.
  size_t feed(std::chrono::milliseconds duration) {
    size_t n = 0;
    const auto until = std::chrono::steady_clock::now() + duration;
    while (std::chrono::steady_clock::now() < until) {
      {
        std::ofstream f(log, std::ios::app | std::ios::binary);
        for (int k = 0; k < 4; ++k) f << brute_force_line(n++);
      }
      // Pacing the writer so that the reader commits many times: the point of the test.
      std::this_thread::sleep_for(30ms);
    }
    return n;
  }

  uint64_t checkpoint() const {
    auto store = Store::OpenReadOnly((data / "db").string());
    if (!store.ok()) return 0;
    auto cps = (*store)->checkpoints("files");
    if (!cps.ok()) return 0;
    uint64_t best = 0;
    for (const auto& [stream, pos] : *cps) best = std::max(best, pos);
    return best;
  }

  // The one incident of the stream and its stored count.
  std::pair<std::string, uint64_t> stored() const {
    auto store = Store::OpenReadOnly((data / "db").string());
    BOOST_REQUIRE_MESSAGE(store.ok(), (store.ok() ? "" : store.error().message));
    IncidentQuery q;
    q.rule_id = "ssh.auth_failure_burst";
    auto page = (*store)->list_incidents(q);
    BOOST_REQUIRE(page.ok());
    BOOST_REQUIRE_EQUAL(page->incidents.size(), 1u);
    return {page->incidents[0].id, page->incidents[0].count};
  }

  std::vector<Alert> alerts(const std::string& id) const {
    std::vector<Alert> out;
    std::istringstream in(read_complete_lines(soc));
    for (std::string line; std::getline(in, line);) {
      if (line.empty()) continue;
      const json j = json::parse(line);
      if (j["id"] != id) continue;
      out.push_back({j["action"].get<std::string>(), j["count"].get<uint64_t>(),
                     j["status"].get<std::string>()});
    }
    return out;
  }

  // Feeds the brute force for `duration` to a running wardsoc, waits until all of it is
  // stored and (while it runs) until the SOC file's last alert carries the stored count.
  // Returns the incident's alerts and its stored count.
  std::pair<std::vector<Alert>, uint64_t> brute_force(std::chrono::milliseconds duration) {
    auto p = start();
    const size_t lines = feed(duration);
    BOOST_TEST_REQUIRE(lines > 50u);
    const uint64_t bytes = std::filesystem::file_size(log);
    BOOST_REQUIRE_MESSAGE(wait_until(
                              "the whole file is stored", [&] { return checkpoint() == bytes; },
                              60s),
                          "log:\n"
                              << read_file(out));
    const auto [id, count] = stored();
    BOOST_REQUIRE_MESSAGE(wait_until(
                              "the last alert carries the stored count",
                              [&, id = id, count = count] {
                                const auto a = alerts(id);
                                return !a.empty() && a.back().count == count;
                              },
                              30s),
                          "last alert count " << (alerts(id).empty() ? 0 : alerts(id).back().count)
                                              << ", stored " << count);
    p->signal(SIGTERM);
    BOOST_REQUIRE_EQUAL(p->wait(30s), 0);
    return {alerts(id), count};
  }
};

}  // namespace

BOOST_AUTO_TEST_CASE(a_long_brute_force_sends_a_bounded_number_of_alerts_with_the_last_count) {
  Run run("1s");
  const auto started = std::chrono::steady_clock::now();
  const auto [alerts, count] = run.brute_force(4s);
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  BOOST_TEST_REQUIRE(!alerts.empty());
  BOOST_TEST(alerts.front().action == "created");
  BOOST_TEST(count > 100u, "the incident grew with the whole stream");
  // The creation, one update per second of growth (the run's whole length bounds it, the
  // settling included), and the one released at stop.
  const size_t bound = 2 + static_cast<size_t>(seconds) + 1;
  BOOST_TEST_MESSAGE("update_interval 1s: " << alerts.size() << " alerts for one incident of count "
                                            << count << " in " << seconds << "s");
  BOOST_TEST(alerts.size() <= bound, alerts.size() << " alerts for one incident in " << seconds
                                                   << "s, at most " << bound << " expected");
  BOOST_TEST(alerts.back().count == count);
  // In order: counts never go back.
  for (size_t i = 1; i < alerts.size(); ++i) BOOST_TEST(alerts[i].count >= alerts[i - 1].count);
}

BOOST_AUTO_TEST_CASE(update_interval_zero_sends_an_alert_for_every_commit_it_grew_in) {
  Run run("0");
  const auto started = std::chrono::steady_clock::now();
  const auto [alerts, count] = run.brute_force(4s);
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  BOOST_TEST_REQUIRE(!alerts.empty());
  BOOST_TEST(alerts.front().action == "created");
  BOOST_TEST(alerts.back().count == count);
  // Many commits grew it, and each made an alert: above what a 1s interval allows over
  // the same time (the bound of the test above), which this shows to be a real limit.
  const size_t paced_bound = 2 + static_cast<size_t>(seconds) + 1;
  BOOST_TEST_MESSAGE("update_interval 0: " << alerts.size() << " alerts for one incident of count "
                                           << count << " in " << seconds << "s");
  BOOST_TEST(alerts.size() > paced_bound, alerts.size() << " alerts in " << seconds << "s");
  for (size_t i = 1; i < alerts.size(); ++i) BOOST_TEST(alerts[i].count >= alerts[i - 1].count);
}
