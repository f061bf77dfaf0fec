// The police dashboard as the ward police use it: a real `wardsoc run` with incidents made
// from syslog lines, and Debian's chromium driven by playwright-core
// (tests/e2e/dashboard_browser.mjs): the list in Vietnamese, a new incident appearing
// without a reload, markup from log lines shown as text, acknowledge with a note, a stale
// acknowledge answered with the conflict message, the filter in the URL, English
// remembered, a phone's width, the keyboard, print. Then the store is checked from here.
// Screenshots of each screen go to build/tests/e2e/dashboard-screenshots/.
#include <boost/test/unit_test.hpp>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <sstream>

#include "app/api/api_client.h"
#include "tests/support/subprocess.h"
#include "tests/support/wait.h"
#include "tests/support/wardsoc_instance.h"

using namespace wardsoc;
using namespace wardsoc::testing;
using namespace std::chrono_literals;
using nlohmann::json;

namespace {

constexpr const char* kToken = "ward-office-token";

std::string dashboard_config(const WardsocInstance& w, const std::string& token = "") {
  write_file(w.dir / "assets.yaml",
             "assets:\n  - name: ubnd-server\n    site: Trụ sở UBND phường\n    class: server\n"
             "    addresses: [127.0.0.1]\n");
  std::ostringstream c;
  c << "rules: [" << WARDSOC_SOURCE_DIR << "/rules]\n"
    << "assets: " << (w.dir / "assets.yaml").string() << "\n"
    << "api:\n  listen: " << w.api_listen() << "\n"
    << (token.empty() ? "" : "  token: " + token + "\n")
    << "inputs:\n  - name: syslog-tcp\n    type: syslog_tcp\n    address: 127.0.0.1\n"
    << "    port: " << w.syslog_port << "\n    class: server\n";
  return c.str();
}

json get(const WardsocInstance& w, const std::string& target, const std::string& token = "") {
  auto r = api_request(w.api_listen(), "GET", target, "", token, 30s);
  BOOST_REQUIRE_MESSAGE(r.ok(), (r.ok() ? "" : r.error().message));
  BOOST_REQUIRE_MESSAGE(r->status == 200, target << ": " << r->status << " " << r->body);
  return json::parse(r->body);
}

// Six failed logins from one address; returns the brute-force incident's id.
std::string make_brute_force(const WardsocInstance& w, const std::string& token = "") {
  for (int i = 0; i < 6; ++i) {
    w.send("Failed password for root from 203.0.113.7 port " + std::to_string(4240 + i) + " ssh2");
  }
  std::string id;
  BOOST_REQUIRE(wait_until(
      "the brute-force incident in the API",
      [&] {
        const json page = get(w, "/api/v1/incidents?rule=ssh.auth_failure_burst", token);
        if (page["incidents"].empty()) return false;
        id = page["incidents"][0]["id"];
        return page["incidents"][0]["count"] == 6;
      },
      20s));
  return id;
}

// tests/e2e/dashboard_browser.mjs with its environment; its output when it fails.
void run_browser(const WardsocInstance& w, const std::string& brute,
                 const std::vector<std::string>& extra_env = {}) {
  const std::filesystem::path shots =
      std::filesystem::path(WARDSOC_BINARY_DIR) / "tests/e2e/dashboard-screenshots";
  std::vector<std::string> argv = {"env",
                                   "WARDSOC_URL=http://" + w.api_listen(),
                                   std::string("WEB_DIR=") + WARDSOC_SOURCE_DIR + "/web",
                                   std::string("CHROMIUM=") + CHROMIUM_BIN,
                                   std::string("LOGGER=") + LOGGER_BIN,
                                   "SYSLOG_PORT=" + std::to_string(w.syslog_port),
                                   "SCREENSHOTS=" + shots.string(),
                                   "BRUTE_ID=" + brute};
  argv.insert(argv.end(), extra_env.begin(), extra_env.end());
  argv.push_back(NODE_BIN);
  argv.push_back(std::string(WARDSOC_SOURCE_DIR) + "/tests/e2e/dashboard_browser.mjs");
  std::string out, err;
  const int rc = run_command(argv, &out, &err, 240s);
  BOOST_TEST_MESSAGE(out);
  BOOST_REQUIRE_MESSAGE(rc == 0, "the browser scenario failed (" << rc << "):\n" << out << err);
}

}  // namespace

BOOST_AUTO_TEST_CASE(police_follow_and_acknowledge_incidents_in_the_browser) {
  WardsocInstance w("dashboard", [](const WardsocInstance& x) { return dashboard_config(x); });
  auto proc = w.start();
  const std::string brute = make_brute_force(w);
  const std::filesystem::path shots =
      std::filesystem::path(WARDSOC_BINARY_DIR) / "tests/e2e/dashboard-screenshots";
  std::filesystem::remove_all(shots);
  run_browser(w, brute);

  // What the officer did in the browser is in the store, with who and the note.
  const json shown = get(w, "/api/v1/incidents/" + brute);
  BOOST_TEST(shown["incident"]["status"] == "acknowledged");
  BOOST_REQUIRE(shown["history"].size() == 2u);
  BOOST_TEST(shown["history"][1]["actor"] == "cong-an-phuong/an");
  BOOST_TEST(shown["history"][1]["note"] == "đang kiểm tra camera");
  BOOST_TEST(shown["history"][1]["from"] == "new");
  // The audit log has both officers' steps, and nothing from the stale click.
  const json audit = get(w, "/api/v1/audit");
  int transitions = 0;
  for (const auto& e : audit["entries"]) transitions += e["action"] == "transition" ? 1 : 0;
  BOOST_TEST(transitions == 2);
  for (const char* name :
       {"incidents-vi-desktop", "incident-vi-desktop", "incidents-en-desktop",
        "incident-en-desktop", "overview-en-desktop", "overview-vi-desktop", "incidents-vi-phone",
        "incident-vi-phone", "incident-conflict-vi-desktop"}) {
    BOOST_TEST(std::filesystem::exists(shots / (std::string(name) + ".png")), name);
  }
  WardsocInstance::stop(*proc);
}

BOOST_AUTO_TEST_CASE(with_an_api_token_the_dashboard_asks_for_it_and_refuses_a_wrong_one) {
  WardsocInstance w("dashboard-token",
                    [](const WardsocInstance& x) { return dashboard_config(x, kToken); });
  auto proc = w.start();
  const std::string brute = make_brute_force(w, kToken);
  // The page itself needs no token: a browser sends none when it navigates.
  auto page = api_request(w.api_listen(), "GET", "/", "", "", 30s);
  BOOST_REQUIRE(page.ok());
  BOOST_TEST(page->status == 200);
  BOOST_TEST(get(w, "/api/v1/incidents", kToken)["incidents"].size() == 1u);
  run_browser(w, brute, {"SCENARIO=token", std::string("TOKEN=") + kToken});
  WardsocInstance::stop(*proc);
}
