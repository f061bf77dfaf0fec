// FileInput: reads log files, once to their end (`wardsoc replay`) or following them as
// they grow (follow: true, what `wardsoc run` does), like `tail -F` with a memory.
//
// Files are named by paths or glob patterns; in follow mode the patterns are looked at
// again every poll_interval, so files that appear later are read too, from their
// beginning. Rotation is followed in its three usual forms:
//  - rename + create (logrotate's default): the renamed file is read to its end, the new
//    file from its beginning;
//  - copytruncate: the file shrinks (or its first bytes change) and is read again from
//    its beginning;
//  - a symlink moved to a new file: the new target is read from its beginning.
// A file renamed away (or deleted) while followed is read to its end and closed once it
// has not grown for rotate_wait; give patterns that also match the rotated names
// ("app.log*") so that lines written just before a rotation are never missed while
// wardsoc was down.
//
// Identity. A file is known by its device and inode AND a fingerprint (XXH3 of its first
// fingerprint_bytes, or of what it had when first seen if it was shorter). The
// checkpoint stream of a file is that identity, written as
//   "fp:<dev>:<inode>:<fingerprint length>:<fingerprint hex>"
// so an inode that the file system reuses for a new file does not inherit the old file's
// offset (its first bytes differ: it is read from its beginning), and a renamed file
// keeps its offset. A file that was short when first seen gets a longer fingerprint once
// it has fingerprint_bytes; the shorter identity's checkpoint stays in the store and is
// still matched. Checkpoints written by older versions under the plain path are honoured
// for the file at that path.
//
// Positions: every batch carries, per file, the offset just past its last complete line;
// once the batch is durable the app acknowledges it and the store keeps it as the
// checkpoint, in the same write as the incidents the lines caused. A restart resumes
// there: no line lost, none read twice. In follow mode a last line without LF waits for
// its LF (or for the file to be rotated away); when reading once it is delivered at the
// end of the file.
//
// Thread safety: see Input. Reading runs on one thread owned by the input, started by
// start() and joined by stop(); pushing into a full queue blocks that thread, never
// drops.
#pragma once

#include <cctz/time_zone.h>
#include <sys/types.h>

#include <atomic>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "core/batch_queue.h"
#include "core/result.h"
#include "ingest/batch_builder.h"
#include "ingest/file/file_input_config.h"
#include "ingest/ingest_context.h"
#include "ingest/input.h"
#include "ingest/input_counters.h"
#include "ingest/line_framer.h"
#include "ingest/log_limiter.h"

namespace wardsoc {

class FileInput final : public Input {
 public:
  // Checks the settings (the error names the key: "max_connections: must be at least
  // 1") and builds the input; nothing is opened or bound until start(). What
  // make_input() calls for this type.
  static Result<std::unique_ptr<FileInput>> Open(const FileInputConfig& cfg, BatchQueue& queue,
                                                 const cctz::time_zone& zone,
                                                 const IngestContext& ctx);
  // Does not touch the files; start() opens them. `queue` must outlive the input.
  FileInput(const FileInputConfig& config, BatchQueue& queue, const cctz::time_zone& zone,
            const IngestContext& context = {});
  ~FileInput() override;

  const std::string& name() const override { return config_.common.name; }
  bool can_acknowledge() const override { return true; }
  // Finds the files. When reading once, a named file (not a pattern) that is missing or
  // unreadable fails the start, naming the path and the reason; when following, it is
  // waited for (and said so in the log).
  Status start() override;
  // Stops after the block being read; lines of the partial batch are pushed, a line cut
  // by the block boundary is not (its offset is not covered by any position).
  void stop() override;
  bool drained() const override { return drained_.load(std::memory_order_acquire); }
  void acknowledge(const InputPosition& pos) override;
  InputStats stats() const override { return counters_.snapshot(); }

  // The latest acknowledged offset of a stream (a file identity, see above), or of the
  // file currently known under `path`; its start offset until the first acknowledgement.
  uint64_t acknowledged_offset(const std::string& stream_or_path) const;
  // The identity stream of the file currently read under `path`, empty if none.
  std::string stream_of(const std::string& path) const;

 private:
  struct Tracked {
    std::string path;  // where it was last seen
    int fd = -1;
    dev_t dev = 0;
    ino_t ino = 0;
    size_t fp_len = 0;  // 0 until the file has bytes
    uint64_t fp_hash = 0;
    std::string stream;
    uint64_t offset = 0;  // next byte to read
    std::unique_ptr<LineFramer> framer;
    bool reachable = true;  // some pattern still resolves to this file
    std::chrono::steady_clock::time_point last_growth;
  };
  struct Found {
    std::string path;
    dev_t dev = 0;
    ino_t ino = 0;
  };

  void run();
  // Globs every pattern (minus exclusions) and stats what matched.
  std::vector<Found> scan(bool first);
  void track(const Found& f, bool first_scan);
  // Reads what `t` holds beyond its offset, up to `budget` bytes, after checking the
  // file was not truncated (or truncated and rewritten); false when reading must stop
  // (stop() or a closed queue). *progress tells whether bytes were read.
  bool read_some(Tracked& t, size_t budget, bool* progress);
  void fingerprint(Tracked& t, uint64_t size);
  void reset_to_start(Tracked& t, const char* why);
  bool finish_file(Tracked& t);
  bool push_batch();
  void close_all();
  void wait_poll();

  const FileInputConfig config_;
  BatchQueue& queue_;
  InputCounters counters_;
  BatchBuilder builder_;
  std::vector<char> buffer_;

  std::mutex lifecycle_mu_;  // start() and stop()
  bool started_ = false;
  bool stopped_ = false;
  std::thread thread_;
  std::atomic<bool> stop_requested_{false};
  std::atomic<bool> drained_{false};
  std::mutex wake_mu_;
  std::condition_variable wake_cv_;

  std::vector<std::unique_ptr<Tracked>> files_;  // reading thread only (after start())
  bool first_run_ = true;                        // no checkpoint of this input existed at start
  std::map<std::string, bool> warned_missing_;
  LogLimiter error_log_;

  mutable std::mutex ack_mu_;
  std::map<std::string, uint64_t> acknowledged_;     // stream -> offset
  std::map<std::string, std::string> path_streams_;  // path -> current stream
};

}  // namespace wardsoc
