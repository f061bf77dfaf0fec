// The subcommands of the wardsoc binary. main.cc parses the command line (CLI11) into
// these option structs; each command returns the process exit code and prints its
// own errors (to stderr, saying what, where and why).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace wardsoc {

// Exit codes shared by all commands.
inline constexpr int kExitOk = 0;
inline constexpr int kExitFailure = 1;  // the command ran and found a problem (rule test failed)
inline constexpr int kExitUsage = 2;    // bad arguments, config or input files

struct RunOptions {
  std::string config_path;  // empty: the embedded default
  std::string data_dir;     // overrides the config's data_dir when set
  std::string log_level;    // overrides the config's log_level when set
};
int cmd_run(const RunOptions& opts);

struct ReplayOptions {
  std::vector<std::string> rule_paths;
  std::vector<std::string> files;
  unsigned workers = 0;
  std::string zone = "Asia/Ho_Chi_Minh";
  std::string asset_class = "other";
  bool json = false;
  size_t show = 20;       // incidents listed in the text summary
  bool no_cache = false;  // compile every pattern, neither read nor write the user cache
};
int cmd_replay(const ReplayOptions& opts);

// Where commands without a data directory (replay, rules check, rules test) cache compiled
// Hyperscan databases: $XDG_CACHE_HOME/wardsoc, else ~/.cache/wardsoc. Empty (compile every
// time) with no_cache or when neither $XDG_CACHE_HOME nor $HOME is set. A cache that cannot
// be written is a warning of the load, never an error.
std::string user_cache_dir(bool no_cache);

struct StoreLocation {
  std::string config_path;
  std::string data_dir;
  std::string api;  // host:port of the running wardsoc's API (default: the config's api.listen)
  // The data dir to read: --data-dir, else the config's, else the embedded default's.
  std::string resolve() const;
};

struct IncidentsListOptions {
  StoreLocation where;
  size_t limit = 50;
  std::string severity;  // minimum
  std::string status;
  std::string rule;
  std::string site;
  std::string asset;
  std::string asset_class;
  std::string since;  // time arguments as parse_time_arg() reads them
  std::string until;
  std::string text;
  std::string cursor;
  bool json = false;
};
int cmd_incidents_list(const IncidentsListOptions& opts);

struct IncidentsShowOptions {
  StoreLocation where;
  std::string id;
  bool json = false;
};
int cmd_incidents_show(const IncidentsShowOptions& opts);

// `incidents ack|start|resolve|false-positive ID`: one lifecycle step.
struct IncidentsTransitionOptions {
  StoreLocation where;
  std::string id;
  std::string status;  // acknowledged, in_progress, resolved, false_positive
  std::string note;
  std::string actor;  // default: the login name
  bool json = false;
};
int cmd_incidents_transition(const IncidentsTransitionOptions& opts);

// `wardsoc db stats|backup|restore|verify`.
struct DbOptions {
  StoreLocation where;
  std::string dir;      // backup, restore: the backup directory
  uint32_t keep = 0;    // backup: keep only the newest N
  uint32_t id = 0;      // restore: which backup (0: the newest)
  bool repair = false;  // verify
  bool json = false;
};
int cmd_db_stats(const DbOptions& opts);
int cmd_db_backup(const DbOptions& opts);
int cmd_db_restore(const DbOptions& opts);
int cmd_db_verify(const DbOptions& opts);

// `wardsoc sinks status` and `wardsoc sinks dead-letters SINK` (cmd_sinks.cc).
struct SinksOptions {
  StoreLocation where;
  std::string sink;   // dead-letters: which sink
  size_t limit = 50;  // dead-letters: how many, oldest first
  bool json = false;
};
int cmd_sinks_status(const SinksOptions& opts);
int cmd_sinks_dead_letters(const SinksOptions& opts);

struct RulesCheckOptions {
  std::vector<std::string> paths;
  bool json = false;
  bool patterns = false;  // list how every pattern is matched, not only the notable ones
  bool no_cache = false;
};
int cmd_rules_check(const RulesCheckOptions& opts);

// `rules test`: the embedded tests, or (with --log) a log file through the rules.
struct RulesTestOptions {
  std::vector<std::string> paths;
  std::string log;
  std::string rule;           // only this rule
  bool explain = false;       // say why near misses missed
  bool summary_only = false;  // no per-line report
  std::string asset_class = "other";
  std::string input = "test";  // the input name the lines come from (for sources: input:NAME)
  std::string zone = "Asia/Ho_Chi_Minh";
  size_t limit = 200;  // lines reported in detail
  bool json = false;
  bool no_cache = false;
};
int cmd_rules_test(const RulesTestOptions& opts);

// `rules import fail2ban`: fail2ban filters into wardsoc rule files (docs/importing.md).
inline constexpr const char* kFail2banTestLogs =
    "/usr/lib/python3/dist-packages/fail2ban/tests/files/logs";
struct RulesImportOptions {
  std::vector<std::string> inputs;  // filter files or directories of them
  std::string out;                  // where the rule files go
  std::vector<std::string> set;     // filter options NAME=VALUE (mode=aggressive)
  int maxretry = 5;
  std::string findtime = "10m";
  std::vector<std::string> group_by;
  std::string test_logs;  // fail2ban's test logs (default: where Debian installs them)
  bool no_tests = false;
  bool json = false;
};
int cmd_rules_import_fail2ban(const RulesImportOptions& opts);

// `rules import sigma`: Sigma rules into wardsoc rule files (docs/importing.md).
struct RulesImportSigmaOptions {
  std::vector<std::string> inputs;  // Sigma files or folders of them
  std::string out;                  // where the rule files go
  std::string mapping;              // a mapping file extending the built-in one
  bool json = false;
};
int cmd_rules_import_sigma(const RulesImportSigmaOptions& opts);

struct RulesStatsOptions {
  StoreLocation where;
  size_t history = 5;  // rule-set versions shown
  bool json = false;
};
int cmd_rules_stats(const RulesStatsOptions& opts);

struct RulesReloadOptions {
  StoreLocation where;
  unsigned timeout_s = 60;
  bool json = false;
};
int cmd_rules_reload(const RulesReloadOptions& opts);

// Configures spdlog on stderr at `level`; false if the level name is unknown.
bool setup_logging(const std::string& level);

}  // namespace wardsoc
