#include "ingest/file/file_input.h"

#include <fcntl.h>
#include <fnmatch.h>
#include <glob.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <unistd.h>
#include <xxhash.h>

#include <algorithm>
#include <cerrno>
#include <cinttypes>
#include <cstdio>
#include <cstring>
#include <set>

#include "core/thread_name.h"
#include "core/time.h"

namespace wardsoc {

namespace {

constexpr size_t kBlockBytes = 1u << 20;
// Bytes read from one file before the others get their turn.
constexpr size_t kFairShareBytes = 8u << 20;

bool has_glob_chars(const std::string& p) { return p.find_first_of("*?[") != std::string::npos; }

std::string identity(dev_t dev, ino_t ino, size_t len, uint64_t hash) {
  char buf[96];
  std::snprintf(buf, sizeof buf, "fp:%ju:%ju:%zu:%016" PRIx64, static_cast<uintmax_t>(dev),
                static_cast<uintmax_t>(ino), len, hash);
  return buf;
}

struct ParsedIdentity {
  uintmax_t dev = 0;
  uintmax_t ino = 0;
  size_t len = 0;
  uint64_t hash = 0;
};

bool parse_identity(const std::string& s, ParsedIdentity* out) {
  if (s.rfind("fp:", 0) != 0) return false;
  uintmax_t dev = 0, ino = 0;
  size_t len = 0;
  uint64_t hash = 0;
  int used = 0;
  if (std::sscanf(s.c_str(), "fp:%ju:%ju:%zu:%" SCNx64 "%n", &dev, &ino, &len, &hash, &used) != 4 ||
      static_cast<size_t>(used) != s.size()) {
    return false;
  }
  *out = ParsedIdentity{dev, ino, len, hash};
  return true;
}

// XXH3 of the first `len` bytes; false if the file has fewer.
bool hash_prefix(int fd, size_t len, uint64_t* out) {
  std::string buf(len, '\0');
  size_t got = 0;
  while (got < len) {
    const ssize_t n = ::pread(fd, buf.data() + got, len - got, static_cast<off_t>(got));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    got += static_cast<size_t>(n);
  }
  *out = XXH3_64bits(buf.data(), len);
  return true;
}

}  // namespace

FileInput::FileInput(const FileInputConfig& config, BatchQueue& queue, const cctz::time_zone& zone,
                     const IngestContext& context)
    : config_(config),
      queue_(queue),
      builder_(config_.common, zone, &counters_, context, /*live=*/false),
      buffer_(kBlockBytes) {
  for (const auto& [stream, offset] : config_.start_offsets) acknowledged_[stream] = offset;
  first_run_ = config_.start_offsets.empty();
}

FileInput::~FileInput() {
  stop();
  close_all();
}

void FileInput::close_all() {
  for (auto& f : files_) {
    if (f->fd >= 0) ::close(f->fd);
    f->fd = -1;
  }
}

std::vector<FileInput::Found> FileInput::scan(bool first) {
  std::vector<Found> found;
  std::set<std::pair<dev_t, ino_t>> seen;
  for (const auto& pattern : config_.paths) {
    std::vector<std::string> paths;
    if (has_glob_chars(pattern)) {
      glob_t g{};
      const int rc = ::glob(pattern.c_str(), GLOB_NOSORT, nullptr, &g);
      if (rc == 0) {
        for (size_t i = 0; i < g.gl_pathc; ++i) paths.emplace_back(g.gl_pathv[i]);
      }
      globfree(&g);
      std::sort(paths.begin(), paths.end());
      if (paths.empty() && first && !warned_missing_[pattern]) {
        warned_missing_[pattern] = true;
        spdlog::warn("input '{}': no file matches '{}' yet; looking again every {}ms", name(),
                     pattern, config_.poll_interval.count());
      }
    } else {
      paths.push_back(pattern);
    }
    for (const auto& p : paths) {
      bool excluded = false;
      for (const auto& ex : config_.exclude) {
        const std::string base = p.substr(p.rfind('/') + 1);
        if (fnmatch(ex.c_str(), p.c_str(), 0) == 0 || fnmatch(ex.c_str(), base.c_str(), 0) == 0) {
          excluded = true;
          break;
        }
      }
      if (excluded) continue;
      struct stat st {};
      if (::stat(p.c_str(), &st) != 0) {
        if (!has_glob_chars(pattern) && !warned_missing_[p]) {
          warned_missing_[p] = true;
          spdlog::warn("input '{}': cannot read '{}': {}; waiting for it", name(), p,
                       std::strerror(errno));
        }
        continue;
      }
      if (!S_ISREG(st.st_mode)) continue;  // offsets and fingerprints need a regular file
      warned_missing_.erase(p);
      if (!seen.insert({st.st_dev, st.st_ino}).second) continue;  // two names, one file
      found.push_back(Found{p, st.st_dev, st.st_ino});
    }
  }
  return found;
}

void FileInput::fingerprint(Tracked& t, uint64_t size) {
  const size_t want = config_.fingerprint_bytes;
  // The first fingerprint is taken as soon as there are bytes; a short one is replaced
  // once, when the file reaches the full length (each identity is a checkpoint key).
  if (size == 0 || t.fp_len >= want || (t.fp_len > 0 && size < want)) return;
  const size_t len = static_cast<size_t>(std::min<uint64_t>(size, want));
  if (len <= t.fp_len) return;
  uint64_t hash = 0;
  if (!hash_prefix(t.fd, len, &hash)) return;
  t.fp_len = len;
  t.fp_hash = hash;
  t.stream = identity(t.dev, t.ino, len, hash);
  std::lock_guard lock(ack_mu_);
  path_streams_[t.path] = t.stream;
  acknowledged_.emplace(t.stream, t.offset);
}

void FileInput::track(const Found& f, bool first_scan) {
  const int fd = ::open(f.path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) {
    InputCounters::add(counters_.errors);
    uint64_t suppressed = 0;
    if (error_log_.allow(&suppressed)) {
      spdlog::warn("input '{}': cannot open '{}': {} ({} similar suppressed)", name(), f.path,
                   std::strerror(errno), suppressed);
    }
    return;
  }
  struct stat st {};
  if (fstat(fd, &st) != 0 || st.st_dev != f.dev || st.st_ino != f.ino) {
    ::close(fd);  // replaced between stat and open; the next scan sees the new one
    return;
  }
  auto t = std::make_unique<Tracked>();
  t->path = f.path;
  t->fd = fd;
  t->dev = st.st_dev;
  t->ino = st.st_ino;
  t->last_growth = std::chrono::steady_clock::now();
  const uint64_t size = S_ISREG(st.st_mode) ? static_cast<uint64_t>(st.st_size) : 0;

  // Where to start: the furthest checkpoint whose identity this file proves (same inode,
  // same first bytes), else a checkpoint under its plain path, else by read_from.
  bool resumed = false;
  uint64_t start = 0;
  for (const auto& [stream, offset] : config_.start_offsets) {
    ParsedIdentity id;
    if (!parse_identity(stream, &id)) continue;
    if (id.dev != static_cast<uintmax_t>(t->dev) || id.ino != static_cast<uintmax_t>(t->ino)) {
      continue;
    }
    uint64_t hash = 0;
    if (id.len == 0 || !hash_prefix(fd, id.len, &hash) || hash != id.hash) continue;
    if (!resumed || offset > start) {
      start = offset;
      t->fp_len = id.len;
      t->fp_hash = id.hash;
      t->stream = stream;
    }
    resumed = true;
  }
  if (!resumed) {
    auto legacy = config_.start_offsets.find(f.path);
    if (legacy != config_.start_offsets.end()) {
      resumed = true;
      start = legacy->second;
    }
  }
  if (resumed && S_ISREG(st.st_mode) && start > size) {
    spdlog::warn(
        "input '{}': '{}' is {} bytes, shorter than its checkpoint {}; reading it "
        "from the start",
        name(), f.path, size, start);
    start = 0;
    t->fp_len = 0;
    t->stream.clear();
  }
  if (!resumed && first_scan && first_run_ && config_.read_from == "end") start = size;
  t->offset = start;
  t->framer = std::make_unique<LineFramer>(config_.common.max_line_bytes, start);
  if (!t->stream.empty()) {
    std::lock_guard lock(ack_mu_);
    path_streams_[t->path] = t->stream;
    acknowledged_.emplace(t->stream, start);
  }
  fingerprint(*t, size);
  spdlog::info("input '{}': {} '{}' at offset {}{}", name(), resumed ? "resuming" : "reading",
               f.path, start, t->stream.empty() ? "" : " (" + t->stream + ")");
  files_.push_back(std::move(t));
}

Status FileInput::start() {
  std::lock_guard lock(lifecycle_mu_);
  if (started_) return Error(Errc::kInvalidArgument, "input already started");
  if (!config_.follow) {
    // Reading once: a named file that is not there is a mistake to report now.
    for (const auto& p : config_.paths) {
      if (has_glob_chars(p)) continue;
      struct stat st {};
      if (::stat(p.c_str(), &st) != 0) {
        const int err = errno;
        return Error(err == ENOENT ? Errc::kNotFound : Errc::kIo,
                     "cannot open '" + p + "': " + std::strerror(err));
      }
      if (S_ISDIR(st.st_mode)) return Error(Errc::kIo, "cannot read '" + p + "': is a directory");
      const int fd = ::open(p.c_str(), O_RDONLY | O_CLOEXEC);
      if (fd < 0) {
        return Error(Errc::kIo, "cannot open '" + p + "': " + std::strerror(errno));
      }
      ::close(fd);
    }
  }
  for (const Found& f : scan(/*first=*/true)) track(f, /*first_scan=*/true);
  started_ = true;
  spdlog::info("input '{}': {} {} file(s)", name(), config_.follow ? "following" : "reading",
               files_.size());
  thread_ = std::thread([this] {
    set_thread_name("in:" + name());
    run();
  });
  return ok_status();
}

void FileInput::stop() {
  std::lock_guard lock(lifecycle_mu_);
  if (!started_ || stopped_) return;
  stopped_ = true;
  {
    std::lock_guard wake(wake_mu_);
    stop_requested_.store(true, std::memory_order_relaxed);
  }
  wake_cv_.notify_all();
  thread_.join();
  close_all();
}

void FileInput::wait_poll() {
  std::unique_lock lock(wake_mu_);
  auto wait = config_.poll_interval;
  if (!builder_.empty()) {
    const auto left = std::chrono::ceil<std::chrono::milliseconds>(builder_.deadline() -
                                                                   BatchBuilder::Clock::now());
    wait = std::clamp(left, std::chrono::milliseconds(0), wait);
  }
  wake_cv_.wait_for(lock, wait, [&] { return stop_requested_.load(std::memory_order_relaxed); });
}

bool FileInput::read_some(Tracked& t, size_t budget, bool* progress) {
  int64_t now = 0;
  bool queue_open = true;
  bool halted = false;  // closed queue or stop(): the rest of the block is not used
  auto on_line = [&](std::string_view line, uint32_t flags, uint64_t end_offset) {
    if (halted) return;
    LineMeta meta;
    meta.flags = flags;
    meta.receive_time_us = now;
    meta.position = end_offset;
    if (builder_.add(line, meta) && !t.stream.empty()) {
      builder_.set_position(t.stream, end_offset);
      if (builder_.full()) {
        queue_open = push_batch();
        // A 1 MiB block holds thousands of lines; stop() should not wait for all of them.
        halted = !queue_open || stop_requested_.load(std::memory_order_relaxed);
      }
    }
  };
  // Before reading what was added, make sure it was added to the same content: a file
  // truncated and written again past our offset (copytruncate between two looks) shows
  // as changed first bytes, and is read from its start instead.
  struct stat st {};
  if (fstat(t.fd, &st) != 0) return queue_open;
  const uint64_t size = static_cast<uint64_t>(st.st_size);
  if (size == t.offset) return queue_open;
  if (size < t.offset) {
    reset_to_start(t, "was truncated");
  } else if (t.fp_len > 0) {
    uint64_t hash = 0;
    if (!hash_prefix(t.fd, t.fp_len, &hash) || hash != t.fp_hash) {
      reset_to_start(t, "was truncated and rewritten");
    }
  }
  size_t read_total = 0;
  while (read_total < budget) {
    if (stop_requested_.load(std::memory_order_relaxed)) return false;
    const ssize_t n = ::pread(t.fd, buffer_.data(), buffer_.size(), static_cast<off_t>(t.offset));
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN) break;
      InputCounters::add(counters_.errors);
      uint64_t suppressed = 0;
      if (error_log_.allow(&suppressed)) {
        spdlog::error("input '{}': reading '{}' at offset {}: {} ({} similar suppressed)", name(),
                      t.path, t.offset, std::strerror(errno), suppressed);
      }
      break;
    }
    if (n == 0) break;
    now = now_us();
    *progress = true;
    t.last_growth = std::chrono::steady_clock::now();
    // A file read for the first time, or first grown past a short fingerprint, gets its
    // identity before any of its lines is positioned.
    if (t.fp_len < config_.fingerprint_bytes && fstat(t.fd, &st) == 0) {
      fingerprint(t, static_cast<uint64_t>(st.st_size));
    }
    t.offset += static_cast<uint64_t>(n);
    read_total += static_cast<size_t>(n);
    t.framer->feed(std::string_view(buffer_.data(), static_cast<size_t>(n)), on_line);
    if (halted) return false;
    if (builder_.due(BatchBuilder::Clock::now()) && !push_batch()) return false;
  }
  return queue_open;
}

