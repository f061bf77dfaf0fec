// The wardsoc binary's commands as an IT officer uses them: replay a real log, check the
// shipped rules, and get clear errors for wrong arguments and broken files.
#include <boost/test/unit_test.hpp>
#include <fstream>
#include <nlohmann/json.hpp>

#include "tests/support/subprocess.h"
#include "tests/support/temp_dir.h"

using namespace wardsoc::testing;
using nlohmann::json;
using wardsoc::testing::TempDir;

namespace {
const std::string kRules = std::string(WARDSOC_SOURCE_DIR) + "/rules";
const std::string kFail2banSshd = "/usr/lib/python3/dist-packages/fail2ban/tests/files/logs/sshd";
}  // namespace

BOOST_AUTO_TEST_CASE(version_and_help_work) {
  std::string out;
  BOOST_TEST(run_command({WARDSOC_BIN, "--version"}, &out) == 0);
  BOOST_TEST(out.find("wardsoc ") == 0u);
  for (const char* cmd : {"run", "replay", "incidents", "rules"}) {
    BOOST_TEST(run_command({WARDSOC_BIN, cmd, "--help"}, &out) == 0);
    BOOST_TEST(out.find("Usage") != std::string::npos, cmd);
  }
}

BOOST_AUTO_TEST_CASE(wrong_arguments_exit_2_with_a_reason) {
  std::string out, err;
  BOOST_TEST(run_command({WARDSOC_BIN}, &out, &err) == 2);
  BOOST_TEST(run_command({WARDSOC_BIN, "frobnicate"}, &out, &err) == 2);
  BOOST_TEST(run_command({WARDSOC_BIN, "replay", "--rules", kRules, "/no/such/file.log"}, &out,
                         &err) == 2);
  BOOST_TEST(err.find("/no/such/file.log") != std::string::npos, err);
  BOOST_TEST(run_command({WARDSOC_BIN, "incidents", "list", "--data-dir", "/no/such/dir"}, &out,
                         &err) == 2);
  BOOST_TEST(err.find("no store at '/no/such/dir/db'") != std::string::npos, err);
  BOOST_TEST(
      run_command({WARDSOC_BIN, "incidents", "list", "--severity", "awful", "--data-dir", "/tmp"},
                  &out, &err) == 2);
  BOOST_TEST(err.find("unknown severity 'awful'") != std::string::npos, err);
  // Commands that read the store or signal the process would ignore --api: not offered.
  for (std::vector<std::string> cmd : {std::vector<std::string>{"sinks", "status"},
                                       {"sinks", "dead-letters", "soc-file"},
                                       {"rules", "stats"},
                                       {"rules", "reload"},
                                       {"db", "restore", "/tmp"}}) {
    cmd.insert(cmd.begin(), WARDSOC_BIN);
    cmd.insert(cmd.end(), {"--data-dir", "/tmp", "--api", "127.0.0.1:1"});
    BOOST_TEST(run_command(cmd, &out, &err) == 2, cmd[1] << " " << cmd[2]);
    BOOST_TEST(err.find("--api") != std::string::npos, err);
  }
}

BOOST_AUTO_TEST_CASE(replay_of_fail2ban_sshd_log_finds_incidents) {
  std::string out, err;
  BOOST_REQUIRE_EQUAL(
      run_command({WARDSOC_BIN, "replay", "--rules", kRules, "--json", kFail2banSshd}, &out, &err),
      0);
  const json summary = json::parse(out);
  BOOST_TEST(summary["lines"].get<int>() > 200);
  BOOST_TEST(summary["matches"].size() >= 3u, summary["matches"].dump());
  BOOST_TEST(summary["incidents"].size() >= 1u);

  BOOST_REQUIRE_EQUAL(run_command({WARDSOC_BIN, "replay", "--rules", kRules, kFail2banSshd}, &out),
                      0);
  BOOST_TEST(out.find("lines/s") != std::string::npos, out);
  BOOST_TEST(out.find("matches per rule:") != std::string::npos, out);
  BOOST_TEST(out.find("incidents: ") != std::string::npos, out);
}

