// Sink throughput on loopback, and how fast a sink's outbox drains after an outage.
//
//   connectors_sinks_bench [--runs N] [--alerts N] [--backlog N] [--only NAME,...]
//
// 1. "send": a sink's deliver() alone, in batches of its default size, against a
//    receiver on loopback in this process; beside it a raw baseline that writes the
//    same bytes without wardsoc (a file write, a TCP/TLS socket write).
// 2. "drain": the real path after an outage — a store holding `--backlog` alerts
//    (committed with one evidence line each), then a Forwarder delivering until its
//    outbox is empty (read, render, deliver, ack). The file sink is the baseline.
// Receivers: a TCP/TLS reader that discards (syslog), a minimal HTTP/1.1 keep-alive
// server over TLS (webhook), librdkafka's mock cluster (Kafka, in this process). All
// share the machine's cores with the sink, so the ratios matter more than the rates.
#include <arpa/inet.h>
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>
#include <netinet/in.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <spdlog/spdlog.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "bench/bench_util.h"
#include "connectors/file/file_sink.h"
#include "connectors/forwarder.h"
#include "connectors/kafka/kafka_sink.h"
#include "connectors/sink_factory.h"
#include "connectors/syslog/syslog_message.h"
#include "connectors/syslog/syslog_sink.h"
#include "connectors/webhook/webhook_sink.h"
#include "core/time.h"
#include "store/outbox_queue.h"
#include "store/store.h"
#include "store/store_stats.h"

using namespace wardsoc;
using wardsoc::bench::Clock;
using wardsoc::bench::median;

namespace {

double seconds(Clock::time_point a, Clock::time_point b) {
  return std::chrono::duration<double>(b - a).count();
}

// ---------------------------------------------------------------- test data

Incident incident(int i) {
  Incident in;
  in.rule_id = "ssh.auth_failure_burst";
  in.group_key = "203.0." + std::to_string(i / 256 % 256) + "." + std::to_string(i % 256);
  in.window_start_us = 1764064500000000 + i;
  in.id = make_incident_id(in.rule_id, in.group_key, in.window_start_us);
  in.rule_version = "a1b2c3d4";
  in.title = "SSH brute-force login";
  in.title_vi = "Dò mật khẩu SSH";
  in.severity = Severity::kHigh;
  in.level = 10;
  in.tags = {"attack.credential_access", "attack.t1110.001", "ssh"};
  in.first_seen_us = in.window_start_us;
  in.last_seen_us = in.window_start_us + 30000000;
  in.count = 5;
  in.asset = "cam-07";
  in.site = "Nhà văn hóa tổ 3";
  in.asset_class = AssetClass::kCamera;
  in.host = "cam07.local";
  in.input = "syslog-tls";
  in.fields = {{"src_ip", in.group_key}, {"user", "admin"}, {"method", "password"}};
  in.evidence_count = 1;
  return in;
}

const std::string kLine =
    "<38>Nov 25 17:00:00 cam07 sshd[811]: Failed password for invalid user admin from "
    "203.0.113.7 port 52110 ssh2";

std::vector<OutboxEntry> entries(int n) {
  std::vector<OutboxEntry> out;
  for (int i = 0; i < n; ++i) {
    OutboxEntry e;
    e.seq = static_cast<uint64_t>(i + 1);
    e.kind = IncidentChange::Kind::kCreated;
    e.incident = incident(i);
    e.enqueued_us = 1764064801000000 + i;
    out.push_back(std::move(e));
  }
  return out;
}

SinkContext context() {
  SinkContext c;
  c.format.product_version = "bench";
  c.format.instance = "bench-host";
  c.first_evidence = [](std::string_view) -> std::optional<std::string> { return kLine; };
  return c;
}

// ---------------------------------------------------------------- TLS material

struct Tls {
  std::filesystem::path dir, ca, cert, key;
  SSL_CTX* server = nullptr;
};

void must(int rc, const std::string& what) {
  if (rc != 0) {
    std::fprintf(stderr, "bench: %s failed\n", what.c_str());
    std::exit(1);
  }
}

Tls make_tls(const std::filesystem::path& dir) {
  Tls t{dir, dir / "ca.pem", dir / "server.pem", dir / "server.key"};
  const std::string d = dir.string();
  must(std::system(("openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes "
                    "-keyout " +
                    d + "/ca.key -out " + d +
                    "/ca.pem -days 1 -subj '/CN=bench CA' "
                    "2>/dev/null")
                       .c_str()),
       "openssl ca");
  std::FILE* f = std::fopen((d + "/ext").c_str(), "w");
  std::fputs("subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n", f);
  std::fclose(f);
  must(std::system(("openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout " +
                    d + "/server.key -out " + d +
                    "/server.csr -subj /CN=127.0.0.1 2>/dev/null && "
                    "openssl x509 -req -in " +
                    d + "/server.csr -CA " + d + "/ca.pem -CAkey " + d +
                    "/ca.key -CAcreateserial -out " + d + "/server.pem -days 1 -extfile " + d +
                    "/ext 2>/dev/null")
                       .c_str()),
       "openssl server");
  t.server = SSL_CTX_new(TLS_server_method());
  SSL_CTX_use_certificate_chain_file(t.server, t.cert.c_str());
  SSL_CTX_use_PrivateKey_file(t.server, t.key.c_str(), SSL_FILETYPE_PEM);
  return t;
}

// ---------------------------------------------------------------- receivers

// Accepts connections on 127.0.0.1 and hands each to `serve` on its own thread.
class Listener {
 public:
  explicit Listener(std::function<void(int fd)> serve) : serve_(std::move(serve)) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    const int one = 1;
    ::setsockopt(fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a);
    socklen_t len = sizeof a;
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len);
    port_ = ntohs(a.sin_port);
    ::listen(fd_, 16);
    thread_ = std::thread([this] {
      for (;;) {
        const int c = ::accept(fd_, nullptr, nullptr);
        if (c < 0) return;
        std::thread([this, c] {
          serve_(c);
          ::close(c);
        }).detach();
      }
    });
  }
  ~Listener() {
    ::shutdown(fd_, SHUT_RDWR);
    ::close(fd_);
    thread_.join();
  }
  uint16_t port() const { return port_; }

 private:
  std::function<void(int)> serve_;
  int fd_ = -1;
  uint16_t port_ = 0;
  std::thread thread_;
};

