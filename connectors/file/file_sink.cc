#include "connectors/file/file_sink.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

namespace wardsoc {

namespace {
std::string errno_text(int err) { return std::strerror(err); }

std::string parent_dir(const std::string& path) {
  std::filesystem::path dir = std::filesystem::path(path).parent_path();
  return dir.empty() ? std::string(".") : dir.string();
}

// A new directory entry is only durable once the directory itself is synced.
void sync_dir(const std::string& dir) {
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return;
  ::fsync(fd);
  ::close(fd);
}
}  // namespace

Result<std::unique_ptr<FileSink>> FileSink::Open(const FileSinkConfig& config,
                                                 const SinkContext& context) {
  const std::string& name = config.common.name;
  if (name.empty() || name.find('\0') != std::string::npos) {
    return Error(Errc::kInvalidArgument, "file sink: name '" + name + "' is empty or contains NUL");
  }
  if (config.path.empty()) {
    return Error(Errc::kInvalidArgument, "sink " + name + ": path is empty");
  }
  std::unique_ptr<FileSink> sink(new FileSink(config, context));
  if (auto s = sink->open_file(); !s) return std::move(s).error();
  return sink;
}

FileSink::FileSink(FileSinkConfig config, const SinkContext& context)
    : config_(std::move(config)), renderer_(config_.common.format, context) {}

FileSink::~FileSink() { close_file(); }

void FileSink::close_file() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

Status FileSink::open_file() {
  close_file();
  struct stat before {};
  const bool existed = ::stat(config_.path.c_str(), &before) == 0;
  const int fd = ::open(config_.path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
  if (fd < 0) {
    const int err = errno;
    const std::string dir = parent_dir(config_.path);
    std::error_code ec;
    if (err == ENOENT && !std::filesystem::is_directory(dir, ec)) {
      return Error(Errc::kNotFound, "sink " + config_.common.name + ": cannot open " +
                                        config_.path + ": directory " + dir + " does not exist");
    }
    return Error(Errc::kIo, "sink " + config_.common.name + ": cannot open " + config_.path + ": " +
                                errno_text(err));
  }
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    const int err = errno;
    ::close(fd);
    return Error(Errc::kIo, "sink " + config_.common.name + ": cannot stat " + config_.path + ": " +
                                errno_text(err));
  }
  if (!S_ISREG(st.st_mode)) {
    ::close(fd);
    return Error(Errc::kInvalidArgument,
                 "sink " + config_.common.name + ": " + config_.path + " is not a regular file");
  }
  fd_ = fd;
  dev_ = static_cast<uint64_t>(st.st_dev);
  ino_ = static_cast<uint64_t>(st.st_ino);
  if (!existed && config_.fsync) sync_dir(parent_dir(config_.path));
  return ok_status();
}

Status FileSink::reopen_if_rotated() {
  if (fd_ < 0) return open_file();
  struct stat st {};
  if (::stat(config_.path.c_str(), &st) != 0) {
    if (errno == ENOENT) return open_file();  // moved or deleted: start a new file
    return Error(Errc::kIo, "sink " + config_.common.name + ": cannot stat " + config_.path + ": " +
                                errno_text(errno));
  }
  if (static_cast<uint64_t>(st.st_dev) != dev_ || static_cast<uint64_t>(st.st_ino) != ino_) {
    return open_file();  // a new file took the name
  }
  return ok_status();
}

DeliveryResult FileSink::deliver(std::span<const OutboxEntry> entries) {
  if (entries.empty()) return {DeliveryStatus::kDelivered, 0, {}};
  if (auto s = reopen_if_rotated(); !s) return {DeliveryStatus::kRetry, 0, s.error().message};

  buffer_.clear();
  for (const auto& e : entries) {
    buffer_ += renderer_.render(e);
    buffer_ += '\n';
  }

  struct stat st {};
  if (::fstat(fd_, &st) != 0) {
    const int err = errno;
    close_file();
    return {
        DeliveryStatus::kRetry, 0,
        "sink " + config_.common.name + ": cannot stat " + config_.path + ": " + errno_text(err)};
  }
  const off_t size_before = st.st_size;
  size_t written = 0;
  while (written < buffer_.size()) {
    const ssize_t n = ::write(fd_, buffer_.data() + written, buffer_.size() - written);
    if (n < 0) {
      if (errno == EINTR) continue;
      const int err = errno;
      // Take back the partial batch: the retry writes all of it again.
      if (written > 0 && ::ftruncate(fd_, size_before) != 0) close_file();
      return {DeliveryStatus::kRetry, 0,
              "sink " + config_.common.name + ": writing " + config_.path + ": " + errno_text(err)};
    }
    written += static_cast<size_t>(n);
  }
  if (config_.fsync && ::fdatasync(fd_) != 0) {
    const int err = errno;
    // After a failed sync the page cache state is unknown; start over with a fresh
    // descriptor. The lines may be there already: the retry can duplicate them, which
    // the incident id lets the receiver recognise.
    close_file();
    return {DeliveryStatus::kRetry, 0,
            "sink " + config_.common.name + ": syncing " + config_.path + ": " + errno_text(err)};
  }
  return {DeliveryStatus::kDelivered, entries.size(), {}};
}

}  // namespace wardsoc
