// How the CLI reaches the store: directly when no wardsoc holds the data directory,
// through the running wardsoc's HTTP API when one does (RocksDB allows one writer, and
// its readers would see a stale view). Shared by `wardsoc incidents` and `wardsoc db`.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "app/api/api_client.h"
#include "app/commands.h"
#include "core/result.h"
#include "store/store.h"

namespace wardsoc {

struct CliTarget {
  std::string data_dir;
  std::string db_path;     // data_dir/db
  std::string api_listen;  // "" when the config has no API
  std::string api_token;
  std::vector<std::string> sinks;  // transitions queue an update for each
  std::string zone = "Asia/Ho_Chi_Minh";
  std::optional<int64_t> holder;  // pid of the wardsoc holding the directory, if any
  bool api_given = false;         // api_listen is --api, not the config's api.listen
};

// Reads the config (--config, else the embedded default), applies --data-dir / --api,
// and looks who holds the directory. kNotFound if there is no store there.
Result<CliTarget> resolve_target(const StoreLocation& where, bool must_exist = true);

// Calls the running wardsoc's API; a reply >= 400 becomes an error with its message.
// Errors explain what to do when the API is off or unreachable. The API must be that of
// the wardsoc holding the data directory (GET /api/v1/instance): another wardsoc's API
// (--data-dir A with --api of B's) is refused with kInvalidArgument, not answered for A;
// kUnavailable when it was the config's api.listen.
Result<std::string> call_api(const CliTarget& t, const std::string& method,
                             const std::string& target, const std::string& body = "");

// The login name for history and audit entries ("root" under sudo shows the sudoer).
std::string default_actor();

}  // namespace wardsoc
