// TlsServerContext: the OpenSSL server context of a TLS listener (syslog over TLS, RFC
// 5425): certificate chain and key, and optionally the CA that client certificates must
// chain to. Built once from the input's settings; every connection shares it.
//
// Thread safety: immutable once built; shared by the listener's connections.
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "core/result.h"

namespace wardsoc {

enum class ClientVerification : uint8_t {
  kNone,      // any client may connect
  kOptional,  // a client certificate, if sent, must chain to ca_file
  kRequired,  // a client certificate chaining to ca_file is required
};

struct TlsServerSettings {
  std::string cert_file;  // PEM: the server certificate, then any intermediates
  std::string key_file;   // PEM private key (kept out of the repository)
  std::string ca_file;    // PEM CA(s) for client certificates; required unless verify is none
  ClientVerification verify_client = ClientVerification::kNone;
  std::string min_version = "1.2";  // "1.2" or "1.3"
  std::string ciphers;              // OpenSSL cipher list for TLS 1.2; empty = OpenSSL's default
  std::chrono::seconds handshake_timeout{10};
};

struct TlsServerContext;  // wraps boost::asio::ssl::context (stream_server.cc, tls_context.cc)

// Loads the files and checks the key matches the certificate; errors name the file and
// OpenSSL's reason.
Result<std::shared_ptr<TlsServerContext>> make_tls_server_context(const TlsServerSettings& s);

}  // namespace wardsoc