void FileInput::reset_to_start(Tracked& t, const char* why) {
  spdlog::info("input '{}': '{}' {}; reading it again from its beginning", name(), t.path, why);
  t.offset = 0;
  t.fp_len = 0;
  t.fp_hash = 0;
  t.stream.clear();
  t.framer = std::make_unique<LineFramer>(config_.common.max_line_bytes, 0);
  {
    std::lock_guard lock(ack_mu_);
    path_streams_.erase(t.path);
  }
  struct stat st {};
  if (fstat(t.fd, &st) == 0) fingerprint(t, static_cast<uint64_t>(st.st_size));
}

// A file no pattern reaches any more: its last line needs no LF.
bool FileInput::finish_file(Tracked& t) {
  bool queue_open = true;
  const int64_t now = now_us();
  t.framer->finish([&](std::string_view line, uint32_t flags, uint64_t end_offset) {
    LineMeta meta;
    meta.flags = flags;
    meta.receive_time_us = now;
    meta.position = end_offset;
    if (builder_.add(line, meta) && !t.stream.empty()) {
      builder_.set_position(t.stream, end_offset);
      if (builder_.full()) queue_open = push_batch();
    }
  });
  return queue_open;
}

void FileInput::run() {
  auto last_scan = std::chrono::steady_clock::now();
  for (;;) {
    bool progress = false;
    for (auto& t : files_) {
      if (!read_some(*t, kFairShareBytes, &progress)) {
        push_batch();  // after stop() the partial batch is still handed over
        return;
      }
    }
    if (!config_.follow) {
      if (progress) continue;
      // Everything read once: the last lines without LF count too.
      bool open = true;
      for (auto& t : files_) {
        if (open) open = finish_file(*t);
        spdlog::info("input '{}': read '{}' to its end at offset {}", name(), t->path, t->offset);
      }
      if (push_batch() && open && !stop_requested_.load(std::memory_order_relaxed)) {
        const InputStats s = counters_.snapshot();
        spdlog::info("input '{}': all files read ({} lines)", name(), s.lines);
        drained_.store(true, std::memory_order_release);
      }
      return;
    }
    if (builder_.due(BatchBuilder::Clock::now()) && !push_batch()) return;
    const auto now = std::chrono::steady_clock::now();
    if (progress && now - last_scan < config_.poll_interval) continue;
    if (now - last_scan >= config_.poll_interval || !progress) {
      last_scan = now;
      // Which files do the patterns reach now?
      const std::vector<Found> found = scan(/*first=*/false);
      for (auto& t : files_) t->reachable = false;
      for (const Found& f : found) {
        bool known = false;
        for (auto& t : files_) {
          if (t->dev == f.dev && t->ino == f.ino) {
            known = true;
            t->reachable = true;
            if (t->path != f.path) {
              spdlog::info("input '{}': '{}' is now '{}'", name(), t->path, f.path);
              std::lock_guard lock(ack_mu_);
              path_streams_.erase(t->path);
              t->path = f.path;
              if (!t->stream.empty()) path_streams_[t->path] = t->stream;
            }
          }
        }
        if (!known) track(f, /*first_scan=*/false);
      }
      for (size_t i = 0; i < files_.size();) {
        Tracked& t = *files_[i];
        struct stat st {};
        const bool at_end = fstat(t.fd, &st) == 0 && static_cast<uint64_t>(st.st_size) <= t.offset;
        if (!t.reachable && at_end && now - t.last_growth >= config_.rotate_wait) {
          if (!finish_file(t)) return;
          spdlog::info("input '{}': '{}' was rotated away or deleted; done with it at offset {}",
                       name(), t.path, t.offset);
          ::close(t.fd);
          {
            std::lock_guard lock(ack_mu_);
            auto it = path_streams_.find(t.path);
            if (it != path_streams_.end() && it->second == t.stream) path_streams_.erase(it);
          }
          files_.erase(files_.begin() + static_cast<std::ptrdiff_t>(i));
          continue;
        }
        ++i;
      }
    }
    if (!progress) {
      if (!builder_.empty() && builder_.due(BatchBuilder::Clock::now()) && !push_batch()) return;
      wait_poll();
      if (stop_requested_.load(std::memory_order_relaxed)) {
        push_batch();
        return;
      }
    }
  }
}

