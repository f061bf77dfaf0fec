// Incident writes per second into the store, the way the pipeline commits them: batches
// of incident changes (20% new incidents with 5 evidence lines, 80% updates with one
// more line), one outbox entry per change, a checkpoint per batch. Measured with
// store.durability sync (fsync every batch) and group (fsync every 10 ms), next to a
// baseline in the same run: plain RocksDB WriteBatches of the same number of Puts and
// bytes with the same fsync policy, so the ratio shows what the store's indexes,
// lifecycle and encoding cost on top of RocksDB itself. Each round also runs the store
// with the per-rule counters the pipeline writes with every commit (one state value per
// rule whose counters the batch moved), and with those and a 1-minute update_interval on
// the sink, and prints their rates as ratios to the store without either, in the same round.
//
//   store_write_bench [--batches N] [--per-batch K] [--runs R] [--dir DIR]
#include <rocksdb/db.h>
#include <rocksdb/write_batch.h>
#include <sys/resource.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>

#include "bench/store_bench_util.h"
#include "store/store.h"

using namespace wardsoc;
using namespace wardsoc::bench;

namespace {

struct Options {
  int batches = 2000;
  int per_batch = 10;  // 1% of a 1,024-event batch turning into incident updates
  int runs = 3;
  std::string dir = "/tmp/wardsoc-store-write-bench";
  int interval_ms = 10;
};

struct Workload {
  std::vector<std::vector<IncidentChange>> batches;
  // Per batch: the rule counters the pipeline writes with it (the rules of its changes).
  std::vector<std::vector<StateUpdate>> counters;
  uint64_t puts = 0;   // what the baseline writes: the same count of values...
  uint64_t bytes = 0;  // ...and bytes
};

// CPU time of the whole process (every thread, RocksDB's flushes and compactions too): on
// a shared machine it moves less than the wall clock when other work competes for the cores.
double cpu_seconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  auto secs = [](const timeval& t) { return static_cast<double>(t.tv_sec) + t.tv_usec / 1e6; };
  return secs(u.ru_utime) + secs(u.ru_stime);
}

struct Rate {
  double per_second = 0;  // changes per wall-clock second
  double cpu_us = 0;      // CPU microseconds per change
};

Workload make_workload(const Options& o) {
  Workload w;
  std::mt19937_64 rng(42);
  const auto rules = bench_rules();
  std::vector<Incident> open;
  int64_t t = 1'790'000'000'000'000;
  uint64_t n = 0;
  for (int b = 0; b < o.batches; ++b) {
    std::vector<IncidentChange> batch;
    for (int k = 0; k < o.per_batch; ++k) {
      t += 1000;
      IncidentChange c;
      if (open.empty() || rng() % 5 == 0) {
        c.kind = IncidentChange::Kind::kCreated;
        c.incident = bench_incident(rules[rng() % rules.size()], n++, t, rng);
        for (uint32_t s = 0; s < 5; ++s) c.new_evidence.push_back(bench_evidence(s, c.incident));
        c.incident.evidence_count = 5;
        if (open.size() < 2000) open.push_back(c.incident);
      } else {
        Incident& in = open[rng() % open.size()];
        in.count += 1;
        in.last_seen_us = t;
        c.kind = IncidentChange::Kind::kUpdated;
        c.incident = in;
        c.new_evidence.push_back(bench_evidence(static_cast<uint32_t>(in.evidence_count), in));
        in.evidence_count += 1;
        c.incident.evidence_count = in.evidence_count;
      }
      // incident + evidence + outbox, roughly what the store writes as values
      w.puts += 2 + c.new_evidence.size();
      w.bytes += 2 * 900 + c.new_evidence.size() * 250;
      batch.push_back(std::move(c));
    }
    // The engine's counters record: 'r' rule id, then version, three u64 and two i64.
    std::vector<StateUpdate> counters;
    for (const IncidentChange& c : batch) {
      std::string key = "r" + c.incident.rule_id;
      bool seen = false;
      for (const StateUpdate& u : counters) seen = seen || u.key == key;
      if (!seen) counters.push_back(StateUpdate{std::move(key), std::string(54, 'c')});
    }
    w.counters.push_back(std::move(counters));
    w.batches.push_back(std::move(batch));
  }
  return w;
}

// `counters`: with the rule counters in every commit; `paced`: with a 1-minute
// update_interval for the sink (growth held back instead of queued).
Rate run_store(const Options& o, const Workload& w, bool sync, bool counters, bool paced = false) {
  std::filesystem::remove_all(o.dir);
  StoreOptions so;
  so.path = o.dir;
  so.sync = sync;
  so.group_commit_interval = std::chrono::milliseconds(o.interval_ms);
  const double cpu0 = cpu_seconds();
  auto store = std::move(Store::Open(so)).value();
  const std::vector<std::string> sinks = {"soc-file"};
  const std::vector<std::string> inputs = {"syslog-tcp"};
  const std::vector<int64_t> intervals = {60'000'000};
  const auto t0 = std::chrono::steady_clock::now();
  uint64_t ticket = 0;
  for (size_t b = 0; b < w.batches.size(); ++b) {
    const std::vector<InputPosition> pos = {{0, "", b}};
    CommitBatch cb;
    cb.changes = w.batches[b];
    cb.positions = pos;
    cb.input_names = inputs;
    cb.sinks = sinks;
    if (counters) cb.state = w.counters[b];
    if (paced) cb.update_interval_us = intervals;
    if (auto s = store->commit(cb, &ticket); !s.ok()) {
      std::fprintf(stderr, "commit: %s\n", s.error().message.c_str());
      std::exit(1);
    }
  }
  store->wait_durable(ticket, std::chrono::seconds(60));  // the last group is durable too
  const double secs = seconds_since(t0);
  store.reset();  // closing waits for the background work the writes caused
  const double changes = static_cast<double>(w.batches.size()) * o.per_batch;
  return {changes / secs, (cpu_seconds() - cpu0) * 1e6 / changes};
}