// Reads and discards, plain or TLS: a syslog receiver that keeps up.
std::function<void(int)> discard(SSL_CTX* tls) {
  return [tls](int fd) {
    char buf[1 << 16];
    if (tls == nullptr) {
      while (::read(fd, buf, sizeof buf) > 0) {
      }
      return;
    }
    SSL* ssl = SSL_new(tls);
    SSL_set_fd(ssl, fd);
    if (SSL_accept(ssl) == 1) {
      while (SSL_read(ssl, buf, sizeof buf) > 0) {
      }
    }
    SSL_free(ssl);
  };
}

// A minimal HTTP/1.1 server over TLS: reads each request (headers, Content-Length
// body) and answers 200, keeping the connection open.
std::function<void(int)> http_ok(SSL_CTX* tls) {
  return [tls](int fd) {
    SSL* ssl = SSL_new(tls);
    SSL_set_fd(ssl, fd);
    if (SSL_accept(ssl) != 1) {
      SSL_free(ssl);
      return;
    }
    std::string in;
    char buf[1 << 16];
    static const char kOk[] = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";
    for (;;) {
      const size_t end = in.find("\r\n\r\n");
      if (end != std::string::npos) {
        size_t length = 0;
        const size_t cl = in.find("Content-Length: ");
        if (cl != std::string::npos && cl < end) length = std::stoul(in.substr(cl + 16));
        if (in.size() >= end + 4 + length) {
          in.erase(0, end + 4 + length);
          if (SSL_write(ssl, kOk, sizeof kOk - 1) <= 0) break;
          continue;
        }
      }
      const int n = SSL_read(ssl, buf, sizeof buf);
      if (n <= 0) break;
      in.append(buf, static_cast<size_t>(n));
    }
    SSL_free(ssl);
  };
}

