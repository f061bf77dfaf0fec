// The definition of TlsServerContext, for the files that use Boost.Asio's SSL support.
#pragma once

#include <boost/asio/ssl/context.hpp>

#include "ingest/syslog/tls_context.h"

namespace wardsoc {

struct TlsServerContext {
  explicit TlsServerContext(boost::asio::ssl::context c) : ssl(std::move(c)) {}
  boost::asio::ssl::context ssl;
  std::chrono::seconds handshake_timeout{10};
};

}  // namespace wardsoc
