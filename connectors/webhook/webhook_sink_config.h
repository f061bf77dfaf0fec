// Configuration of the webhook sink: alerts POSTed as JSON to an HTTPS endpoint of the
// city SOC, authenticated with a bearer token or an HMAC-SHA256 signature.
#pragma once

#include <chrono>
#include <map>
#include <string>

#include "connectors/sink_common.h"

namespace wardsoc {

enum class WebhookBody {
  kObject,  // one alert per request, the body is its JSON document
  kNdjson,  // up to `batch` alerts per request, one JSON document per line
};

struct WebhookSinkConfig {
  // With kObject bodies a delivery of `batch` entries makes one request per entry (on
  // one kept-alive connection); with kNdjson it is one request.
  SinkCommon common = sink_defaults("soc-webhook", AlertFormat::kWardsoc, 100);
  std::string url;  // https://... (http:// only when `allow_http` is set)
  bool allow_http = false;
  WebhookBody body = WebhookBody::kObject;
  TlsClientConfig tls;
  std::string bearer_token;  // "Authorization: Bearer <token>"
  std::string hmac_secret;   // X-Wardsoc-Signature: sha256=HMAC(secret, timestamp "." body)
  std::map<std::string, std::string> headers;  // extra request headers
  std::chrono::milliseconds connect_timeout{5000};
  std::chrono::milliseconds timeout{15000};  // the whole request
};

}  // namespace wardsoc