// librdkafka's mock cluster in this process (one broker, one topic of 3 partitions).
class MockKafka {
 public:
  MockKafka() {
    char err[256];
    rd_kafka_conf_t* conf = rd_kafka_conf_new();
    rd_kafka_conf_set(conf, "log_level", "0", err, sizeof err);
    rk_ = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof err);
    mc_ = rd_kafka_mock_cluster_new(rk_, 1);
    rd_kafka_mock_topic_create(mc_, "bench", 3, 1);
    bootstrap_ = rd_kafka_mock_cluster_bootstraps(mc_);
  }
  ~MockKafka() {
    rd_kafka_mock_cluster_destroy(mc_);
    rd_kafka_destroy(rk_);
  }
  const std::string& bootstrap() const { return bootstrap_; }

 private:
  rd_kafka_t* rk_;
  rd_kafka_mock_cluster_t* mc_;
  std::string bootstrap_;
};

// ---------------------------------------------------------------- sinks under test

struct Env {
  std::filesystem::path dir;
  Tls tls;
  std::unique_ptr<Listener> tcp, tls_reader, https;
  std::unique_ptr<MockKafka> kafka;
};

struct Case {
  std::string name;
  std::string about;
  std::function<SinkConfig(Env&)> config;
};

std::vector<Case> cases() {
  return {
      {"file", "file, wardsoc JSON, fdatasync per batch",
       [](Env& e) {
         FileSinkConfig c;
         c.common.name = "file";
         c.path = (e.dir / "alerts.jsonl").string();
         return SinkConfig(c);
       }},
      {"kafka", "kafka (mock cluster), ECS, acks=all idempotent",
       [](Env& e) {
         KafkaSinkConfig c;
         c.common.name = "kafka";
         c.brokers = e.kafka->bootstrap();
         c.topic = "bench";
         return SinkConfig(c);
       }},
      {"syslog-tcp", "syslog TCP, CEF, confirm_delay 100ms",
       [](Env& e) {
         SyslogSinkConfig c;
         c.common.name = "syslog-tcp";
         c.host = "127.0.0.1";
         c.port = e.tcp->port();
         c.transport = SyslogTransport::kTcp;
         return SinkConfig(c);
       }},
      {"syslog-tls", "syslog TLS, CEF, confirm_delay 100ms",
       [](Env& e) {
         SyslogSinkConfig c;
         c.common.name = "syslog-tls";
         c.host = "127.0.0.1";
         c.port = e.tls_reader->port();
         c.tls.ca_file = e.tls.ca.string();
         return SinkConfig(c);
       }},
      {"syslog-tls-noconfirm", "syslog TLS, CEF, confirm_delay 0",
       [](Env& e) {
         SyslogSinkConfig c;
         c.common.name = "syslog-tls-noconfirm";
         c.host = "127.0.0.1";
         c.port = e.tls_reader->port();
         c.tls.ca_file = e.tls.ca.string();
         c.confirm_delay = std::chrono::milliseconds(0);
         return SinkConfig(c);
       }},
      {"webhook", "webhook HTTPS, one alert per request, HMAC",
       [](Env& e) {
         WebhookSinkConfig c;
         c.common.name = "webhook";
         c.url = "https://127.0.0.1:" + std::to_string(e.https->port()) + "/alerts";
         c.tls.ca_file = e.tls.ca.string();
         c.hmac_secret = "bench";
         return SinkConfig(c);
       }},
      {"webhook-ndjson", "webhook HTTPS, ndjson batches of 100, HMAC",
       [](Env& e) {
         WebhookSinkConfig c;
         c.common.name = "webhook-ndjson";
         c.url = "https://127.0.0.1:" + std::to_string(e.https->port()) + "/alerts";
         c.tls.ca_file = e.tls.ca.string();
         c.hmac_secret = "bench";
         c.body = WebhookBody::kNdjson;
         return SinkConfig(c);
       }},
  };
}

std::unique_ptr<Sink> open_sink(const SinkConfig& config) {
  auto s = make_sink(config, context());
  if (!s) {
    std::fprintf(stderr, "bench: %s\n", s.error().message.c_str());
    std::exit(1);
  }
  return std::move(s).value();
}

// deliver() alone: alerts per second.
double send_rate(const SinkConfig& config, const std::vector<OutboxEntry>& all) {
  auto sink = open_sink(config);
  const size_t batch = sink_common(config).batch;
  // One warm-up batch: connection, TLS handshake, producer metadata.
  (void)sink->deliver(std::span(all).first(std::min(batch, all.size())));
  const auto t0 = Clock::now();
  for (size_t i = 0; i < all.size(); i += batch) {
    const auto part = std::span(all).subspan(i, std::min(batch, all.size() - i));
    const auto r = sink->deliver(part);
    if (r.status != DeliveryStatus::kDelivered) {
      std::fprintf(stderr, "bench: %s: %s\n", sink->name().c_str(), r.error.c_str());
      std::exit(1);
    }
  }
  return static_cast<double>(all.size()) / seconds(t0, Clock::now());
}

