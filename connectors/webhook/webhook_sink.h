// WebhookSink: POSTs alerts to an HTTPS endpoint of the city SOC with libcurl — one
// alert per request (body: object) or a batch as JSON lines (body: ndjson) — on a
// kept-alive connection, with TLS verification on by default, a bearer token and/or
// an HMAC-SHA256 signature (hmac_signature.h), and an Idempotency-Key header.
//
// The answer decides: 2xx delivered; 408, 425, 429, 5xx, timeouts and connection
// errors are retried by the forwarder with backoff; 401, 403, 404, 407 and redirects
// are retried too, because they say wardsoc's credentials or URL are wrong, not that
// this alert is — dead-lettering every alert until someone fixes a token would be
// worse; any other 4xx rejects the alert for good (it goes to the dead letters with
// the status and the start of the answer as reason). An ndjson batch refused with
// such a 4xx is sent again one alert per request to find the one at fault.
//
// Thread safety: none beyond Sink's; the curl handle belongs to the forwarder's thread.
#pragma once

#include <atomic>
#include <memory>
#include <span>
#include <string>

#include "connectors/alert_renderer.h"
#include "connectors/sink.h"
#include "connectors/webhook/webhook_sink_config.h"
#include "core/result.h"

namespace wardsoc {

struct CurlLibrary;

class WebhookSink final : public Sink {
 public:
  // Checks the settings, loads libcurl (curl_library.h) and prepares the curl handle;
  // does not connect. Fails with a message naming the library when it cannot be loaded.
  static Result<std::unique_ptr<WebhookSink>> Open(const WebhookSinkConfig& config,
                                                   const SinkContext& context = {});
  ~WebhookSink() override;
  WebhookSink(const WebhookSink&) = delete;
  WebhookSink& operator=(const WebhookSink&) = delete;

  const std::string& name() const override { return config_.common.name; }
  DeliveryResult deliver(std::span<const OutboxEntry> entries) override;
  void interrupt(bool on) override { interrupted_.store(on, std::memory_order_release); }

 private:
  enum class Outcome { kDelivered, kRetry, kReject };

  WebhookSink(WebhookSinkConfig config, const SinkContext& context);
  // One POST; fills `why` when it did not deliver.
  Outcome post(std::string_view body, std::string_view idempotency_key,
               std::string_view incident_id, std::string* why);
  DeliveryResult deliver_one_by_one(std::span<const OutboxEntry> entries);

  const WebhookSinkConfig config_;
  const AlertRenderer renderer_;
  std::string user_agent_;
  const CurlLibrary* lib_ = nullptr;  // curl_library.h: libcurl is loaded on first use
  void* curl_ = nullptr;              // CURL*
  std::atomic<bool> interrupted_{false};
};

}  // namespace wardsoc
