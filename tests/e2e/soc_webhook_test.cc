// The webhook sink against a real HTTPS server (tests/e2e/https_receiver.py, Python's
// http.server over TLS) with a certificate made at test time: signed and authenticated
// requests, 5xx retried, 4xx dead-lettered with the reason, an untrusted certificate
// refused. The scenarios every sink shares (a restart mid-stream, a receiver that is
// down) are in soc_delivery_test.cc.
#include <boost/test/unit_test.hpp>
#include <nlohmann/json.hpp>
#include <set>

#include "connectors/forwarder.h"
#include "connectors/webhook/webhook_sink.h"
#include "store/outbox_queue.h"
#include "tests/e2e/soc_receivers.h"
#include "tests/e2e/soc_sink_fixtures.h"
#include "tests/store/store_test_util.h"
#include "tests/support/wait.h"

using namespace wardsoc;
using namespace wardsoc::testing;
using namespace std::chrono_literals;
using nlohmann::json;

namespace {

std::vector<IncidentChange> changes(int first, int n, const std::string& rule = "wifi.rogue_ap") {
  std::vector<IncidentChange> out;
  for (int i = first; i < first + n; ++i) {
    Incident in = make_incident(rule, "ap-" + std::to_string(i), 4'000'000 + i, Severity::kHigh);
    in.title_vi = "Điểm phát Wi-Fi giả mạo";
    out.push_back(make_change(in));
  }
  return out;
}

}  // namespace

BOOST_AUTO_TEST_CASE(alerts_are_posted_signed_with_a_bearer_token_one_per_request) {
  TempDir dir("soc-webhook");
  TestCertificates certs;
  HttpsReceiver server(dir.path(), certs,
                       {"--hmac-secret", "chia-khoa-bi-mat", "--token", "tok-ward-7"});
  auto store = open_store(dir.str("db"));
  const auto c = webhook_sink_config(server.url(), certs);
  auto sink = WebhookSink::Open(c);
  BOOST_REQUIRE_MESSAGE(sink.ok(), (sink.ok() ? "" : sink.error().message));
  Forwarder forwarder(store->outbox(), std::move(sink).value(), ForwarderOptions::From(c.common));
  const auto committed = changes(0, 4);
  BOOST_TEST_REQUIRE(commit_changes(*store, committed, {"city-hook"}).ok());
  BOOST_TEST_REQUIRE(forwarder.drain(20s).ok());

  const auto requests = server.requests();
  BOOST_TEST_REQUIRE(requests.size() == 4u);
  for (size_t i = 0; i < requests.size(); ++i) {
    const auto& r = requests[i];
    BOOST_TEST(r["status"] == 200);
    BOOST_TEST(r["path"] == "/alerts");
    BOOST_TEST(r["signature_ok"] == true);
    BOOST_TEST(r["headers"]["content-type"] == "application/json; charset=utf-8");
    BOOST_TEST(r["headers"]["x-wardsoc-incident-id"] == committed[i].incident.id);
    BOOST_TEST(r["headers"]["idempotency-key"] ==
               committed[i].incident.id + "-" + std::to_string(i + 1));
    const json alert = json::parse(r["body"].get<std::string>());
    BOOST_TEST(alert["id"] == committed[i].incident.id);
    BOOST_TEST(alert["title_vi"] == "Điểm phát Wi-Fi giả mạo");
  }
}

BOOST_AUTO_TEST_CASE(
    server_errors_are_retried_and_a_refused_alert_is_dead_lettered_with_the_reason) {
  TempDir dir("soc-webhook");
  TestCertificates certs;
  HttpsReceiver server(dir.path(), certs, {"--reject", "poison.rule", "--flaky", "ap-2\""});
  auto store = open_store(dir.str("db"));
  auto c = webhook_sink_config(server.url(), certs);
  auto sink = WebhookSink::Open(c);
  BOOST_REQUIRE(sink.ok());
  Forwarder forwarder(store->outbox(), std::move(sink).value(), ForwarderOptions::From(c.common));
  auto committed = changes(0, 3);                    // ap-2 gets 503 twice, then 200
  const auto poison = changes(3, 1, "poison.rule");  // 422, for good
  committed.push_back(poison[0]);
  const auto after = changes(4, 2);
  committed.insert(committed.end(), after.begin(), after.end());
  BOOST_TEST_REQUIRE(commit_changes(*store, committed, {"city-hook"}).ok());
  BOOST_TEST_REQUIRE(forwarder.drain(20s).ok());

  const auto ids = webhook_delivered_ids(server);
  BOOST_TEST(ids.size() == 5u);
  BOOST_TEST(ids.count(poison[0].incident.id) == 0u);
  int unavailable = 0;
  for (const auto& r : server.requests()) unavailable += r["status"] == 503;
  BOOST_TEST(unavailable == 2);
  const auto st = forwarder.stats();
  BOOST_TEST(st.retries == 2u);
  BOOST_TEST(st.rejected == 1u);
  BOOST_TEST(st.delivered == 5u);

  auto dead = store->outbox().dead_letters("city-hook", 10);
  BOOST_TEST_REQUIRE(dead.ok());
  BOOST_TEST_REQUIRE(dead->size() == 1u);
  BOOST_TEST(dead->at(0).entry.incident.id == poison[0].incident.id);
  BOOST_TEST(dead->at(0).reason == "HTTP 422: invalid alert: poison.rule");
  BOOST_TEST(store->outbox().size("city-hook") == 0u);
}