// The same bytes without wardsoc: CEF frames written to a TCP or TLS socket, or JSON
// lines written to a file. Alerts per second.
double raw_socket_rate(uint16_t port, SSL_CTX* client, const std::vector<OutboxEntry>& all) {
  std::string bytes;
  SyslogHeaderFields h;
  FormatOptions fo;
  for (const auto& e : all) {
    append_syslog_frame(&bytes, h, 3, e.enqueued_us,
                        render_alert(AlertFormat::kCef, AlertInput{e, kLine}, fo));
  }
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = htons(port);
  must(::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a), "connect");
  SSL* ssl = nullptr;
  if (client != nullptr) {
    ssl = SSL_new(client);
    SSL_set_fd(ssl, fd);
    if (SSL_connect(ssl) != 1) std::exit(1);
  }
  const auto t0 = Clock::now();
  for (size_t done = 0; done < bytes.size();) {
    const size_t n = std::min<size_t>(bytes.size() - done, 1 << 16);
    const int w = ssl ? SSL_write(ssl, bytes.data() + done, static_cast<int>(n))
                      : static_cast<int>(::write(fd, bytes.data() + done, n));
    if (w <= 0) std::exit(1);
    done += static_cast<size_t>(w);
  }
  const double rate = static_cast<double>(all.size()) / seconds(t0, Clock::now());
  if (ssl) SSL_free(ssl);
  ::close(fd);
  return rate;
}

double raw_file_rate(const std::filesystem::path& path, const std::vector<OutboxEntry>& all) {
  std::string bytes;
  for (const auto& e : all)
    bytes += render_alert(AlertFormat::kWardsoc, AlertInput{e, ""}, {}) + "\n";
  std::FILE* f = std::fopen(path.c_str(), "w");
  const auto t0 = Clock::now();
  std::fwrite(bytes.data(), 1, bytes.size(), f);
  std::fflush(f);
  ::fdatasync(fileno(f));
  const double rate = static_cast<double>(all.size()) / seconds(t0, Clock::now());
  std::fclose(f);
  return rate;
}

// The outbox after an outage: `backlog` alerts committed (with an evidence line each),
// then drained by a Forwarder. Returns alerts per second of the drain; fills bytes per
// queued alert on disk.
double drain_rate(Env& env, const SinkConfig& config, int backlog, double* bytes_per_alert) {
  const auto db = env.dir / ("db-" + sink_name(config));
  std::filesystem::remove_all(db);
  StoreOptions so;
  so.path = db.string();
  auto store = Store::Open(so);
  if (!store) std::exit(1);
  const std::vector<std::string> sinks = {sink_name(config)};
  for (int i = 0; i < backlog; i += 1000) {
    std::vector<IncidentChange> changes;
    for (int k = i; k < std::min(backlog, i + 1000); ++k) {
      IncidentChange c;
      c.incident = incident(k);
      Evidence ev;
      ev.line = kLine;
      ev.input = "syslog-tls";
      c.new_evidence.push_back(ev);
      changes.push_back(std::move(c));
    }
    if (!(*store)->commit(changes, {}, {}, sinks)) std::exit(1);
  }
  if (bytes_per_alert != nullptr) {
    const auto g = (*store)->stats().gauges();
    auto it = g.family_bytes.find("outbox");
    *bytes_per_alert = it == g.family_bytes.end() ? 0 : static_cast<double>(it->second) / backlog;
  }
  SinkContext ctx = context();
  Store* s = store->get();
  ctx.first_evidence = [s](std::string_view id) -> std::optional<std::string> {
    auto ev = s->evidence(id, 1);
    if (!ev.ok() || ev->empty()) return std::nullopt;
    return ev->front().line;
  };
  auto sink = make_sink(config, ctx);
  if (!sink) std::exit(1);
  Forwarder forwarder((*store)->outbox(), std::move(sink).value(),
                      ForwarderOptions::From(sink_common(config)));
  const auto t0 = Clock::now();
  const auto r = forwarder.drain(std::chrono::minutes(10));
  const double secs = seconds(t0, Clock::now());
  if (!r.ok() || (*store)->outbox().size(sink_name(config)) != 0) {
    std::fprintf(stderr, "bench: drain of %s failed: %s\n", sink_name(config).c_str(),
                 r.ok() ? "outbox not empty" : r.error().message.c_str());
    std::exit(1);
  }
  return backlog / secs;
}

}  // namespace

