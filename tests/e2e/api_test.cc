// The HTTP API and the CLI against a running `wardsoc run`: incidents listed, shown and
// moved through their lifecycle while the service holds the data directory, counts for
// charts, /metrics, the bearer token, backup and verify from outside; and the clear
// errors for a second instance and a data directory from a newer wardsoc.
#include <signal.h>

#include <algorithm>
#include <boost/test/unit_test.hpp>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>

#include "app/api/api_client.h"
#include "core/time.h"
#include "store/keys.h"
#include "store/outbox_queue.h"
#include "tests/store/store_test_util.h"
#include "tests/support/subprocess.h"
#include "tests/support/wait.h"
#include "tests/support/wardsoc_instance.h"

using namespace wardsoc;
using namespace wardsoc::testing;
using namespace std::chrono_literals;
using nlohmann::json;

namespace {

constexpr const char* kToken = "s3cret-token-0123456789";

std::string api_config(const WardsocInstance& w) {
  std::ostringstream c;
  c << "rules: [" << WARDSOC_SOURCE_DIR << "/rules]\n"
    << "api:\n  listen: " << w.api_listen() << "\n  token: " << kToken << "\n"
    << "inputs:\n  - name: syslog-tcp\n    type: syslog_tcp\n    address: 127.0.0.1\n"
    << "    port: " << w.syslog_port << "\n    class: server\n"
    << "sinks:\n  - name: soc-file\n    type: file\n    path: " << w.soc.string() << "\n";
  return c.str();
}

ApiReply call(const WardsocInstance& w, const std::string& method, const std::string& target,
              const std::string& body = "", const std::string& token = kToken) {
  auto r = api_request(w.api_listen(), method, target, body, token, 30s);
  BOOST_REQUIRE_MESSAGE(r.ok(), (r.ok() ? "" : r.error().message));
  return *r;
}

json get(const WardsocInstance& w, const std::string& target) {
  const ApiReply r = call(w, "GET", target);
  BOOST_REQUIRE_MESSAGE(r.status == 200, target << ": " << r.status << " " << r.body);
  return json::parse(r.body);
}

}  // namespace

