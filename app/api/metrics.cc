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
                "Events lost because the queue was full (UDP) or closed", s.dropped, l);
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
      }
    }
  }
  if (sources_.forwarders) {
    for (const auto& [name, s] : sources_.forwarders()) {
      const Labels l = {{"sink", name}};
      f.counter("wardsoc_sink_delivered_total", "Alerts the sink accepted", s.delivered, l);
      f.counter("wardsoc_sink_retries_total", "Failed deliveries retried after a backoff",
                s.retries, l);
      f.counter("wardsoc_sink_rejected_total", "Alerts the sink refused (now dead letters)",
                s.rejected, l);
      f.gauge("wardsoc_sink_failing", "1 while the sink is in an outage", s.failing ? 1 : 0, l);
    }
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