Rate run_baseline(const Options& o, const Workload& w, bool sync) {
  std::filesystem::remove_all(o.dir);
  const double cpu0 = cpu_seconds();
  rocksdb::Options opts;
  opts.create_if_missing = true;
  opts.write_buffer_size = size_t{16} << 20;
  rocksdb::DB* raw = nullptr;
  if (!rocksdb::DB::Open(opts, o.dir, &raw).ok()) std::exit(1);
  std::unique_ptr<rocksdb::DB> db(raw);
  const size_t per_batch_puts = w.puts / w.batches.size();
  const std::string value(w.bytes / w.puts, 'v');
  rocksdb::WriteOptions wo;
  wo.sync = sync;
  uint64_t key = 0;
  const auto t0 = std::chrono::steady_clock::now();
  for (size_t b = 0; b < w.batches.size(); ++b) {
    rocksdb::WriteBatch batch;
    for (size_t i = 0; i < per_batch_puts; ++i) {
      char k[24];
      std::snprintf(k, sizeof k, "%020llu", static_cast<unsigned long long>(key++));
      batch.Put(k, value);
    }
    if (!db->Write(wo, &batch).ok()) std::exit(1);
  }
  if (!sync) db->SyncWAL();
  const double secs = seconds_since(t0);
  db.reset();
  const double changes = static_cast<double>(w.batches.size()) * o.per_batch;
  return {changes / secs, (cpu_seconds() - cpu0) * 1e6 / changes};
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!std::strcmp(argv[i], "--batches")) o.batches = std::atoi(argv[i + 1]);
    if (!std::strcmp(argv[i], "--per-batch")) o.per_batch = std::atoi(argv[i + 1]);
    if (!std::strcmp(argv[i], "--runs")) o.runs = std::atoi(argv[i + 1]);
    if (!std::strcmp(argv[i], "--dir")) o.dir = argv[i + 1];
    if (!std::strcmp(argv[i], "--interval-ms")) o.interval_ms = std::atoi(argv[i + 1]);
  }
  const Workload w = make_workload(o);
  std::printf("store writes: %d batches x %d incident changes, %d runs (median), dir %s\n",
              o.batches, o.per_batch, o.runs, o.dir.c_str());
  const bool only_group = std::getenv("WARDSOC_BENCH_ONLY_GROUP") != nullptr;
  for (bool sync : {true, false}) {
    if (only_group && sync) continue;
    std::vector<double> store_rates, base_rates, store_cpu, base_cpu, counted_ratio, paced_ratio;
    std::vector<double> counted_cpu, paced_cpu;
    for (int r = 0; r < o.runs; ++r) {
      const Rate sr = run_store(o, w, sync, false);
      const Rate cr = run_store(o, w, sync, true);
      const Rate pr = run_store(o, w, sync, true, true);
      counted_ratio.push_back(cr.per_second / sr.per_second);
      paced_ratio.push_back(pr.per_second / sr.per_second);
      counted_cpu.push_back(cr.cpu_us / sr.cpu_us);
      paced_cpu.push_back(pr.cpu_us / sr.cpu_us);
      const Rate br = run_baseline(o, w, sync);
      store_rates.push_back(sr.per_second);
      store_cpu.push_back(sr.cpu_us);
      base_rates.push_back(br.per_second);
      base_cpu.push_back(br.cpu_us);
    }
    const double s = median(store_rates);
    const double b = median(base_rates);
    std::printf(
        "%-28s store %9.0f changes/s   raw RocksDB same puts %9.0f/s   ratio %.2f   "
        "(%.0f batches/s)   CPU per change: store %.1f us, raw %.1f us\n",
        sync ? "durability: sync" : "durability: group (10 ms)", s, b, s / b, s / o.per_batch,
        median(store_cpu), median(base_cpu));
    std::printf(
        "%-28s with the rule counters in every commit: rate ratio %.3f, CPU per change ratio "
        "%.3f, to without\n",
        "", median(counted_ratio), median(counted_cpu));
    std::printf(
        "%-28s with the counters and a 1m update_interval: rate ratio %.3f, CPU per change "
        "ratio %.3f, to without\n",
        "", median(paced_ratio), median(paced_cpu));
  }
  std::filesystem::remove_all(o.dir);
  return 0;
}
