// A small blocking HTTP client for the CLI: `wardsoc incidents ack` and friends talk to
// the running wardsoc's API when it holds the data directory.
#pragma once

#include <chrono>
#include <map>
#include <string>

#include "core/result.h"

namespace wardsoc {

struct ApiReply {
  int status = 0;
  std::string body;
  std::map<std::string, std::string> headers;  // names lower-cased
};

// `listen` is the api.listen of the running config ("127.0.0.1:8514"); a wildcard
// address (0.0.0.0, ::) is reached on loopback. kUnavailable when nothing answers.
Result<ApiReply> api_request(const std::string& listen, const std::string& method,
                             const std::string& target, const std::string& body,
                             const std::string& token,
                             std::chrono::milliseconds timeout = std::chrono::seconds(120));

}  // namespace wardsoc