bool FileInput::push_batch() {
  EventBatch batch = builder_.take();
  if (batch.empty()) return true;
  if (queue_.push(batch)) {
    InputCounters::add(counters_.batches);
    return true;
  }
  InputCounters::add(counters_.dropped, batch.size());
  spdlog::error(
      "input '{}': event queue closed, {} lines not handed over; they will be read "
      "again from the last checkpoint",
      name(), batch.size());
  return false;
}

void FileInput::acknowledge(const InputPosition& pos) {
  std::lock_guard lock(ack_mu_);
  uint64_t& offset = acknowledged_[pos.stream];
  offset = std::max(offset, pos.position);
  InputCounters::add(counters_.acknowledged);
}

uint64_t FileInput::acknowledged_offset(const std::string& stream_or_path) const {
  std::lock_guard lock(ack_mu_);
  std::string stream = stream_or_path;
  if (auto p = path_streams_.find(stream_or_path); p != path_streams_.end()) stream = p->second;
  auto it = acknowledged_.find(stream);
  return it == acknowledged_.end() ? 0 : it->second;
}

std::string FileInput::stream_of(const std::string& path) const {
  std::lock_guard lock(ack_mu_);
  auto it = path_streams_.find(path);
  return it == path_streams_.end() ? std::string() : it->second;
}

Result<std::unique_ptr<FileInput>> FileInput::Open(const FileInputConfig& cfg, BatchQueue& queue,
                                                   const cctz::time_zone& zone,
                                                   const IngestContext& ctx) {
  auto invalid = [](std::string message) {
    return Error(Errc::kInvalidArgument, std::move(message));
  };
  if (cfg.paths.empty()) return invalid("paths: missing (at least one file)");
  for (size_t i = 0; i < cfg.paths.size(); ++i) {
    if (cfg.paths[i].empty()) return invalid("paths[" + std::to_string(i) + "]: empty");
    for (size_t j = 0; j < i; ++j) {
      if (cfg.paths[j] == cfg.paths[i]) {
        return invalid("paths[" + std::to_string(i) + "]: '" + cfg.paths[i] + "' is listed twice");
      }
    }
  }
  if (cfg.read_from != "beginning" && cfg.read_from != "end") {
    return invalid("read_from: expected beginning or end");
  }
  if (cfg.fingerprint_bytes == 0) return invalid("fingerprint_bytes: must be positive");
  if (cfg.poll_interval.count() <= 0) return invalid("poll_interval: must be positive");
  return std::make_unique<FileInput>(cfg, queue, zone, ctx);
}

}  // namespace wardsoc
