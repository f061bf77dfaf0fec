// The pid file of a running `wardsoc run`: <data_dir>/wardsoc.pid, written at start and
// removed at a clean stop, so that `wardsoc rules reload` can find the process that owns
// a data directory and signal it. Only one process can own a data directory (the store's
// lock), so one pid file per data directory is enough. Safe from any thread.
#pragma once

#include <sys/types.h>

#include <string>

#include "core/result.h"

namespace wardsoc {

std::string pid_file_path(const std::string& data_dir);

// Writes this process's pid (atomically: temporary file, then rename).
Status write_pid_file(const std::string& data_dir);
// Removes the file if it still names this process.
void remove_pid_file(const std::string& data_dir);
// The pid of the wardsoc running on `data_dir`: kNotFound when there is no pid file or
// the process it names is gone (a crash leaves the file behind).
Result<pid_t> running_pid(const std::string& data_dir);

}  // namespace wardsoc
