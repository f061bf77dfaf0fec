#include "ingest/batch_builder.h"

#include <simdjson.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cstring>

#include "core/time.h"
#include "ingest/kv_parser.h"

namespace wardsoc {

namespace {
// Spans are 32-bit; staying far below that also keeps one batch's memory modest.
constexpr size_t kMaxArenaBytes = 64u << 20;
// Reserving for a million events up front would cost more than it saves.
constexpr size_t kMaxReservedEvents = 4096;
constexpr size_t kInitialBytesPerEvent = 256;
// Senders remembered per builder; a flood of spoofed UDP sources cannot grow it further.
constexpr size_t kMaxCachedSenders = 8192;
}  // namespace

BatchBuilder::BatchBuilder(const InputCommon& common, const cctz::time_zone& zone,
                           InputCounters* counters, const IngestContext& context, bool live)
    : common_(common),
      zone_(zone),
      flush_interval_(common.flush_interval),
      counters_(counters),
      context_(context),
      live_(live),
      max_skew_us_(static_cast<int64_t>(common.max_clock_skew.count()) * kMicrosPerSecond),
      arena_hint_(std::min(common.batch_events, kMaxReservedEvents) * kInitialBytesPerEvent) {
  start_batch();
}

BatchBuilder::~BatchBuilder() = default;

void BatchBuilder::start_batch() {
  batch_ = EventBatch();
  batch_.reserve(std::min(common_.batch_events, kMaxReservedEvents), arena_hint_);
  last_peer_valid_ = false;
}

bool BatchBuilder::full() const {
  return batch_.size() >= common_.batch_events || batch_.arena_bytes() >= kMaxArenaBytes;
}

BatchBuilder::Resolved BatchBuilder::resolve_peer(std::string_view peer) {
  if (cached_peer_valid_ && peer == cached_peer_) return cached_peer_result_;
  Resolved r;
  auto it = peer_cache_.find(std::string(peer));
  if (it != peer_cache_.end()) {
    r = it->second;
  } else {
    r.asset = context_.assets->find_address(peer);
    if (r.asset != kNoAsset) r.zone = context_.assets->zone(r.asset);
    if (peer_cache_.size() >= kMaxCachedSenders) peer_cache_.clear();
    peer_cache_.emplace(std::string(peer), r);
  }
  cached_peer_.assign(peer);
  cached_peer_result_ = r;
  cached_peer_valid_ = true;
  return r;
}

uint32_t BatchBuilder::resolve_host(std::string_view host) {
  auto it = host_cache_.find(std::string(host));
  if (it != host_cache_.end()) return it->second;
  const uint32_t a = context_.assets->find_host(host);
  if (host_cache_.size() >= kMaxCachedSenders) host_cache_.clear();
  host_cache_.emplace(std::string(host), a);
  return a;
}

Event& BatchBuilder::begin(std::string_view line, const LineMeta& meta, uint32_t flags) {
  if (batch_.empty()) first_event_ = Clock::now();
  if (!simdjson::validate_utf8(line.data(), line.size())) flags |= kEventInvalidUtf8;
  if (std::memchr(line.data(), '\0', line.size()) != nullptr) flags |= kEventNulBytes;

  Event e;
  e.raw = batch_.append(line);
  if (!meta.peer.empty()) {
    if (!last_peer_valid_ || meta.peer != last_peer_) {
      last_peer_.assign(meta.peer);
      last_peer_span_ = batch_.append(meta.peer);
      last_peer_valid_ = true;
    }
    e.peer = last_peer_span_;
  }
  e.receive_time_us = meta.receive_time_us;
  e.input = common_.index;
  e.asset_class = meta.asset_class.value_or(common_.asset_class);
  e.position = meta.position;
  e.flags = flags;
  batch_.events().push_back(e);
  return batch_.events().back();
}

bool BatchBuilder::add(std::string_view line, const LineMeta& meta) {
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  if (line.empty()) return false;
  uint32_t flags = meta.flags;
  if (line.size() > common_.max_line_bytes) {
    line = line.substr(0, common_.max_line_bytes);
    flags |= kEventTruncated;
  }
  Resolved by_peer;
  if (context_.assets && !meta.peer.empty()) by_peer = resolve_peer(meta.peer);
  const cctz::time_zone* zone = by_peer.zone != nullptr ? by_peer.zone : &zone_;

  Event& e = begin(line, meta, flags);
  const SyslogParseOptions opts{zone, meta.receive_time_us};
  e.flags |= parse_syslog(line, e.raw.off, opts, &e.header);
  if (common_.format != BodyFormat::kSyslog) parse_body(e, zone, meta.receive_time_us);
  finish(e, meta, by_peer, zone);
  return true;
}

bool BatchBuilder::add_parsed(std::string_view raw, const BodyFields& fields,
                              const LineMeta& meta) {
  if (raw.empty()) return false;
  uint32_t flags = meta.flags;
  if (raw.size() > common_.max_line_bytes) {
    raw = raw.substr(0, common_.max_line_bytes);
    flags |= kEventTruncated;
  }
  Resolved by_peer;
  if (context_.assets && !meta.peer.empty()) by_peer = resolve_peer(meta.peer);
  Event& e = begin(raw, meta, flags);
  e.header = SyslogHeader{};
  e.header.message = e.raw;
  apply(fields, e);
  finish(e, meta, by_peer, by_peer.zone != nullptr ? by_peer.zone : &zone_);
  return true;
}

void BatchBuilder::parse_body(Event& e, const cctz::time_zone* zone, int64_t receive_time_us) {
  const std::string_view body = batch_.view(e.header.message);
  if (body.empty()) return;
  const SyslogParseOptions opts{zone, receive_time_us};
  const bool looks_json = body.front() == '{';
  if (common_.format == BodyFormat::kJson || (common_.format == BodyFormat::kAuto && looks_json)) {
    if (!json_) json_ = std::make_unique<JsonEventParser>();
    BodyFields f;
    if (json_->parse(body, opts, &f) == JsonEventParser::Outcome::kOk) {
      apply(f, e);
    } else if (common_.format == BodyFormat::kJson) {
      e.flags |= kEventHeaderMalformed;
    }
    return;
  }
  if (common_.format == BodyFormat::kKv ||
      (common_.format == BodyFormat::kAuto && std::memchr(body.data(), '=', body.size()))) {
    BodyFields f;
    if (kv_fields(body, opts, &f) >= 2) apply(f, e);
  }
}

// A field's text: where it already is in the arena (a key=value body), or copied in.
Span BatchBuilder::place(std::string_view text) {
  const std::string_view arena = batch_.view(Span{0, static_cast<uint32_t>(batch_.arena_bytes())});
  if (!arena.empty() && text.data() >= arena.data() &&
      text.data() + text.size() <= arena.data() + arena.size()) {
    return Span{static_cast<uint32_t>(text.data() - arena.data()),
                static_cast<uint32_t>(text.size())};
  }
  return batch_.append(text);
}

void BatchBuilder::apply(const BodyFields& f, Event& e) {
  // Spans are taken before anything is appended: appending may move the arena.
  SyslogHeader& h = e.header;
  if (h.host.empty() && !f.host.empty()) h.host = place(f.host);
  if (h.app.empty() && !f.app.empty()) h.app = place(f.app);
  if (h.procid.empty() && !f.procid.empty()) h.procid = place(f.procid);
  if (!f.message.empty()) h.message = place(f.message);
  if (!h.has_timestamp && f.has_timestamp) {
    h.has_timestamp = true;
    h.timestamp_has_zone = f.timestamp_has_zone;
    h.timestamp_us = f.timestamp_us;
  }
}

void BatchBuilder::finish(Event& e, const LineMeta& meta, const Resolved& by_peer,
                          const cctz::time_zone* zone_used) {
  uint32_t asset = by_peer.asset;
  if (context_.assets && (asset == kNoAsset || context_.assets->asset(asset).relay)) {
    std::string_view host = batch_.view(e.header.host);
    if (host.empty()) host = meta.host_hint;
    if (!host.empty()) {
      const uint32_t by_host = resolve_host(host);
      if (by_host != kNoAsset) {
        asset = by_host;
        // The line was read in the sender's zone; the device it names may run another.
        const cctz::time_zone* own = context_.assets->zone(asset);
        if (own != nullptr && own != zone_used && e.header.has_timestamp &&
            !e.header.timestamp_has_zone) {
          const auto tp = cctz::time_point<cctz::seconds>(
              cctz::seconds(e.header.timestamp_us / kMicrosPerSecond));
          const int64_t shift = zone_used->lookup(tp).offset - own->lookup(tp).offset;
          e.header.timestamp_us += shift * kMicrosPerSecond;
        }
      }
    }
  }
  if (asset != kNoAsset) {
    e.asset = asset;
    if (const auto& c = context_.assets->asset(asset).asset_class) e.asset_class = *c;
  }

  int64_t skew = 0;
  if (e.header.has_timestamp) {
    const int64_t reference =
        meta.reference_time_us != 0 ? meta.reference_time_us : e.receive_time_us;
    skew = e.header.timestamp_us - reference;
    if (skew > max_skew_us_ || (live_ && -skew > max_skew_us_)) {
      e.flags |= kEventClockSkew;
      InputCounters::add(counters_->clock_skew);
    }
  }

  InputCounters::add(counters_->lines);
  InputCounters::add(counters_->bytes, e.raw.len);
  if (e.flags & kEventTruncated) InputCounters::add(counters_->truncated);
  if (e.flags & kEventHeaderMalformed) InputCounters::add(counters_->malformed);
  if (e.flags & kEventInvalidUtf8) InputCounters::add(counters_->invalid_utf8);
  if (e.flags & kEventNulBytes) InputCounters::add(counters_->nul_bytes);
  if (context_.monitor) observe(e, meta, skew);
}

void BatchBuilder::observe(const Event& e, const LineMeta& meta, int64_t skew_us) {
  if (e.asset != kNoAsset) {
    AssetObservations::Known& k = observations_.known[e.asset];
    ++k.events;
    k.last_seen_us = std::max(k.last_seen_us, e.receive_time_us);
    if (e.flags & kEventClockSkew) {
      ++k.skewed;
      k.last_skew_us = skew_us;
    }
    return;
  }
  const std::string_view host = batch_.view(e.header.host);
  std::string_view address = meta.peer;
  if (address.empty()) address = !host.empty() ? host : meta.host_hint;
  if (address.empty()) return;  // a local file's line that names no host
  if (last_unknown_ == nullptr || address != last_unknown_->address) {
    auto it = observations_.unknown.find(std::string(address));
    if (it == observations_.unknown.end()) {
      UnknownSender u;
      u.address = std::string(address);
      u.input = common_.name;
      u.first_seen_us = e.receive_time_us;
      it = observations_.unknown.emplace(u.address, std::move(u)).first;
    }
    last_unknown_ = &it->second;  // element references survive rehashing
  }
  UnknownSender& u = *last_unknown_;
  ++u.events;
  u.last_seen_us = std::max(u.last_seen_us, e.receive_time_us);
  if (!host.empty() && host != u.host) u.host.assign(host);
}

void BatchBuilder::set_position(std::string_view stream, uint64_t position) {
  auto& positions = batch_.positions();
  if (!positions.empty() && positions.back().stream == stream) {
    positions.back().position = position;
    return;
  }
  for (auto& p : positions) {
    if (p.stream == stream) {
      p.position = position;
      return;
    }
  }
  positions.push_back(InputPosition{common_.index, std::string(stream), position});
}

EventBatch BatchBuilder::take() {
  arena_hint_ = std::max(batch_.arena_bytes(), size_t{4096});
  EventBatch out = std::move(batch_);
  start_batch();
  if (context_.monitor && !observations_.empty()) {
    context_.monitor->merge(observations_);
    observations_.clear();
  }
  last_unknown_ = nullptr;
  return out;
}

bool push_at_stop(EventBatch& batch, BatchQueue& queue, InputCounters& counters,
                  std::string_view input, std::string_view unit) {
  if (batch.empty()) return true;
  if (queue.push(batch)) {
    InputCounters::add(counters.batches);
    return true;
  }
  InputCounters::add(counters.dropped, batch.size());
  spdlog::error("input '{}': event queue closed at shutdown, {} {} lost", input, batch.size(),
                unit);
  return false;
}

}  // namespace wardsoc
