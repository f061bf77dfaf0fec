// BatchBuilder: what every input does with a line once it has one: copy it into the
// batch arena (cut at max_line_bytes), check it is text (UTF-8, no NUL), attribute it
// to an asset (sender address, else the host its header names), parse its syslog header
// in the asset's or the input's zone, read a JSON or key=value body, flag a device clock
// far off, count it, and say when the batch is due (full, or flush_interval after its
// first event). The input decides how to hand a due batch to the queue: UDP tries and
// drops, TCP keeps it pending and stops reading, files and Kafka wait.
//
// Thread safety: none; one builder per input, used by the input's reading thread (or,
// after that thread is joined, by the thread that stops the input).
#pragma once

#include <cctz/time_zone.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "core/batch_queue.h"
#include "core/event.h"
#include "ingest/asset_monitor.h"
#include "ingest/body_fields.h"
#include "ingest/ingest_context.h"
#include "ingest/input_common.h"
#include "ingest/input_counters.h"
#include "ingest/json_event.h"
#include "ingest/syslog_parser.h"

namespace wardsoc {

// What an input knows about one line besides its bytes.
struct LineMeta {
  uint32_t flags = 0;     // what the framer found (kEventTruncated)
  std::string_view peer;  // sender address as text; empty for files
  int64_t receive_time_us = 0;
  uint64_t position = 0;  // Event::position
  // The time clock skew is measured against (a Kafka message's timestamp); 0 = receive.
  int64_t reference_time_us = 0;
  std::string_view host_hint;             // the source host named outside the line (a Kafka key)
  std::optional<AssetClass> asset_class;  // class for this line (a Kafka topic's); else the input's
};

class BatchBuilder {
 public:
  using Clock = std::chrono::steady_clock;

  // `counters` must outlive the builder; `zone` is where device times without a zone
  // are read (validated by the caller, see make_input()). `live`: the input delivers
  // lines as they are written (network inputs), so a device time long past is clock
  // skew too; files and Kafka may deliver a backlog, so only a time in the future is.
  BatchBuilder(const InputCommon& common, const cctz::time_zone& zone, InputCounters* counters,
               const IngestContext& context = {}, bool live = true);
  ~BatchBuilder();
  BatchBuilder(const BatchBuilder&) = delete;
  BatchBuilder& operator=(const BatchBuilder&) = delete;

  // Adds one line (without its newline; a trailing CR is stripped). Empty lines are
  // skipped: returns false for them.
  bool add(std::string_view line, const LineMeta& meta);
  bool add(std::string_view line, uint32_t flags, std::string_view peer, int64_t receive_time_us,
           uint64_t position = 0) {
    LineMeta m;
    m.flags = flags;
    m.peer = peer;
    m.receive_time_us = receive_time_us;
    m.position = position;
    return add(line, m);
  }
  // Adds an event whose body was already parsed (an HTTP JSON document): `raw` is kept
  // as the line, `fields` fill the header.
  bool add_parsed(std::string_view raw, const BodyFields& fields, const LineMeta& meta);

  // Records where `stream` may resume once this batch is durable; a later call for the
  // same stream in the same batch replaces the earlier one.
  void set_position(std::string_view stream, uint64_t position);

  bool empty() const { return batch_.empty(); }
  size_t size() const { return batch_.size(); }
  // batch_events reached, or the arena grew so large that one more line might not fit.
  bool full() const;
  // When the current batch must be flushed at the latest; meaningful only if !empty().
  Clock::time_point deadline() const { return first_event_ + flush_interval_; }
  bool due(Clock::time_point now) const { return !empty() && (full() || now >= deadline()); }

  // Hands over the current batch and starts a new one; what was observed about assets
  // in it goes to the monitor.
  EventBatch take();

  const InputCommon& common() const { return common_; }

 private:
  struct Resolved {
    uint32_t asset = kNoAsset;
    const cctz::time_zone* zone = nullptr;  // the asset's own, or nullptr
  };

  void start_batch();
  Event& begin(std::string_view line, const LineMeta& meta, uint32_t flags);
  void finish(Event& e, const LineMeta& meta, const Resolved& by_peer,
              const cctz::time_zone* zone_used);
  Resolved resolve_peer(std::string_view peer);
  uint32_t resolve_host(std::string_view host);
  void parse_body(Event& e, const cctz::time_zone* zone, int64_t receive_time_us);
  void apply(const BodyFields& f, Event& e);
  Span place(std::string_view text);
  void observe(const Event& e, const LineMeta& meta, int64_t skew_us);

  const InputCommon common_;
  const cctz::time_zone zone_;
  const Clock::duration flush_interval_;
  InputCounters* const counters_;
  const IngestContext context_;
  const bool live_;
  const int64_t max_skew_us_;
  EventBatch batch_;
  Clock::time_point first_event_;
  size_t arena_hint_ = 0;
  // The sender of the previous line and where its text is in this batch: a TCP
  // connection's lines share one copy of the address.
  std::string last_peer_;
  Span last_peer_span_;
  bool last_peer_valid_ = false;

  // Asset lookups, remembered per sender (bounded; cleared when full).
  std::string cached_peer_;
  Resolved cached_peer_result_;
  bool cached_peer_valid_ = false;
  std::unordered_map<std::string, Resolved> peer_cache_;
  std::unordered_map<std::string, uint32_t> host_cache_;

  AssetObservations observations_;
  UnknownSender* last_unknown_ = nullptr;  // in observations_.unknown, this batch only
  std::unique_ptr<JsonEventParser> json_;
};

// For an input's stop(): hands `batch` on, waiting for room in the queue. A queue already
// closed (the pipeline stopping out of order) refuses it: the events are counted as
// dropped and logged as lost `unit` ("lines", "messages", ...). True if it went on.
bool push_at_stop(EventBatch& batch, BatchQueue& queue, InputCounters& counters,
                  std::string_view input, std::string_view unit);

}  // namespace wardsoc
