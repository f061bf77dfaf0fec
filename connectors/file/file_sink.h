// FileSink: appends one alert per line to a file, in the configured format (by default
// wardsoc's JSON document, connectors/alert_json.h; CEF lines or ECS/OCSF JSON too).
// Each batch is one write() on an O_APPEND descriptor, made durable with fdatasync
// when configured, so a delivered batch is on disk. When the file is rotated away
// (renamed or deleted, e.g. by logrotate) the next batch goes to a new file at the
// configured path.
//
// Thread safety: none; a Sink is called from its forwarder's thread only. The file
// must have no other writer: a failed write is rolled back with ftruncate so that a
// retry does not leave half a line behind.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>

#include "connectors/alert_renderer.h"
#include "connectors/file/file_sink_config.h"
#include "connectors/sink.h"
#include "core/result.h"

namespace wardsoc {

class FileSink final : public Sink {
 public:
  // Opens (creating) the file. kNotFound when its directory does not exist, kIo when
  // the system refuses.
  static Result<std::unique_ptr<FileSink>> Open(const FileSinkConfig& config,
                                                const SinkContext& context = {});
  ~FileSink() override;
  FileSink(const FileSink&) = delete;
  FileSink& operator=(const FileSink&) = delete;

  const std::string& name() const override { return config_.common.name; }
  DeliveryResult deliver(std::span<const OutboxEntry> entries) override;

 private:
  FileSink(FileSinkConfig config, const SinkContext& context);
  Status open_file();
  Status reopen_if_rotated();
  void close_file();

  const FileSinkConfig config_;
  const AlertRenderer renderer_;
  int fd_ = -1;
  uint64_t dev_ = 0;  // identity of the open file, to notice rotation
  uint64_t ino_ = 0;
  std::string buffer_;  // the batch being written, reused
};

}  // namespace wardsoc
