#include "app/pid_file.h"

#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace wardsoc {

std::string pid_file_path(const std::string& data_dir) {
  return (std::filesystem::path(data_dir) / "wardsoc.pid").string();
}

Status write_pid_file(const std::string& data_dir) {
  const std::string path = pid_file_path(data_dir);
  const std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    out << ::getpid() << '\n';
    if (!out) return Error(Errc::kIo, "cannot write " + tmp + ": " + std::strerror(errno));
  }
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  if (ec) return Error(Errc::kIo, "cannot write " + path + ": " + ec.message());
  return ok_status();
}

namespace {
Result<pid_t> read_pid(const std::string& path) {
  std::ifstream in(path);
  if (!in) return Error(Errc::kNotFound, "no pid file " + path);
  long pid = 0;
  in >> pid;
  if (!in || pid <= 0) return Error(Errc::kCorruption, path + " does not hold a process id");
  return static_cast<pid_t>(pid);
}
}  // namespace

void remove_pid_file(const std::string& data_dir) {
  const std::string path = pid_file_path(data_dir);
  auto pid = read_pid(path);
  if (pid.ok() && *pid == ::getpid()) {
    std::error_code ec;
    std::filesystem::remove(path, ec);
  }
}

Result<pid_t> running_pid(const std::string& data_dir) {
  const std::string path = pid_file_path(data_dir);
  auto pid = read_pid(path);
  if (!pid.ok()) {
    return Error(Errc::kNotFound, "no wardsoc is running on data directory " + data_dir + " (" +
                                      pid.error().message + ")");
  }
  if (::kill(*pid, 0) != 0 && errno == ESRCH) {
    return Error(Errc::kNotFound, "no wardsoc is running on data directory " + data_dir + ": " +
                                      path + " names process " + std::to_string(*pid) +
                                      ", which is gone");
  }
  return *pid;
}

}  // namespace wardsoc