BOOST_AUTO_TEST_CASE(police_handle_an_incident_through_the_api_and_the_cli_while_wardsoc_runs) {
  WardsocInstance w("api", api_config);
  auto proc = w.start();
  for (int i = 0; i < 6; ++i) {
    w.send("Failed password for root from 203.0.113.7 port " + std::to_string(4240 + i) + " ssh2");
  }
  std::string id;
  BOOST_REQUIRE(wait_until(
      "the brute-force incident with count 6 in the API",
      [&] {
        const json page = get(w, "/api/v1/incidents?rule=ssh.auth_failure_burst");
        if (page["incidents"].empty()) return false;
        id = page["incidents"][0]["id"];
        return page["incidents"][0]["count"] == 6;
      },
      20s));

  // Public health, token everywhere else.
  BOOST_TEST(call(w, "GET", "/healthz", "", "").status == 200);
  BOOST_TEST(call(w, "GET", "/api/v1/incidents", "", "").status == 401);
  BOOST_TEST(call(w, "GET", "/api/v1/incidents", "", "wrong").status == 401);
  BOOST_TEST(call(w, "GET", "/api/v1/nothing").status == 404);
  BOOST_TEST(call(w, "DELETE", "/api/v1/incidents").status == 405);
  BOOST_TEST(call(w, "GET", "/api/v1/incidents?severity=awful").status == 400);
  BOOST_TEST(call(w, "GET", "/api/v1/incidents/not-an-id").status == 400);
  BOOST_TEST(call(w, "GET", "/api/v1/incidents/ffffffffffffffff").status == 404);

  // Filters and search, in Vietnamese without diacritics.
  BOOST_TEST(
      get(w, "/api/v1/incidents?q=mat%20khau&severity=high&class=server")["incidents"].size() ==
      1u);
  BOOST_TEST(get(w, "/api/v1/incidents?status=resolved")["incidents"].empty());

  // The CLI acknowledges through the API (the store is locked by the service).
  std::string out, err;
  BOOST_REQUIRE_MESSAGE(
      w.cli({"incidents", "ack", id, "--note", "đang kiểm tra", "--actor", "cong-an-phuong/an"},
            &out, &err) == 0,
      err);
  BOOST_TEST(out.find("is now acknowledged") != std::string::npos, out);
  // An out-of-order step is refused with the reason, and changes nothing.
  const ApiReply back =
      call(w, "POST", "/api/v1/incidents/" + id + "/transition", R"({"status":"new","actor":"x"})");
  BOOST_TEST(back.status == 400);
  BOOST_TEST(back.body.find("nothing goes back to new") != std::string::npos, back.body);
  const ApiReply stale = call(w, "POST", "/api/v1/incidents/" + id + "/transition",
                              R"({"status":"in_progress","actor":"b","expected_status":"new"})");
  BOOST_TEST(stale.status == 409);
  BOOST_REQUIRE(w.cli({"incidents", "resolve", id, "-m", "chặn IP trên tường lửa"}, &out, &err) ==
                0);
  BOOST_TEST(w.cli({"incidents", "resolve", id}, &out, &err) == 2);  // --note is required

  const json shown = get(w, "/api/v1/incidents/" + id);
  BOOST_TEST(shown["incident"]["status"] == "resolved");
  BOOST_TEST(shown["evidence"].size() == 6u);
  BOOST_REQUIRE(shown["history"].size() == 3u);
  BOOST_TEST(shown["history"][1]["actor"] == "cong-an-phuong/an");
  BOOST_TEST(shown["history"][1]["note"] == "đang kiểm tra");
  BOOST_TEST(shown["history"][2]["to"] == "resolved");
  BOOST_REQUIRE(w.cli({"incidents", "show", id}, &out, &err) == 0);
  BOOST_TEST(out.find("acknowledged -> resolved: chặn IP trên tường lửa") != std::string::npos,
             out);

  // The SOC learns of each status change.
  BOOST_REQUIRE(wait_until(
      "one resolved alert in the SOC file",
      [&] {
        std::istringstream in(read_complete_lines(w.soc));
        int resolved = 0;
        for (std::string line; std::getline(in, line);) {
          if (!line.empty() && json::parse(line)["status"] == "resolved") ++resolved;
        }
        return resolved == 1;
      },
      20s));

  // Counts for the charts, and Prometheus metrics.
  const json counts = get(w, "/api/v1/stats/incidents?bucket=hour&by=rule");
  BOOST_TEST(counts["total"].get<int>() >= 1);
  const ApiReply metrics = call(w, "GET", "/metrics");
  BOOST_TEST(metrics.status == 200);
  BOOST_TEST(metrics.body.find("wardsoc_store_transitions_total 2") != std::string::npos,
             metrics.body.substr(0, 2000));
  BOOST_TEST(metrics.body.find("wardsoc_rule_matches_total{rule=\"ssh.auth_failure_burst\"} 6") !=
             std::string::npos);
  BOOST_TEST(metrics.body.find("wardsoc_outbox_entries{sink=\"soc-file\"}") != std::string::npos);
  // Six sshd lines went through RE2 at least once each.
  const size_t runs = metrics.body.find("\nwardsoc_detect_re2_runs_total ");
  BOOST_TEST_REQUIRE(runs != std::string::npos);
  BOOST_TEST(std::stoull(metrics.body.substr(runs + 31)) >= 6u);
  BOOST_TEST(metrics.body.find("\nwardsoc_detect_re2_dfa_checks_total ") != std::string::npos);
  BOOST_TEST(metrics.body.find("\nwardsoc_detect_joined_lines_total ") != std::string::npos);
  BOOST_TEST(metrics.body.find("\nwardsoc_detect_joined_fallbacks_total 0") != std::string::npos);

  // Looking after the store from outside while it runs.
  const std::string backups = (w.dir / "backups").string();
  BOOST_REQUIRE_MESSAGE(w.cli({"db", "backup", backups}, &out, &err) == 0, err);
  BOOST_TEST(out.find("backup 1 written") != std::string::npos, out);
  BOOST_REQUIRE_MESSAGE(w.cli({"db", "verify"}, &out, &err) == 0, out << err);
  BOOST_TEST(out.find("ok: no problems found") != std::string::npos, out);
  BOOST_REQUIRE(w.cli({"db", "stats", "--json"}, &out, &err) == 0);
  BOOST_TEST(json::parse(out)["incidents"] == 1);
  BOOST_TEST(w.cli({"db", "restore", backups}, &out, &err) == 1);
  BOOST_TEST(err.find("stop it before restoring") != std::string::npos, err);
  const json audit = get(w, "/api/v1/audit");
  BOOST_TEST(audit["entries"].size() == 3u);  // two transitions, one backup

  // A second instance on the same directory is refused with who holds it.
  std::string err2;
  const int second =
      run_command({WARDSOC_BIN, "run", "--config", w.config.string()}, &out, &err2, 60s);
  BOOST_TEST(second == 2);
  BOOST_TEST(err2.find("is in use by another wardsoc process (pid " + std::to_string(proc->pid()) +
                       ")") != std::string::npos,
             err2);

  proc->signal(SIGTERM);
  BOOST_TEST(proc->wait(30s) == 0);

  // Stopped: the CLI opens the store itself, with the same results.
  BOOST_REQUIRE(w.cli({"incidents", "list", "--status", "resolved", "--json"}, &out, &err) == 0);
  BOOST_TEST(json::parse(out)["id"] == id);
  BOOST_REQUIRE(w.cli({"db", "restore", backups}, &out, &err) == 0);
  BOOST_TEST(out.find("restored backup 1") != std::string::npos, out);
}

