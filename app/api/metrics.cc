#include "app/api/metrics.h"

#include <prometheus/metric_family.h>
#include <prometheus/text_serializer.h>

#include "app/pipeline.h"
#include "store/store_stats.h"

namespace wardsoc {

namespace {

using prometheus::ClientMetric;
using prometheus::MetricFamily;
using prometheus::MetricType;
using Labels = std::vector<ClientMetric::Label>;

struct Families {
  std::vector<MetricFamily> out;

  MetricFamily& family(const std::string& name, const std::string& help, MetricType type) {
    for (auto& f : out) {
      if (f.name == name) return f;
    }
    out.push_back(MetricFamily{name, help, type, {}});
    return out.back();
  }
  void counter(const std::string& name, const std::string& help, double v, Labels labels = {}) {
    ClientMetric m;
    m.label = std::move(labels);
    m.counter.value = v;
    family(name, help, MetricType::Counter).metric.push_back(std::move(m));
  }
  void gauge(const std::string& name, const std::string& help, double v, Labels labels = {}) {
    ClientMetric m;
    m.label = std::move(labels);
    m.gauge.value = v;
    family(name, help, MetricType::Gauge).metric.push_back(std::move(m));
  }
};

// Connections accepted, refused by reason and closed by reason, of an input or the API.
void connection_metrics(Families& f, const std::string& prefix, const InputStats& s,
                        const Labels& base) {
  auto with = [&](const char* key, const char* value) {
    Labels l = base;
    l.push_back({key, value});
    return l;
  };
  f.counter(prefix + "connections_total", "Connections accepted", s.connections_total, base);
  const std::string refused = prefix + "connections_refused_total";
  const char* refused_help =
      "Connections refused: global_limit (max_connections open, none idle), per_source_limit "
      "(max_connections_per_source open from the address, none idle)";
  f.counter(refused, refused_help, s.refused_global, with("reason", "global_limit"));
  f.counter(refused, refused_help, s.refused_per_source, with("reason", "per_source_limit"));
  const std::string closed = prefix + "connections_closed_total";
  const char* closed_help =
      "Connections closed by wardsoc: idle (idle_timeout), header_timeout, body_timeout, "
      "tls_handshake_timeout, evicted (idle, closed to make room for a new one)";
  f.counter(closed, closed_help, s.closed_idle, with("reason", "idle"));
  if (s.speaks_http) {
    f.counter(closed, closed_help, s.header_timeouts, with("reason", "header_timeout"));
    f.counter(closed, closed_help, s.body_timeouts, with("reason", "body_timeout"));
  }
  if (s.uses_tls) {
    f.counter(closed, closed_help, s.handshake_timeouts, with("reason", "tls_handshake_timeout"));
  }
  f.counter(closed, closed_help, s.evicted, with("reason", "evicted"));
}

void http_responses(Families& f, const std::string& name, const InputStats& s, const Labels& base) {
  for (const auto& [code, n] : s.http_responses) {
    Labels l = base;
    l.push_back({"code", std::to_string(code)});
    f.counter(name, "HTTP answers sent, by status code", static_cast<double>(n), std::move(l));
  }
}

}  // namespace

std::vector<MetricFamily> WardsocCollector::Collect() const {
  Families f;
  if (sources_.pipeline) {
    const PipelineStats p = sources_.pipeline();
    f.counter("wardsoc_batches_total", "Event batches detected and committed", p.batches);
    f.counter("wardsoc_batch_commits_total",
              "Store commits of detected batches (one commit takes the batches waiting)",
              p.commits);
    f.counter("wardsoc_events_total", "Events detected and committed", p.events);
    f.counter("wardsoc_incidents_created_total", "Incidents opened", p.incidents_created);
    f.counter("wardsoc_incidents_updated_total", "Incident updates committed", p.incidents_updated);
    f.counter("wardsoc_commit_failures_total", "Store commits that failed and were retried",
              p.commit_failures);
    // By outcome; sum() over result is every reload asked for.
    f.counter("wardsoc_rule_reloads_total",
              "Rule reloads by outcome (rejected: the old set stayed)", p.rule_reloads,
              {{"result", "ok"}});
    f.counter("wardsoc_rule_reloads_total",
              "Rule reloads by outcome (rejected: the old set stayed)", p.rule_reloads_rejected,
              {{"result", "rejected"}});
  }
  if (sources_.engine) {
    const EngineStats e = sources_.engine();
    f.gauge("wardsoc_detect_workers", "Detection threads", e.workers);
    f.counter("wardsoc_detect_matches_total", "Rule matches", e.matches);
    f.counter("wardsoc_detect_scan_errors_total", "Hyperscan scan errors", e.scan_errors);
    f.counter("wardsoc_detect_re2_runs_total",
              "RE2 runs on Hyperscan's candidates that took fields or confirmed a match (since the "
              "rule set was loaded)",
              e.re2_runs);
    f.counter(
        "wardsoc_detect_re2_dfa_checks_total",
        "Candidates of mostly failing patterns that RE2's DFA looked at first (since the rule "
        "set was loaded)",
        e.re2_dfa_checks);
    f.counter("wardsoc_detect_joined_lines_total",
              "Lines Hyperscan scanned together with others of their batch (since the rule set was "
              "loaded)",
              e.joined_lines);
    f.counter("wardsoc_detect_joined_fallbacks_total",
              "Joined scans cut short by a pattern hitting over and over, finished line by line "
              "(since the rule set was loaded)",
              e.joined_fallbacks);
    f.counter("wardsoc_detect_late_matches_total", "Matches older than their window (not counted)",
              e.late_matches);
    f.counter("wardsoc_detect_keys_evicted_total", "Group keys dropped at the per-rule cap",
              e.keys_evicted);
    f.gauge("wardsoc_detect_keys_tracked", "Group keys held by the correlator", e.keys_tracked);
  }
  if (sources_.rules) {
    for (const auto& r : sources_.rules()) {
      const Labels l = {{"rule", r.rule_id}};
      f.counter("wardsoc_rule_matches_total", "Matches per rule", r.matches, l);
      f.counter("wardsoc_rule_incidents_created_total", "Incidents opened per rule",
                r.incidents_created, l);
      f.counter("wardsoc_rule_incidents_updated_total", "Incident updates per rule",
                r.incidents_updated, l);
    }
  }
  if (sources_.inputs) {
    for (const auto& [name, s] : sources_.inputs()) {
      const Labels l = {{"input", name}};
      f.counter("wardsoc_input_events_total", "Events read per input", s.lines, l);
      f.counter("wardsoc_input_bytes_total", "Bytes read per input", s.bytes, l);
      f.counter("wardsoc_input_dropped_total",
                "Events lost per input and reason: queue_full (the queue was full (UDP) or "
                "closed), kernel (UDP datagrams the kernel dropped, the receive buffer full)",
                s.dropped, {{"input", name}, {"reason", "queue_full"}});
      if (s.counts_kernel_drops) {
        f.counter("wardsoc_input_dropped_total", "", static_cast<double>(s.kernel_dropped),
                  {{"input", name}, {"reason", "kernel"}});
      }
      f.counter("wardsoc_input_truncated_total", "Lines cut at max_line_bytes", s.truncated, l);
      f.counter("wardsoc_input_malformed_total", "Lines whose header did not parse", s.malformed,
                l);
      f.counter("wardsoc_input_errors_total", "Operating-system errors per input", s.errors, l);
      // Only inputs that accept connections can fail to, or hold any (UDP never accepts).
      if (s.accepts_connections) {
        f.counter(
            "wardsoc_input_accept_errors_total",
            "Failed accept() calls per input (out of descriptors, ...); the listener backs off",
            s.accept_errors, l);
        f.gauge("wardsoc_input_connections", "Open connections (TCP)", s.connections_open, l);
        connection_metrics(f, "wardsoc_input_", s, {{"input", name}});
      }
      if (s.speaks_http) http_responses(f, "wardsoc_http_responses_total", s, {{"input", name}});
    }
  }
  if (sources_.forwarders) {
    for (const auto& [name, s] : sources_.forwarders()) {
      const Labels l = {{"sink", name}};
      f.counter("wardsoc_sink_delivered_total", "Alerts the sink accepted", s.delivered, l);
      f.counter("wardsoc_sink_coalesced_total",
                "Queued updates left out because a later update of the same incident followed",
                s.coalesced, l);
      f.counter("wardsoc_sink_retries_total", "Failed deliveries retried after a backoff",
                s.retries, l);
      f.counter("wardsoc_sink_rejected_total", "Alerts the sink refused (now dead letters)",
                s.rejected, l);
      f.gauge("wardsoc_sink_failing", "1 while the sink is in an outage", s.failing ? 1 : 0, l);
    }
  }
  if (sources_.api) {
    const InputStats s = sources_.api();
    f.gauge("wardsoc_api_connections", "Open connections to the API", s.connections_open);
    f.counter("wardsoc_api_accept_errors_total", "Failed accept() calls of the API's listener",
              s.accept_errors);
    connection_metrics(f, "wardsoc_api_", s, {});
    http_responses(f, "wardsoc_api_responses_total", s, {});
  }
  if (sources_.store != nullptr) {
    const StoreGauges g = sources_.store->stats().gauges();
    f.gauge("wardsoc_store_incidents", "Incidents in the store (RocksDB estimate)",
            g.incidents_estimate);
    for (const auto& [sink, n] : g.outbox) {
      f.gauge("wardsoc_outbox_entries", "Alerts waiting in a sink's outbox", n, {{"sink", sink}});
    }
    for (const auto& [fam, n] : g.family_bytes) {
      f.gauge("wardsoc_store_family_bytes", "Table files and memtables per column family", n,
              {{"family", fam}});
    }
    f.gauge("wardsoc_store_live_data_bytes", "Estimated live data in the store", g.live_data_bytes);
    f.counter("wardsoc_store_commits_total", "Batches committed", g.commits);
    f.counter("wardsoc_store_commit_errors_total", "Commits the store refused (disk full, I/O)",
              g.commit_failures);
    f.counter("wardsoc_store_incident_writes_total", "Incident snapshots written",
              g.incidents_written);
    f.counter("wardsoc_store_transitions_total", "Status changes made by people", g.transitions);
    f.counter("wardsoc_store_reopened_total", "Resolved incidents reopened by new activity",
              g.reopened);
    f.counter("wardsoc_store_quarantined_total",
              "Outbox entries that did not decode, moved to the dead letters", g.quarantined);
    f.counter("wardsoc_store_retention_removed_total", "Incidents removed by retention",
              g.retention_removed);
    f.counter("wardsoc_store_wal_syncs_total", "Group-commit fsyncs", g.wal_syncs);
    f.gauge("wardsoc_alert_updates_held",
            "Incident updates held back by sinks' update_interval, queued when due",
            g.held_updates);
    f.gauge("wardsoc_store_writes_stopped", "1 when the store cannot write (disk full, I/O error)",
            g.background_error ? 1 : 0);
    f.gauge(
        "wardsoc_store_disk_free_bytes",
        "Free space on the file system holding the store (writes stop below store.min_free_space)",
        g.disk_free_bytes);
  }
  return std::move(f.out);
}

std::string render_metrics(const prometheus::Collectable& collectable) {
  return prometheus::TextSerializer().Serialize(collectable.Collect());
}

}  // namespace wardsoc
