#include "ingest/syslog/tls_context.h"

#include <openssl/err.h>
#include <openssl/ssl.h>

#include <cerrno>
#include <cstring>
#include <fstream>

#include "ingest/syslog/tls_context_impl.h"

namespace wardsoc {

namespace asio = boost::asio;

namespace {

std::string openssl_reason() {
  const unsigned long e = ERR_get_error();
  if (e == 0) return "unknown OpenSSL error";
  char buf[256];
  ERR_error_string_n(e, buf, sizeof buf);
  ERR_clear_error();
  return buf;
}

Status readable(const std::string& key, const std::string& path) {
  std::ifstream in(path);
  if (!in) {
    return Error(Errc::kInvalidArgument,
                 key + ": cannot read '" + path + "': " + std::strerror(errno));
  }
  return ok_status();
}

}  // namespace

Result<std::shared_ptr<TlsServerContext>> make_tls_server_context(const TlsServerSettings& s) {
  if (s.cert_file.empty()) return Error(Errc::kInvalidArgument, "tls.cert_file: missing");
  if (s.key_file.empty()) return Error(Errc::kInvalidArgument, "tls.key_file: missing");
  if (s.verify_client != ClientVerification::kNone && s.ca_file.empty()) {
    return Error(Errc::kInvalidArgument,
                 "tls.ca_file: missing (needed to verify client certificates)");
  }
  if (s.min_version != "1.2" && s.min_version != "1.3") {
    return Error(Errc::kInvalidArgument,
                 "tls.min_version: expected 1.2 or 1.3, got '" + s.min_version + "'");
  }
  for (const auto& [key, path] : {std::pair<std::string, std::string>{"tls.cert_file", s.cert_file},
                                  {"tls.key_file", s.key_file},
                                  {"tls.ca_file", s.ca_file}}) {
    if (path.empty()) continue;
    if (Status st = readable(key, path); !st.ok()) return std::move(st).error();
  }

  auto ctx = std::make_shared<TlsServerContext>(asio::ssl::context(asio::ssl::context::tls_server));
  ctx->handshake_timeout = s.handshake_timeout;
  SSL_CTX* native = ctx->ssl.native_handle();
  ERR_clear_error();
  SSL_CTX_set_options(native, SSL_OP_NO_SSLv2 | SSL_OP_NO_SSLv3 | SSL_OP_NO_TLSv1 |
                                  SSL_OP_NO_TLSv1_1 | SSL_OP_NO_COMPRESSION |
                                  SSL_OP_CIPHER_SERVER_PREFERENCE);
  SSL_CTX_set_min_proto_version(native, s.min_version == "1.3" ? TLS1_3_VERSION : TLS1_2_VERSION);
  if (!s.ciphers.empty() && SSL_CTX_set_cipher_list(native, s.ciphers.c_str()) != 1) {
    return Error(Errc::kInvalidArgument, "tls.ciphers: " + openssl_reason());
  }
  if (SSL_CTX_use_certificate_chain_file(native, s.cert_file.c_str()) != 1) {
    return Error(Errc::kInvalidArgument,
                 "tls.cert_file: '" + s.cert_file + "': " + openssl_reason());
  }
  if (SSL_CTX_use_PrivateKey_file(native, s.key_file.c_str(), SSL_FILETYPE_PEM) != 1) {
    const std::string reason = openssl_reason();
    if (reason.find("mismatch") != std::string::npos) {
      return Error(Errc::kInvalidArgument, "tls.key_file: '" + s.key_file +
                                               "' does not belong to the certificate in '" +
                                               s.cert_file + "' (" + reason + ")");
    }
    return Error(Errc::kInvalidArgument, "tls.key_file: '" + s.key_file + "': " + reason);
  }
  if (SSL_CTX_check_private_key(native) != 1) {
    return Error(Errc::kInvalidArgument, "tls.key_file: '" + s.key_file +
                                             "' does not belong to the certificate in '" +
                                             s.cert_file + "'");
  }
  if (!s.ca_file.empty()) {
    if (SSL_CTX_load_verify_locations(native, s.ca_file.c_str(), nullptr) != 1) {
      return Error(Errc::kInvalidArgument, "tls.ca_file: '" + s.ca_file + "': " + openssl_reason());
    }
    // Tell clients which CAs we accept, so one with several certificates picks right.
    if (STACK_OF(X509_NAME)* names = SSL_load_client_CA_file(s.ca_file.c_str())) {
      SSL_CTX_set_client_CA_list(native, names);
    }
  }
  int mode = SSL_VERIFY_NONE;
  if (s.verify_client == ClientVerification::kOptional) mode = SSL_VERIFY_PEER;
  if (s.verify_client == ClientVerification::kRequired) {
    mode = SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT;
  }
  SSL_CTX_set_verify(native, mode, nullptr);
  return ctx;
}

}  // namespace wardsoc