BOOST_AUTO_TEST_CASE(a_data_directory_from_a_newer_wardsoc_is_refused_unchanged) {
  WardsocInstance w("api", api_config);
  const std::string db = (w.data / "db").string();
  { auto store = open_store(db); }
  with_raw_db(db, [](rocksdb::DB* d, auto& cf) {
    BOOST_REQUIRE(d->Put(rocksdb::WriteOptions(), cf.at("meta"), "schema_version",
                         std::to_string(keys::kSchemaVersion + 1))
                      .ok());
  });
  std::string out, err;
  const int rc = run_command({WARDSOC_BIN, "run", "--config", w.config.string()}, &out, &err, 60s);
  BOOST_TEST(rc == 2);
  BOOST_TEST(err.find("was written by a newer wardsoc") != std::string::npos, err);
  BOOST_TEST(w.cli({"incidents", "list"}, &out, &err) == 1);
  BOOST_TEST(err.find("newer wardsoc") != std::string::npos, err);
}

// A file read at full speed fills the queue: the waiting batches are detected one after
// the other and written in one commit each, and every line is still counted exactly once.
BOOST_AUTO_TEST_CASE(a_busy_pipeline_commits_waiting_batches_together_and_counts_each_line_once) {
  WardsocInstance w("api", api_config);
  constexpr int kAddresses = 400;
  constexpr int kPerAddress = 10;
  std::ostringstream lines;
  for (int i = 0; i < kAddresses * kPerAddress; ++i) {
    const int a = i % kAddresses;
    lines << "<38>Nov 25 10:00:00 srv-1 sshd[" << 1000 + i
          << "]: Failed password for root from 10.9." << a / 200 << "." << a % 200 << " port "
          << 40000 + i << " ssh2\n";
  }
  const auto log_file = w.dir / "auth.log";
  write_file(log_file, lines.str());
  std::ostringstream c;
  c << "data_dir: " << w.data.string() << "\n"
    << "rules: [" << WARDSOC_SOURCE_DIR << "/rules]\n"
    << "api:\n  listen: " << w.api_listen() << "\n  token: " << kToken << "\n"
    << "store:\n  durability: sync\n"
    << "inputs:\n  - name: auth-file\n    type: file\n    paths: [" << log_file.string() << "]\n"
    << "    class: server\n    batch_events: 16\n"
    << "sinks:\n  - name: soc-file\n    type: file\n    path: " << w.soc.string()
    << "\n"
    // Every growth is forwarded, so the file shows each count as it is committed.
    << "    update_interval: 0\n";
  write_file(w.config, c.str());
  auto proc = w.start();

  // Every address ends with one incident counting all of its lines, no more.
  std::map<std::string, int> final_count;
  const bool all_there = wait_until(
      "every address's brute-force alert with its full count in the SOC file",
      [&] {
        final_count.clear();
        std::istringstream in(read_complete_lines(w.soc));
        for (std::string line; std::getline(in, line);) {
          if (line.empty()) continue;
          const json a = json::parse(line);
          if (a["rule"]["id"] != "ssh.auth_failure_burst") continue;
          int& n = final_count[a["id"].get<std::string>()];
          n = std::max(n, a["count"].get<int>());
        }
        if (final_count.size() != static_cast<size_t>(kAddresses)) return false;
        return std::all_of(final_count.begin(), final_count.end(),
                           [](const auto& e) { return e.second >= kPerAddress; });
      },
      60s);
  BOOST_REQUIRE_MESSAGE(all_there, final_count.size() << " incidents\n" << read_file(w.log));
  for (const auto& [id, n] : final_count) BOOST_TEST(n == kPerAddress, id << ": count " << n);

  auto metric = [&](const std::string& text, const std::string& name) {
    const size_t at = text.find("\n" + name + " ");
    BOOST_REQUIRE_MESSAGE(at != std::string::npos, name << " missing:\n" << text);
    return std::stoull(text.substr(at + name.size() + 2));
  };
  const ApiReply m = call(w, "GET", "/metrics");
  const uint64_t batches = metric(m.body, "wardsoc_batches_total");
  const uint64_t commits = metric(m.body, "wardsoc_batch_commits_total");
  BOOST_TEST(batches >= static_cast<uint64_t>(kAddresses * kPerAddress / 16));
  BOOST_TEST(commits < batches, commits << " commits for " << batches << " batches");
  proc->signal(SIGTERM);
  BOOST_TEST(proc->wait(20s) == 0);
}

