#include "connectors/webhook/webhook_sink.h"

#include <curl/curl.h>
#include <spdlog/spdlog.h>

#include "connectors/webhook/curl_library.h"
#include "connectors/webhook/hmac_signature.h"
#include "core/time.h"

namespace wardsoc {

namespace {

// The start of an answer, kept for the reason of a rejection.
constexpr size_t kAnswerKeep = 512;

size_t on_body(char* data, size_t size, size_t n, void* user) {
  auto* body = static_cast<std::string*>(user);
  const size_t len = size * n;
  if (body->size() < kAnswerKeep) body->append(data, std::min(len, kAnswerKeep - body->size()));
  return len;
}

int on_progress(void* user, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
  // Non-zero aborts the transfer (CURLE_ABORTED_BY_CALLBACK): stop() does not wait for
  // a dead endpoint's timeout.
  return static_cast<std::atomic<bool>*>(user)->load(std::memory_order_acquire) ? 1 : 0;
}

// Printable, one line: answers are shown in logs and `wardsoc sinks dead-letters`.
std::string snippet(std::string s) {
  for (char& c : s) {
    if (c == '\n' || c == '\r' || c == '\t') c = ' ';
  }
  while (!s.empty() && s.back() == ' ') s.pop_back();
  return s;
}

bool retried_status(long code) {
  return code == 401 || code == 403 || code == 404 || code == 407 || code == 408 || code == 425 ||
         code == 429 || code >= 500 || (code >= 300 && code < 400) || code < 200;
}

struct HeaderList {
  const CurlLibrary& curl;
  curl_slist* list = nullptr;
  explicit HeaderList(const CurlLibrary& lib) : curl(lib) {}
  ~HeaderList() { curl.slist_free_all(list); }
  HeaderList(const HeaderList&) = delete;
  HeaderList& operator=(const HeaderList&) = delete;
  void add(const std::string& h) { list = curl.slist_append(list, h.c_str()); }
};

}  // namespace

Result<std::unique_ptr<WebhookSink>> WebhookSink::Open(const WebhookSinkConfig& config,
                                                       const SinkContext& context) {
  const std::string& name = config.common.name;
  if (config.url.empty()) return Error(Errc::kInvalidArgument, "sink " + name + ": url is empty");
  const bool https = config.url.rfind("https://", 0) == 0;
  if (!https && !(config.allow_http && config.url.rfind("http://", 0) == 0)) {
    return Error(Errc::kInvalidArgument,
                 "sink " + name + ": url must be https:// (got '" + config.url + "')");
  }
  // Loaded here, not at start: a wardsoc without a webhook sink never maps libcurl.
  Result<const CurlLibrary*> lib = curl_library();
  if (!lib) return std::move(lib).error().with_context("sink " + name);
  std::unique_ptr<WebhookSink> sink(new WebhookSink(config, context));
  sink->lib_ = *lib;
  sink->curl_ = sink->lib_->easy_init();
  if (sink->curl_ == nullptr) {
    return Error(Errc::kInternal, "sink " + name + ": cannot create a curl handle");
  }
  return sink;
}

WebhookSink::WebhookSink(WebhookSinkConfig config, const SinkContext& context)
    : config_(std::move(config)), renderer_(config_.common.format, context) {
  user_agent_ = "wardsoc";
  if (!renderer_.options().product_version.empty()) {
    user_agent_ += "/" + renderer_.options().product_version;
  }
}

WebhookSink::~WebhookSink() {
  if (curl_ != nullptr) lib_->easy_cleanup(static_cast<CURL*>(curl_));
}

WebhookSink::Outcome WebhookSink::post(std::string_view body, std::string_view idempotency_key,
                                       std::string_view incident_id, std::string* why) {
  const CurlLibrary& curl = *lib_;
  CURL* c = static_cast<CURL*>(curl_);
  curl.easy_reset(c);  // keeps the connection cache: the next POST reuses the connection
  HeaderList headers(curl);
  const std::string content_type = config_.body == WebhookBody::kNdjson
                                       ? "application/x-ndjson"
                                       : std::string(alert_content_type(renderer_.format()));
  headers.add("Content-Type: " + content_type + "; charset=utf-8");
  headers.add("Idempotency-Key: " + std::string(idempotency_key));
  if (!incident_id.empty()) headers.add("X-Wardsoc-Incident-Id: " + std::string(incident_id));
  if (!config_.bearer_token.empty()) headers.add("Authorization: Bearer " + config_.bearer_token);
  if (!config_.hmac_secret.empty()) {
    const std::string ts = std::to_string(now_us() / kMicrosPerSecond);
    headers.add("X-Wardsoc-Timestamp: " + ts);
    headers.add("X-Wardsoc-Signature: " + webhook_signature(config_.hmac_secret, ts, body));
  }
  for (const auto& [k, v] : config_.headers) headers.add(k + ": " + v);
  headers.add("Expect:");  // no 100-continue round trip

  std::string answer;
  char errbuf[CURL_ERROR_SIZE] = {};
  curl.easy_setopt(c, CURLOPT_URL, config_.url.c_str());
  curl.easy_setopt(c, CURLOPT_POST, 1L);
  curl.easy_setopt(c, CURLOPT_POSTFIELDS, body.data());
  curl.easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
  curl.easy_setopt(c, CURLOPT_HTTPHEADER, headers.list);
  curl.easy_setopt(c, CURLOPT_USERAGENT, user_agent_.c_str());
  curl.easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl.easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);  // never send the token elsewhere
  curl.easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS,
                   static_cast<long>(config_.connect_timeout.count()));
  curl.easy_setopt(c, CURLOPT_TIMEOUT_MS, static_cast<long>(config_.timeout.count()));
  curl.easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
  curl.easy_setopt(c, CURLOPT_WRITEDATA, &answer);
  curl.easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
  curl.easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
  curl.easy_setopt(c, CURLOPT_XFERINFOFUNCTION, on_progress);
  curl.easy_setopt(c, CURLOPT_XFERINFODATA, &interrupted_);
  curl.easy_setopt(c, CURLOPT_PROTOCOLS_STR, config_.allow_http ? "http,https" : "https");
  const TlsClientConfig& tls = config_.tls;
  curl.easy_setopt(c, CURLOPT_SSL_VERIFYPEER, tls.verify ? 1L : 0L);
  curl.easy_setopt(c, CURLOPT_SSL_VERIFYHOST, tls.verify ? 2L : 0L);
  curl.easy_setopt(c, CURLOPT_SSLVERSION, CURL_SSLVERSION_TLSv1_2);
  if (!tls.ca_file.empty()) curl.easy_setopt(c, CURLOPT_CAINFO, tls.ca_file.c_str());
  if (!tls.cert_file.empty()) {
    curl.easy_setopt(c, CURLOPT_SSLCERT, tls.cert_file.c_str());
    curl.easy_setopt(c, CURLOPT_SSLKEY, tls.key_file.c_str());
  }

  const CURLcode rc = curl.easy_perform(c);
  if (rc != CURLE_OK) {
    *why = "POST " + config_.url + ": " + (errbuf[0] != '\0' ? errbuf : curl.easy_strerror(rc));
    if (rc == CURLE_ABORTED_BY_CALLBACK) *why = "POST " + config_.url + ": interrupted";
    return Outcome::kRetry;
  }
  long code = 0;
  curl.easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
  if (code >= 200 && code < 300) return Outcome::kDelivered;
  *why = "HTTP " + std::to_string(code);
  if (code >= 300 && code < 400) {
    char* location = nullptr;
    curl.easy_getinfo(c, CURLINFO_REDIRECT_URL, &location);
    *why += std::string(" redirect") + (location ? std::string(" to ") + location : "") +
            " (not followed: update the sink's url)";
  } else if (code == 401 || code == 403 || code == 407) {
    *why += " (the SOC refused wardsoc's credentials: check bearer_token / hmac_secret)";
  } else if (code == 404) {
    *why += " (no such endpoint: check the sink's url)";
  }
  if (!answer.empty()) *why += ": " + snippet(answer);
  return retried_status(code) ? Outcome::kRetry : Outcome::kReject;
}

