// wardsoc: the command line. Parses arguments with CLI11 and hands over to commands.
#include <CLI/CLI.hpp>
#include <cstdio>

#include "app/commands.h"
#include "app/version.h"

int main(int argc, char** argv) {
  using namespace wardsoc;
  CLI::App app{
      "wardsoc — security-operations event pipeline for the ward: ingests logs, "
      "detects incidents, keeps them and forwards alerts to the city SOC"};
  app.set_version_flag("-V,--version", std::string("wardsoc ") + kVersion);
  app.require_subcommand(1);
  app.fallthrough();

  RunOptions run;
  auto* run_cmd = app.add_subcommand("run", "Run the pipeline as a service (Ctrl-C stops it)");
  run_cmd
      ->add_option("-c,--config", run.config_path,
                   "YAML configuration file (default: the embedded default)")
      ->check(CLI::ExistingFile);
  run_cmd->add_option("--data-dir", run.data_dir, "Override the config's data_dir");
  run_cmd->add_option("--log-level", run.log_level, "trace|debug|info|warn|error");

  ReplayOptions replay;
  auto* replay_cmd = app.add_subcommand(
      "replay", "Run detection over log files and print a summary (nothing is stored)");
  replay_cmd->add_option("-r,--rules", replay.rule_paths, "Rule file or directory (repeatable)")
      ->required();
  replay_cmd->add_option("files", replay.files, "Log files to read")
      ->required()
      ->check(CLI::ExistingFile);
  replay_cmd->add_option("-w,--workers", replay.workers, "Detection threads (0 = one per core)");
  replay_cmd->add_option("--zone", replay.zone,
                         "Time zone of timestamps that carry none (default Asia/Ho_Chi_Minh)");
  replay_cmd->add_option("--class", replay.asset_class,
                         "Asset class of the lines: lan|wifi|camera|iot|server|other");
  replay_cmd->add_option("--show", replay.show, "Incidents listed in the summary (default 20)");
  replay_cmd->add_flag("--json", replay.json, "Print the summary as JSON");
  replay_cmd->add_flag("--no-cache", replay.no_cache,
                       "Compile every pattern; do not use ~/.cache/wardsoc");

  auto* incidents_cmd = app.add_subcommand("incidents", "List, show and handle incidents");
  incidents_cmd->require_subcommand(1);
  // --api only where the command goes through the running wardsoc's API; the others read
  // the store or signal the process, and would ignore it.
  auto add_location = [](CLI::App* cmd, StoreLocation& where, bool through_api = true) {
    cmd->add_option("-c,--config", where.config_path, "Configuration whose data_dir to read")
        ->check(CLI::ExistingFile);
    cmd->add_option("-d,--data-dir", where.data_dir, "Data directory (overrides the config)");
    if (!through_api) return;
    cmd->add_option("--api", where.api,
                    "host:port of the API of the wardsoc holding the data directory (default: "
                    "the config's api.listen); checked to be that wardsoc's");
  };
  IncidentsListOptions list;
  auto* list_cmd = incidents_cmd->add_subcommand("list", "List incidents, newest first");
  add_location(list_cmd, list.where);
  list_cmd->add_option("-n,--limit", list.limit, "How many (default 50)");
  list_cmd->add_option("--severity", list.severity,
                       "Minimum severity: info|low|medium|high|critical");
  list_cmd->add_option("--status", list.status,
                       "new|acknowledged|in_progress|resolved|false_positive");
  list_cmd->add_option("--rule", list.rule, "Only this rule id");
  list_cmd->add_option("--site", list.site, "Only this site (e.g. \"Nhà văn hóa tổ 3\")");
  list_cmd->add_option("--asset", list.asset, "Only this asset");
  list_cmd->add_option("--class", list.asset_class, "lan|wifi|camera|iot|server|other");
  list_cmd->add_option("--since", list.since,
                       "Last seen at or after: 2026-11-25, 2026-11-25T08:00:00+07:00, ...");
  list_cmd->add_option("--until", list.until, "Last seen before");
  list_cmd->add_option("-q,--search", list.text,
                       "Words in the title, with or without diacritics (\"mat khau\")");
  list_cmd->add_option("--cursor", list.cursor, "Continue after the previous page");
  list_cmd->add_flag("--json", list.json, "One JSON document per incident");
  IncidentsShowOptions show;
  auto* show_cmd = incidents_cmd->add_subcommand("show", "Show one incident with its evidence");
  add_location(show_cmd, show.where);
  show_cmd->add_option("id", show.id, "Incident id")->required();
  show_cmd->add_flag("--json", show.json, "Print as JSON");
  // One lifecycle step each; they work while `wardsoc run` runs (through its API).
  struct Step {
    const char* name;
    const char* status;
    const char* help;
    bool note_required;
  };
  static const Step kSteps[] = {
      {"ack", "acknowledged", "Acknowledge an incident (tiếp nhận)", false},
      {"start", "in_progress", "Mark an incident as being worked on (đang xử lý)", false},
      {"resolve", "resolved", "Resolve an incident with a note (đánh dấu đã xử lý)", true},
      {"false-positive", "false_positive", "Mark an incident as a false alarm (cảnh báo sai)",
       true},
  };
  std::vector<std::pair<CLI::App*, IncidentsTransitionOptions>> steps;
  steps.reserve(std::size(kSteps));
  for (const auto& st : kSteps) {
    steps.emplace_back(incidents_cmd->add_subcommand(st.name, st.help),
                       IncidentsTransitionOptions{});
    auto& [cmd, o] = steps.back();
    o.status = st.status;
    add_location(cmd, o.where);
    cmd->add_option("id", o.id, "Incident id")->required();
    auto* note = cmd->add_option("-m,--note", o.note, "What was done or why");
    if (st.note_required) note->required();
    cmd->add_option("--actor", o.actor, "Who does it (default: your login name)");
    cmd->add_flag("--json", o.json, "Print the incident as JSON");
  }

  auto* db_cmd = app.add_subcommand("db", "Look after the data directory");
  db_cmd->require_subcommand(1);
  DbOptions db_stats_o, db_backup_o, db_restore_o, db_verify_o;
  auto* db_stats = db_cmd->add_subcommand("stats", "Counts, disk use and outbox sizes");
  add_location(db_stats, db_stats_o.where);
  db_stats->add_flag("--json", db_stats_o.json, "Print as JSON");
  auto* db_backup = db_cmd->add_subcommand(
      "backup", "Back the store up into DIR (incremental, checksummed; works while running)");
  add_location(db_backup, db_backup_o.where);
  db_backup->add_option("dir", db_backup_o.dir, "Backup directory")->required();
  db_backup->add_option("--keep", db_backup_o.keep, "Keep only the newest N backups");
  db_backup->add_flag("--json", db_backup_o.json, "Print as JSON");
  auto* db_restore = db_cmd->add_subcommand(
      "restore", "Replace the data directory with a backup (wardsoc must be stopped)");
  add_location(db_restore, db_restore_o.where, /*through_api=*/false);
  db_restore->add_option("dir", db_restore_o.dir, "Backup directory")
      ->required()
      ->check(CLI::ExistingDirectory);
  db_restore->add_option("--id", db_restore_o.id, "Which backup (default: the newest)");
  auto* db_verify = db_cmd->add_subcommand(
      "verify", "Check checksums and the store's invariants; --repair fixes what it can");
  add_location(db_verify, db_verify_o.where);
  db_verify->add_flag("--repair", db_verify_o.repair,
                      "Rebuild indexes, remove orphans, move damaged outbox entries aside");
  db_verify->add_flag("--json", db_verify_o.json, "Print as JSON");

  auto* rules_cmd =
      app.add_subcommand("rules", "Check, test and reload rules; per-rule statistics");
  rules_cmd->require_subcommand(1);
  RulesCheckOptions check;
  auto* check_cmd = rules_cmd->add_subcommand(
      "check", "Compile rules and run their embedded tests; non-zero exit on any error");
  check_cmd->add_option("paths", check.paths, "Rule files or directories")
      ->required()
      ->check(CLI::ExistingPath);
  check_cmd->add_flag("--json", check.json, "Print diagnostics as JSON");
  check_cmd->add_flag("--patterns", check.patterns, "List how every pattern is matched");
  check_cmd->add_flag("--no-cache", check.no_cache,
                      "Compile every pattern; do not use ~/.cache/wardsoc");
  RulesTestOptions rtest;
  auto* test_cmd = rules_cmd->add_subcommand(
      "test",
      "Run rules over a log file (--log) and show what matched, or run their embedded tests");
  test_cmd->add_option("paths", rtest.paths, "Rule files or directories")
      ->required()
      ->check(CLI::ExistingPath);
  test_cmd->add_option("-l,--log", rtest.log, "Log file to run the rules over")
      ->check(CLI::ExistingFile);
  test_cmd->add_option("--rule", rtest.rule,
                       "Only this rule (its near misses are always explained)");
  test_cmd->add_flag("--explain", rtest.explain, "Say why near misses did not match");
  test_cmd->add_flag("--summary", rtest.summary_only, "Only the summary, no per-line report");
  test_cmd->add_option("--class", rtest.asset_class, "Asset class of the lines (default other)");
  test_cmd->add_option("--input", rtest.input, "Input name the lines come from (default test)");
  test_cmd->add_option("--zone", rtest.zone, "Time zone of timestamps that carry none");
  test_cmd->add_option("--limit", rtest.limit, "Lines reported in detail (default 200)");
  test_cmd->add_flag("--json", rtest.json, "Print as JSON");
  test_cmd->add_flag("--no-cache", rtest.no_cache,
                     "Compile every pattern; do not use ~/.cache/wardsoc");
  RulesImportOptions rimport;
  auto* import_cmd =
      rules_cmd->add_subcommand("import", "Turn other tools' rules into wardsoc rules");
  import_cmd->require_subcommand(1);
  auto* import_f2b = import_cmd->add_subcommand(
      "fail2ban", "fail2ban filters (FILTER.conf or a directory such as /etc/fail2ban/filter.d)");
  import_f2b->add_option("filters", rimport.inputs, "Filter files or directories")
      ->required()
      ->check(CLI::ExistingPath);
  import_f2b->add_option("-o,--out", rimport.out, "Directory for the rule files")->required();
  import_f2b->add_option(
      "--set", rimport.set,
      "Filter option NAME=VALUE, as a jail's filter = name[NAME=VALUE] (repeatable)");
  import_f2b
      ->add_option("--maxretry", rimport.maxretry, "Failures that make an incident (default 5)")
      ->check(CLI::Range(1, 10000));
  import_f2b->add_option("--findtime", rimport.findtime, "Window they must fall in (default 10m)");
  import_f2b->add_option("--group-by", rimport.group_by, "Fields to count by (default src_ip)");
  import_f2b->add_option("--test-logs", rimport.test_logs,
                         "fail2ban's test logs, for the rules' test lines (default: Debian's)");
  import_f2b->add_flag("--no-tests", rimport.no_tests, "Embed no test lines");
  import_f2b->add_flag("--json", rimport.json, "Print the report as JSON");
  RulesImportSigmaOptions rsigma;
  auto* import_sigma = import_cmd->add_subcommand(
      "sigma", "Sigma rules (FILE.yml or a folder such as sigma/rules/linux)");
  import_sigma->add_option("inputs", rsigma.inputs, "Sigma files or folders")
      ->required()
      ->check(CLI::ExistingPath);
  import_sigma->add_option("-o,--out", rsigma.out, "Directory for the rule files")->required();
  import_sigma
      ->add_option("--mapping", rsigma.mapping,
                   "Mapping file adding log sources, fields and placeholders to the built-in one")
      ->check(CLI::ExistingFile);
  import_sigma->add_flag("--json", rsigma.json, "Print the report as JSON");
  RulesStatsOptions rstats;
  auto* stats_cmd = rules_cmd->add_subcommand(
      "stats", "Per-rule hit counts and rule-set versions from the store");
  add_location(stats_cmd, rstats.where, /*through_api=*/false);
  stats_cmd->add_option("--history", rstats.history, "Rule-set versions shown (default 5)");
  stats_cmd->add_flag("--json", rstats.json, "Print as JSON");
  RulesReloadOptions rreload;
  auto* reload_cmd = rules_cmd->add_subcommand(
      "reload",
      "Make the running wardsoc reload its rules and wait for the outcome (exit 1 if rejected)");
  add_location(reload_cmd, rreload.where, /*through_api=*/false);
  reload_cmd->add_option("--timeout", rreload.timeout_s,
                         "Seconds to wait for the outcome (default 60)");
  reload_cmd->add_flag("--json", rreload.json, "Print as JSON");

  auto* sinks_cmd = app.add_subcommand("sinks", "How alerts are getting to the city SOC");
  sinks_cmd->require_subcommand(1);
  SinksOptions sinks_status;
  auto* sinks_status_cmd = sinks_cmd->add_subcommand(
      "status", "Each sink: delivering or failing (since when, why), queued alerts, dead letters");
  add_location(sinks_status_cmd, sinks_status.where, /*through_api=*/false);
  sinks_status_cmd->add_flag("--json", sinks_status.json, "One JSON document per sink");
  SinksOptions sinks_dead;
  auto* sinks_dead_cmd = sinks_cmd->add_subcommand(
      "dead-letters", "Alerts a sink refused for good, with the reason, oldest first");
  add_location(sinks_dead_cmd, sinks_dead.where, /*through_api=*/false);
  sinks_dead_cmd->add_option("sink", sinks_dead.sink, "Sink name")->required();
  sinks_dead_cmd->add_option("-n,--limit", sinks_dead.limit, "How many (default 50)");
  sinks_dead_cmd->add_flag("--json", sinks_dead.json, "One JSON document per dead letter");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? kExitOk : kExitUsage;
  }

  if (*run_cmd) return cmd_run(run);
  if (*replay_cmd) return cmd_replay(replay);
  if (*list_cmd) return cmd_incidents_list(list);
  if (*show_cmd) return cmd_incidents_show(show);
  for (const auto& [cmd, o] : steps) {
    if (*cmd) return cmd_incidents_transition(o);
  }
  if (*db_stats) return cmd_db_stats(db_stats_o);
  if (*db_backup) return cmd_db_backup(db_backup_o);
  if (*db_restore) return cmd_db_restore(db_restore_o);
  if (*db_verify) return cmd_db_verify(db_verify_o);
  if (*check_cmd) return cmd_rules_check(check);
  if (*test_cmd) return cmd_rules_test(rtest);
  if (*import_f2b) return cmd_rules_import_fail2ban(rimport);
  if (*import_sigma) return cmd_rules_import_sigma(rsigma);
  if (*stats_cmd) return cmd_rules_stats(rstats);
  if (*reload_cmd) return cmd_rules_reload(rreload);
  if (*sinks_status_cmd) return cmd_sinks_status(sinks_status);
  if (*sinks_dead_cmd) return cmd_sinks_dead_letters(sinks_dead);
  std::fputs(app.help().c_str(), stderr);
  return kExitUsage;
}