// HEAD like GET without the body, one spelling of error codes, a stale status as a
// conflict, backups kept out of the data directory however the path is written, and the
// CLI refusing to answer for one data directory with another wardsoc's API.
BOOST_AUTO_TEST_CASE(head_error_codes_backups_inside_the_data_dir_and_another_wardsocs_api) {
  WardsocInstance w("api", api_config);
  auto proc = w.start();

  const ApiReply full = call(w, "GET", "/api/v1/incidents");
  ApiReply head = call(w, "HEAD", "/api/v1/incidents");
  BOOST_TEST(head.status == 200);
  BOOST_TEST(head.body.empty());
  BOOST_TEST(head.headers["content-length"] == std::to_string(full.body.size()));
  BOOST_TEST(head.headers["content-type"] == "application/json");
  BOOST_TEST(full.headers.at("x-content-type-options") == "nosniff");
  BOOST_TEST(
      call(w, "GET", "/api/v1/incidents/ffffffffffffffff").headers.at("x-content-type-options") ==
      "nosniff");
  BOOST_TEST(call(w, "HEAD", "/healthz", "", "").status == 200);
  BOOST_TEST(call(w, "HEAD", "/metrics").status == 200);
  head = call(w, "HEAD", "/api/v1/incidents", "", "");
  BOOST_TEST(head.status == 401);
  BOOST_TEST(head.body.empty());
  ApiReply post_only = call(w, "GET", "/api/v1/db/backup");
  BOOST_TEST(post_only.status == 405);
  BOOST_TEST(post_only.headers["allow"] == "POST");

  auto code_of = [](const ApiReply& r) { return json::parse(r.body)["error"]["code"]; };
  BOOST_TEST(code_of(call(w, "GET", "/api/v1/incidents?severity=awful")) == "invalid_argument");
  BOOST_TEST(code_of(call(w, "GET", "/api/v1/incidents?since=yesterday")) == "invalid_argument");
  BOOST_TEST(code_of(call(w, "GET", "/api/v1/incidents/ffffffffffffffff")) == "not_found");
  for (int i = 0; i < 6; ++i) {
    w.send("Failed password for root from 203.0.113.8 port " + std::to_string(4300 + i) + " ssh2");
  }
  std::string id;
  BOOST_REQUIRE(wait_until(
      "the brute-force incident in the API",
      [&] {
        const json page = get(w, "/api/v1/incidents?rule=ssh.auth_failure_burst");
        if (page["incidents"].empty()) return false;
        id = page["incidents"][0]["id"];
        return true;
      },
      20s));
  const ApiReply stale = call(w, "POST", "/api/v1/incidents/" + id + "/transition",
                              R"({"status":"resolved","actor":"b","note":"x",)"
                              R"("expected_status":"acknowledged"})");
  BOOST_TEST(stale.status == 409);
  BOOST_TEST(code_of(stale) == "conflict", stale.body);

  // Inside the data directory, written plainly, through "..", through a symlink, or the
  // directory itself: refused by the API and by the CLI, and nothing is created.
  std::filesystem::create_symlink(w.data, w.dir / "link-to-var");
  for (const auto& inside :
       {w.data / "inside", w.data / "db" / ".." / "inside2", w.dir / "link-to-var" / "inside3",
        w.data, w.dir / "elsewhere" / ".." / "var" / "sub"}) {
    const ApiReply r =
        call(w, "POST", "/api/v1/db/backup", json{{"dir", inside.string()}, {"actor", "t"}}.dump());
    BOOST_TEST(r.status == 400, inside << ": " << r.body);
    BOOST_TEST(code_of(r) == "invalid_argument", r.body);
    BOOST_TEST(r.body.find("data directory") != std::string::npos, r.body);
    std::string out, err;
    BOOST_TEST(w.cli({"db", "backup", inside.string()}, &out, &err) == 2, inside << ": " << out);
    BOOST_TEST(err.find("a backup must live elsewhere") != std::string::npos, err);
  }
  BOOST_TEST(!std::filesystem::exists(w.data / "inside"));
  BOOST_TEST(!std::filesystem::exists(w.data / "inside3"));
  // A sibling whose name starts like the data directory's is not inside it.
  std::string out, err;
  BOOST_TEST(w.cli({"db", "backup", (w.dir / "var-backup").string()}, &out, &err) == 0, err);

  // --data-dir of one store with --api of another wardsoc: refused, nothing printed.
  TempDir other("api-other");
  {
    auto held = open_store(other.str("db"));  // this process holds it
    BOOST_TEST(
        w.cli({"incidents", "list", "--data-dir", other.path().string(), "--api", w.api_listen()},
              &out, &err) == 2);
    BOOST_TEST(out.empty(), out);
    BOOST_TEST(err.find("--api " + w.api_listen() + " is the API of the wardsoc holding") !=
                   std::string::npos,
               err);
    BOOST_TEST(w.cli({"incidents", "ack", id, "--data-dir", other.path().string(), "--api",
                      w.api_listen()},
                     &out, &err) == 2);
    BOOST_TEST(err.find("nothing was read or changed") != std::string::npos, err);
    BOOST_TEST(get(w, "/api/v1/incidents/" + id)["incident"]["status"] == "new");
    BOOST_TEST(w.cli({"db", "stats", "--data-dir", other.path().string(), "--api", w.api_listen()},
                     &out, &err) != 0);
  }
  // Nobody holds it: read directly, and said so.
  BOOST_TEST(
      w.cli({"incidents", "list", "--data-dir", other.path().string(), "--api", w.api_listen()},
            &out, &err) == 0,
      err);
  BOOST_TEST(err.find("--api " + w.api_listen() + " is not used") != std::string::npos, err);
  // The right pair goes through.
  BOOST_TEST(
      w.cli({"incidents", "list", "--data-dir", w.data.string(), "--api", w.api_listen(), "--json"},
            &out, &err) == 0,
      err);
  BOOST_TEST(out.find(id) != std::string::npos, out);
  proc->signal(SIGTERM);
  BOOST_TEST(proc->wait(30s) == 0);
}

