// What every sink's configuration has besides its own keys: its name (also its outbox
// queue in the store), the format it writes, which incidents it takes (filter), how
// many entries go in one delivery, how often an incident's growth is sent, how it backs
// off when the SOC is down, and the bound of its outbox with the policy at the bound. Read by
// connectors/ sink_config_reader.cc, applied by the Forwarder; plain values.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "connectors/format/alert_format.h"
#include "core/incident.h"

namespace wardsoc {

// Which incidents a sink forwards. Entries the filter excludes are acknowledged
// without being delivered (and counted). An empty list means "any".
struct SinkFilter {
  std::optional<Severity> min_severity;  // severity >= this
  std::vector<AssetClass> classes;       // the incident's source asset class is one of these
  std::vector<std::string> tags;         // the rule has at least one of these tags

  bool matches(const Incident& incident) const;
  bool empty() const { return !min_severity && classes.empty() && tags.empty(); }
};

// What happens when a sink's outbox holds `max_entries` (docs/forwarding.md "Outbox
// bound"). Nothing is ever dropped: the store keeps every entry in either case.
enum class OutboxFullPolicy {
  // Keep accepting and alert loudly: an error in the log once per crossing, the
  // sink's `over_bound` metric set, `wardsoc sinks status` says FULL. Detection and
  // the police dashboard go on; the outbox grows past the bound on disk.
  kAlert,
  // Stop taking new events: the pipeline holds the next batch until the outbox is
  // below the bound again, so inputs that can wait (TCP, TLS, Kafka, files) wait and
  // UDP drops (counted). For deployments where disk matters more than freshness.
  kBlock,
};

std::string_view outbox_full_policy_name(OutboxFullPolicy p);  // "alert", "block"

struct OutboxLimits {
  uint64_t max_entries = 1'000'000;
  uint64_t warn_entries = 800'000;  // a warning in the log well before the bound
  OutboxFullPolicy when_full = OutboxFullPolicy::kAlert;
};

struct SinkCommon {
  std::string name;  // a-z 0-9 - _, unique among inputs and sinks; the outbox queue
  AlertFormat format = AlertFormat::kWardsoc;
  SinkFilter filter;
  size_t batch = 256;  // outbox entries per delivery
  std::chrono::milliseconds initial_backoff{200};
  std::chrono::milliseconds max_backoff{60000};
  OutboxLimits outbox;
  // An incident's growth is sent at most once per interval (its creation and changes of
  // status or severity at once), and queued updates of one incident collapse into the
  // latest; 0: one alert per commit the incident changed in.
  std::chrono::milliseconds update_interval{60000};
};

// The common settings with a sink type's defaults.
inline SinkCommon sink_defaults(std::string name, AlertFormat format, size_t batch) {
  SinkCommon c;
  c.name = std::move(name);
  c.format = format;
  c.batch = batch;
  return c;
}

// TLS settings of a sink that connects to the SOC (syslog over TLS, HTTPS).
struct TlsClientConfig {
  bool verify = true;       // check the server's certificate and name
  std::string ca_file;      // PEM bundle of CAs to trust; empty = the system's
  std::string cert_file;    // client certificate (PEM) for mutual TLS
  std::string key_file;     // its private key (PEM)
  std::string server_name;  // name to verify and send as SNI; empty = the host
};

}  // namespace wardsoc