int main(int argc, char** argv) {
  int runs = 5, alerts = 20000, backlog = 100000;
  std::string only;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string a = argv[i];
    if (a == "--runs") runs = std::atoi(argv[i + 1]);
    if (a == "--alerts") alerts = std::atoi(argv[i + 1]);
    if (a == "--backlog") backlog = std::atoi(argv[i + 1]);
    if (a == "--only") only = std::string(",") + argv[i + 1] + ",";
  }
  spdlog::set_level(spdlog::level::err);
  std::signal(SIGPIPE, SIG_IGN);

  Env env;
  env.dir = std::filesystem::temp_directory_path() / ("wardsoc-bench-" + std::to_string(getpid()));
  std::filesystem::create_directories(env.dir);
  env.tls = make_tls(env.dir);
  env.tcp = std::make_unique<Listener>(discard(nullptr));
  env.tls_reader = std::make_unique<Listener>(discard(env.tls.server));
  env.https = std::make_unique<Listener>(http_ok(env.tls.server));
  env.kafka = std::make_unique<MockKafka>();
  SSL_CTX* client = SSL_CTX_new(TLS_client_method());

  const auto all = entries(alerts);
  std::printf("machine: %u cores; %d runs, medians; send: %d alerts; drain: %d-alert backlog\n",
              std::thread::hardware_concurrency(), runs, alerts, backlog);

  // Baselines first.
  std::vector<double> raw_file, raw_tcp, raw_tls;
  for (int r = 0; r < runs; ++r) {
    raw_file.push_back(raw_file_rate(env.dir / "raw.jsonl", all));
    raw_tcp.push_back(raw_socket_rate(env.tcp->port(), nullptr, all));
    raw_tls.push_back(raw_socket_rate(env.tls_reader->port(), client, all));
  }
  std::printf("\nraw baselines (same bytes, no wardsoc):\n");
  std::printf("  %-22s %12.0f alerts/s\n", "file write+fdatasync", median(raw_file));
  std::printf("  %-22s %12.0f alerts/s\n", "TCP socket write", median(raw_tcp));
  std::printf("  %-22s %12.0f alerts/s\n", "TLS socket write", median(raw_tls));

  std::printf("\n%-22s %12s %9s %12s %9s %10s  %s\n", "sink", "send/s", "vs raw", "drain/s",
              "vs file", "B/alert", "what");
  double file_drain = 0;
  for (const auto& c : cases()) {
    if (!only.empty() && only.find("," + c.name + ",") == std::string::npos) continue;
    const SinkConfig config = c.config(env);
    std::vector<double> send, drain;
    double bytes = 0;
    for (int r = 0; r < runs; ++r) send.push_back(send_rate(config, all));
    const int drain_runs = std::max(1, std::min(runs, 3));
    for (int r = 0; r < drain_runs; ++r) drain.push_back(drain_rate(env, config, backlog, &bytes));
    const double s = median(send), d = median(drain);
    if (c.name == "file") file_drain = d;
    double raw = median(raw_file);
    if (c.name == "syslog-tcp") raw = median(raw_tcp);
    if (c.name.rfind("syslog-tls", 0) == 0 || c.name.rfind("webhook", 0) == 0)
      raw = median(raw_tls);
    if (c.name == "kafka") raw = median(raw_tcp);
    std::printf("%-22s %12.0f %8.3fx %12.0f %8.3fx %10.0f  %s\n", c.name.c_str(), s, s / raw, d,
                file_drain > 0 ? d / file_drain : 0, bytes, c.about.c_str());
    std::fflush(stdout);
  }
  env.https.reset();
  env.tls_reader.reset();
  env.tcp.reset();
  env.kafka.reset();
  SSL_CTX_free(client);
  std::filesystem::remove_all(env.dir);
  return 0;
}