// `sinks status` says what the forwarder recorded in words that fit the count: one failed
// attempt is "1 failed attempt", and the retry figure is the one /metrics shows.
BOOST_AUTO_TEST_CASE(sinks_status_counts_attempts_in_the_singular_and_plural) {
  WardsocInstance w("api", api_config);
  const std::string db = (w.data / "db").string();
  for (const uint64_t attempts : {uint64_t{1}, uint64_t{9}}) {
    {
      auto store = open_store(db);
      const int64_t now = wardsoc::now_us();
      const json health = {{"v", 1},
                           {"state", "failing"},
                           {"updated_us", now - 3'000'000},
                           {"failing_since_us", now - 60'000'000},
                           {"failed_attempts", attempts},
                           {"retries", attempts},
                           {"last_error", "connection refused"},
                           {"last_delivery_us", 0}};
      BOOST_TEST_REQUIRE(store->outbox().put_health("soc-file", health.dump()).ok());
    }
    std::string out, err;
    BOOST_TEST_REQUIRE(w.cli({"sinks", "status"}, &out, &err) == 0, err);
    const std::string counted =
        attempts == 1 ? "(1 failed attempt, the last " : "(9 failed attempts, the last ";
    BOOST_TEST(out.find(counted) != std::string::npos, out);
    BOOST_TEST(out.find("retries       " + std::to_string(attempts) +
                        " since wardsoc started (wardsoc_sink_retries_total)") != std::string::npos,
               out);
    BOOST_TEST(out.find("as of") == std::string::npos, out);
  }
}