DeliveryResult WebhookSink::deliver_one_by_one(std::span<const OutboxEntry> entries) {
  for (size_t i = 0; i < entries.size(); ++i) {
    const OutboxEntry& e = entries[i];
    std::string body = renderer_.render(e);
    if (config_.body == WebhookBody::kNdjson) body.push_back('\n');
    std::string why;
    const std::string key = e.incident.id + "-" + std::to_string(e.seq);
    switch (post(body, key, e.incident.id, &why)) {
      case Outcome::kDelivered:
        break;
      case Outcome::kRetry:
        return {DeliveryStatus::kRetry, i, why};
      case Outcome::kReject:
        return {DeliveryStatus::kRejected, i, why};
    }
  }
  return {DeliveryStatus::kDelivered, entries.size(), {}};
}

DeliveryResult WebhookSink::deliver(std::span<const OutboxEntry> entries) {
  if (entries.empty()) return {DeliveryStatus::kDelivered, 0, {}};
  if (config_.body == WebhookBody::kObject || entries.size() == 1) {
    return deliver_one_by_one(entries);
  }
  std::string body;
  for (const auto& e : entries) {
    body += renderer_.render(e);
    body.push_back('\n');
  }
  const std::string key =
      std::to_string(entries.front().seq) + "-" + std::to_string(entries.back().seq);
  std::string why;
  switch (post(body, key, "", &why)) {
    case Outcome::kDelivered:
      return {DeliveryStatus::kDelivered, entries.size(), {}};
    case Outcome::kRetry:
      return {DeliveryStatus::kRetry, 0, why};
    case Outcome::kReject:
      spdlog::warn(
          "sink {}: a batch of {} alerts was refused ({}); sending them one by one to "
          "find the one at fault",
          name(), entries.size(), why);
      return deliver_one_by_one(entries);
  }
  return {DeliveryStatus::kRetry, 0, why};
}

}  // namespace wardsoc