BOOST_AUTO_TEST_CASE(wrong_credentials_are_retried_not_dead_lettered) {
  TempDir dir("soc-webhook");
  TestCertificates certs;
  HttpsReceiver server(dir.path(), certs, {"--token", "the-right-one"});
  auto store = open_store(dir.str("db"));
  const auto c = webhook_sink_config(server.url(), certs);
  auto sink = WebhookSink::Open(c);
  BOOST_REQUIRE(sink.ok());
  Forwarder forwarder(store->outbox(), std::move(sink).value(), ForwarderOptions::From(c.common));
  BOOST_TEST_REQUIRE(commit_changes(*store, changes(0, 2), {"city-hook"}).ok());
  const auto r = forwarder.drain(600ms);
  BOOST_TEST_REQUIRE(!r.ok());
  BOOST_TEST(r.error().message.find("HTTP 401") != std::string::npos, r.error().message);
  BOOST_TEST(r.error().message.find("credentials") != std::string::npos);
  BOOST_TEST(store->outbox().size("city-hook") == 2u);
  BOOST_TEST(store->outbox().dead_letter_count("city-hook").value() == 0u);
}

BOOST_AUTO_TEST_CASE(a_server_certificate_that_is_not_trusted_is_refused) {
  TempDir dir("soc-webhook");
  TestCertificates certs;
  HttpsReceiver server(dir.path(), certs);
  auto store = open_store(dir.str("db"));
  auto c = webhook_sink_config(server.url(), certs);
  c.tls.ca_file.clear();  // the system's CAs: they did not sign the test server
  auto sink = WebhookSink::Open(c);
  BOOST_REQUIRE(sink.ok());
  Forwarder forwarder(store->outbox(), std::move(sink).value(), ForwarderOptions::From(c.common));
  BOOST_TEST_REQUIRE(commit_changes(*store, changes(0, 1), {"city-hook"}).ok());
  const auto r = forwarder.drain(600ms);
  BOOST_TEST_REQUIRE(!r.ok());
  BOOST_TEST(r.error().message.find("certificate") != std::string::npos, r.error().message);
  BOOST_TEST(server.requests().empty());
  BOOST_TEST(store->outbox().size("city-hook") == 1u);
}

BOOST_AUTO_TEST_CASE(ndjson_batches_and_a_refused_batch_is_split_to_find_the_bad_alert) {
  TempDir dir("soc-webhook");
  TestCertificates certs;
  HttpsReceiver server(dir.path(), certs, {"--reject", "poison.rule"});
  auto store = open_store(dir.str("db"));
  auto c = webhook_sink_config(server.url(), certs);
  c.body = WebhookBody::kNdjson;
  c.common.batch = 10;
  auto sink = WebhookSink::Open(c);
  BOOST_REQUIRE(sink.ok());
  Forwarder forwarder(store->outbox(), std::move(sink).value(), ForwarderOptions::From(c.common));
  BOOST_TEST_REQUIRE(commit_changes(*store, changes(0, 10), {"city-hook"}).ok());
  BOOST_TEST_REQUIRE(forwarder.drain(20s).ok());
  BOOST_TEST(server.requests().size() == 1u);  // ten alerts, one request
  BOOST_TEST(server.requests()[0]["headers"]["content-type"] ==
             "application/x-ndjson; charset=utf-8");

  auto mixed = changes(10, 2);
  mixed.push_back(changes(12, 1, "poison.rule")[0]);
  mixed.push_back(changes(13, 1)[0]);
  BOOST_TEST_REQUIRE(commit_changes(*store, mixed, {"city-hook"}).ok());
  BOOST_TEST_REQUIRE(forwarder.drain(20s).ok());
  BOOST_TEST(webhook_delivered_ids(server).size() == 13u);
  BOOST_TEST(store->outbox().dead_letter_count("city-hook").value() == 1u);
}