BOOST_AUTO_TEST_CASE(rules_check_passes_on_shipped_rules_and_fails_on_a_broken_file) {
  std::string out, err;
  BOOST_TEST(run_command({WARDSOC_BIN, "rules", "check", kRules}, &out, &err) == 0, out << err);
  BOOST_TEST(out.find("test cases passed") != std::string::npos, out);

  TempDir dir;
  write_file(dir / "broken.yaml",
             "rules:\n"
             "  - id: demo.bad\n"
             "    title: Broken\n"
             "    severity: loud\n"
             "    match:\n"
             "      regex: '(unclosed'\n");
  BOOST_TEST(run_command({WARDSOC_BIN, "rules", "check", (dir / "broken.yaml").string()}, &out,
                         &err) == 1);
  BOOST_TEST(out.find("broken.yaml:4") != std::string::npos, out);
  BOOST_TEST(out.find("demo.bad") != std::string::npos, out);
}

BOOST_AUTO_TEST_CASE(rules_check_says_where_re2_starts_an_unanchored_pattern) {
  TempDir dir;
  write_file(dir / "link.yaml",
             "rules:\n"
             "  - id: net.link_down\n"
             "    title: Link down\n"
             "    severity: low\n"
             "    match:\n"
             "      regex: 'port\\[(?P<port>\\d+)\\] link (?P<state>down)'\n");
  std::string out, err;
  BOOST_TEST(
      run_command({WARDSOC_BIN, "rules", "check", "--patterns", (dir / "link.yaml").string()}, &out,
                  &err) == 0,
      out << err);
  BOOST_TEST(out.find("RE2 runs from its leading text 'port['") != std::string::npos, out);
  BOOST_TEST(run_command({WARDSOC_BIN, "rules", "check", "--patterns", "--json",
                          (dir / "link.yaml").string()},
                         &out, &err) == 0,
             out << err);
  const json j = json::parse(out);
  BOOST_TEST_REQUIRE(j.at("patterns").size() == 1u);
  BOOST_TEST(j.at("patterns")[0].at("re2_lead").get<std::string>() == "port[");
}

BOOST_AUTO_TEST_CASE(second_rules_check_and_replay_load_compiled_databases_from_the_user_cache) {
  TempDir home("cache");
  const std::string xdg = "XDG_CACHE_HOME=" + (home / "xdg").string();
  std::string out, err;
  BOOST_REQUIRE_EQUAL(
      run_command({"/usr/bin/env", xdg, WARDSOC_BIN, "rules", "check", kRules}, &out, &err), 0);
  BOOST_TEST(
      out.find("compiled, cached in " + (home / "xdg" / "wardsoc").string()) != std::string::npos,
      out);
  BOOST_REQUIRE_EQUAL(
      run_command({"/usr/bin/env", xdg, WARDSOC_BIN, "rules", "check", kRules}, &out, &err), 0);
  BOOST_TEST(out.find("loaded from cache") != std::string::npos, out);
  BOOST_REQUIRE_EQUAL(
      run_command({"/usr/bin/env", xdg, WARDSOC_BIN, "replay", "--rules", kRules, kFail2banSshd},
                  &out, &err),
      0);
  BOOST_TEST(out.find("loaded from cache") != std::string::npos, out);
  // --no-cache compiles again.
  BOOST_REQUIRE_EQUAL(
      run_command({"/usr/bin/env", xdg, WARDSOC_BIN, "rules", "test", kRules, "--no-cache"}, &out,
                  &err),
      0);
  BOOST_TEST(out.find("compiled (no cache)") != std::string::npos, out);
  // A cache directory that cannot be made is a warning; the command still works.
  std::ofstream(home / "file") << "x";
  BOOST_REQUIRE_EQUAL(run_command({"/usr/bin/env", "XDG_CACHE_HOME=" + (home / "file").string(),
                                   WARDSOC_BIN, "rules", "check", kRules},
                                  &out, &err),
                      0);
  BOOST_TEST(out.find("warning") != std::string::npos, out);
  BOOST_TEST(out.find(" test cases passed") != std::string::npos, out);
}
