// `wardsoc run`: the pipeline as a foreground service. Signals are blocked in every
// thread and taken synchronously here: SIGINT/SIGTERM stop cleanly (inputs flush, the
// queue is drained into the store), SIGHUP reloads the rules.
#include <fmt/ranges.h>
#include <signal.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <cstdio>
#include <filesystem>

#include "app/api/http_server.h"
#include "app/api/incidents_api.h"
#include "app/api/metrics.h"
#include "app/api/static_files.h"
#include "app/commands.h"
#include "app/config.h"
#include "app/pid_file.h"
#include "app/pipeline.h"
#include "app/version.h"
#include "ingest/input_counters.h"

namespace wardsoc {

bool setup_logging(const std::string& level) {
  const auto lvl = spdlog::level::from_str(level);
  if (lvl == spdlog::level::off && level != "off") return false;
  auto logger = spdlog::stderr_color_mt("wardsoc");
  logger->set_pattern("%Y-%m-%dT%H:%M:%S.%e%z %^%-5l%$ %v");
  logger->set_level(lvl);
  spdlog::set_default_logger(logger);
  return true;
}

namespace {

Result<std::unique_ptr<HttpServer>> start_api(Pipeline& p, const Config& cfg) {
  MetricsSources ms;
  ms.pipeline = [&p] { return p.stats(); };
  ms.engine = [&p] { return p.engine_stats(); };
  ms.rules = [&p] { return p.rule_stats(); };
  ms.inputs = [&p] { return p.input_stats(); };
  ms.forwarders = [&p] { return p.sink_stats(); };
  ms.store = &p.store();
  auto api_counters = std::make_shared<InputCounters>();
  ms.api = [api_counters] { return api_counters->snapshot(); };
  auto collector = std::make_shared<WardsocCollector>(std::move(ms));
  ApiContext ctx;
  ctx.store = &p.store();
  ctx.sinks = p.sink_names();
  ctx.version = kVersion;
  ctx.zone = cfg.timezone;
  ctx.data_dir = cfg.data_dir;
  ctx.metrics = [collector] { return render_metrics(*collector); };
  HttpServerOptions ho;
  ho.listen = cfg.api_listen;
  ho.token = cfg.api_token;
  ho.limits = cfg.api_limits;
  ho.counters = api_counters;
  Router router = make_api_router(ctx);
  add_dashboard_routes(router, embedded_web_assets());
  return HttpServer::Start(std::move(ho), std::move(router));
}

Result<Config> load_run_config(const RunOptions& opts) {
  Result<Config> cfg = opts.config_path.empty()
                           ? parse_config(embedded_default_config(), "<embedded default>")
                           : load_config_file(opts.config_path);
  if (!cfg.ok()) return cfg;
  if (!opts.data_dir.empty()) cfg->data_dir = opts.data_dir;
  if (!opts.log_level.empty()) cfg->log_level = opts.log_level;
  return cfg;
}
}  // namespace

int cmd_run(const RunOptions& opts) {
  auto cfg = load_run_config(opts);
  if (!cfg.ok()) {
    std::fprintf(stderr, "wardsoc: invalid configuration:\n%s\n", cfg.error().message.c_str());
    return kExitUsage;
  }
  if (!setup_logging(cfg->log_level)) {
    std::fprintf(stderr, "wardsoc: unknown log level '%s'\n", cfg->log_level.c_str());
    return kExitUsage;
  }

  // Block the signals before any thread starts so that they all inherit the mask and
  // only sigwait() below receives them.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  spdlog::info("wardsoc starting with configuration {}", cfg->source);
  auto pipeline = Pipeline::Create(*cfg);
  if (!pipeline.ok()) {
    spdlog::error("cannot start: {}", pipeline.error().message);
    return kExitUsage;
  }
  // The API is up before inputs start, so whoever sees "wardsoc running" can use it.
  std::unique_ptr<HttpServer> api;
  if (!cfg->api_listen.empty()) {
    auto server = start_api(**pipeline, *cfg);
    if (!server.ok()) {
      spdlog::error("cannot start: {}", server.error().message);
      return kExitUsage;
    }
    api = std::move(*server);
    spdlog::info("api listening on http://{}", api->local_endpoint());
  }
  if (Status s = (*pipeline)->start(); !s.ok()) {
    spdlog::error("cannot start: {}", s.error().message);
    return kExitUsage;
  }
  // `wardsoc rules reload` finds this process through the pid file in its data dir.
  if (Status s = write_pid_file(cfg->data_dir); !s.ok()) {
    spdlog::warn("{}; `wardsoc rules reload` will not find this process (kill -HUP works)",
                 s.error().message);
  }

  std::fprintf(stderr, "\nwardsoc is running. Where to look:\n");
  for (const auto& line : (*pipeline)->describe()) std::fprintf(stderr, "  %s\n", line.c_str());
  if (api) {
    std::fprintf(stderr, "  web    http://%s/ (the police dashboard)\n",
                 api->local_endpoint().c_str());
    std::fprintf(stderr, "  api    http://%s (/api/v1/incidents, /metrics)\n",
                 api->local_endpoint().c_str());
  }
  // The hints use the real binary path and the first syslog port, so they can be
  // pasted as they are.
  std::error_code ec;
  std::string self = std::filesystem::read_symlink("/proc/self/exe", ec).string();
  if (!ec) {
    auto rel = std::filesystem::relative(self, std::filesystem::current_path(), ec);
    if (!ec && !rel.empty() && rel.native().rfind("..", 0) != 0) self = "./" + rel.string();
  } else {
    self = "wardsoc";
  }
  std::string logger_hint;
  for (const auto& in : cfg->inputs) {
    if (const auto* tcp = std::get_if<SyslogTcpConfig>(&in)) {
      logger_hint = fmt::format("logger -n {} -P {} -T", tcp->address, tcp->port);
      break;
    }
    if (const auto* udp = std::get_if<SyslogUdpConfig>(&in); udp && logger_hint.empty()) {
      logger_hint = fmt::format("logger -n {} -P {} -d", udp->address, udp->port);
    }
  }
  if (!logger_hint.empty()) {
    std::fprintf(stderr,
                 "\nSend a test line (a root login over SSH makes an incident):\n"
                 "  %s -t sshd 'Accepted password for root from 203.0.113.9 port 4242 ssh2'\n",
                 logger_hint.c_str());
  }
  std::fprintf(stderr,
               "See incidents:\n"
               "  %s incidents list --data-dir %s\n"
               "Stop with Ctrl-C; reload rules with: kill -HUP %d (or wardsoc rules reload)\n\n",
               self.c_str(), cfg->data_dir.c_str(), static_cast<int>(getpid()));

  for (;;) {
    int sig = 0;
    if (sigwait(&signals, &sig) != 0) continue;
    if (sig == SIGHUP) {
      spdlog::info("SIGHUP: reloading rules from {}", fmt::join(cfg->rule_paths, ", "));
      (void)(*pipeline)->reload_rules();
      continue;
    }
    spdlog::info("{}: stopping (inputs flush, queued events are stored)",
                 sig == SIGINT ? "SIGINT" : "SIGTERM");
    break;
  }
  if (api) api->stop();  // requests in flight finish before the store closes
  (*pipeline)->stop();
  remove_pid_file(cfg->data_dir);
  return kExitOk;
}

}  // namespace wardsoc
