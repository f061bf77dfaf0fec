// HTTP ingest over real sockets: a small HTTP/1.1 client written against plain POSIX
// sockets (no Beast on the sending side), and the test playing the pipeline that stores
// batches and acknowledges them.
#include "ingest/http/http_input.h"

#include <atomic>
#include <boost/test/unit_test.hpp>
#include <future>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "core/batch_queue.h"
#include "ingest/input_factory.h"
#include "tests/ingest/ingest_test_util.h"
#include "tests/support/wait.h"

using namespace wardsoc;
using namespace wardsoc::testing;
using namespace std::chrono_literals;

namespace {

const std::string kToken = "test-token-0123456789abcdef";

HttpInputConfig http_config() {
  HttpInputConfig c;
  c.common.name = "http";
  c.common.index = 4;
  c.common.zone = "UTC";
  c.common.asset_class = AssetClass::kCamera;
  c.common.format = BodyFormat::kJson;
  c.common.flush_interval = 5ms;
  c.port = 0;
  c.tokens = {kToken};
  c.max_body_bytes = 64 * 1024;
  c.ack_timeout = 5s;
  c.header_timeout = 2s;
  c.body_timeout = 2s;
  return c;
}

std::unique_ptr<Input> started(const HttpInputConfig& c, BatchQueue& queue) {
  auto input = make_input(c, queue);
  if (!input.ok()) BOOST_FAIL(input.error().message);
  if (const Status s = (*input)->start(); !s.ok()) BOOST_FAIL(s.error().message);
  return std::move(*input);
}

struct Response {
  int status = 0;
  std::string body;
  bool closed = false;
};

// Reads one response (status line, headers, Content-Length body).
Response read_response(TcpClient& c) {
  Response r;
  std::string data;
  char buf[4096];
  size_t header_end = std::string::npos;
  size_t length = 0;
  for (;;) {
    if (header_end != std::string::npos && data.size() >= header_end + 4 + length) break;
    const ssize_t n = ::recv(c.fd(), buf, sizeof buf, 0);
    if (n <= 0) {
      r.closed = true;
      break;
    }
    data.append(buf, static_cast<size_t>(n));
    if (header_end == std::string::npos) {
      header_end = data.find("\r\n\r\n");
      if (header_end != std::string::npos) {
        const auto cl = data.find("Content-Length: ");
        if (cl != std::string::npos && cl < header_end) length = std::stoul(data.substr(cl + 16));
      }
    }
  }
  if (data.size() >= 12) r.status = std::stoi(data.substr(9, 3));
  if (header_end != std::string::npos) r.body = data.substr(header_end + 4, length);
  return r;
}

std::string request(const std::string& body, const std::string& content_type = "application/json",
                    const std::string& token = kToken, const std::string& target = "/ingest",
                    const std::string& method = "POST") {
  std::string r = method + " " + target + " HTTP/1.1\r\nHost: localhost\r\n";
  if (!token.empty()) r += "Authorization: Bearer " + token + "\r\n";
  if (!content_type.empty()) r += "Content-Type: " + content_type + "\r\n";
  r += "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
  return r;
}

// Sends one request on a fresh connection and waits for the answer on another thread,
// while the caller plays the pipeline.
std::future<Response> post(uint16_t port, std::string raw_request) {
  return std::async(std::launch::async, [port, raw = std::move(raw_request)] {
    TcpClient c(port);
    if (!c.send_all(raw)) return Response{};
    return read_response(c);
  });
}

// Pops and "stores" batches, acknowledging their positions, until `f` is ready.
template <class T>
std::vector<EventBatch> store_until(std::future<T>& f, BatchQueue& queue, Input& input) {
  std::vector<EventBatch> stored;
  while (f.wait_for(1ms) != std::future_status::ready) {
    EventBatch b;
    if (!queue.pop(&b, 5ms)) continue;
    for (const auto& p : b.positions()) input.acknowledge(p);
    stored.push_back(std::move(b));
  }
  return stored;
}

}  // namespace

BOOST_AUTO_TEST_CASE(one_event_is_answered_after_the_store_wrote_it) {
  BatchQueue queue(16);
  auto input = started(http_config(), queue);
  BOOST_TEST(input->can_acknowledge());
  const uint16_t port = port_of(input->local_endpoint());

  auto answer = post(port, request(R"({"host":"cam-07","message":"Line crossing detected",
    "time":"2024-05-01T03:00:00Z"})"));
  // Nothing is answered before the batch is acknowledged.
  EventBatch b;
  BOOST_TEST_REQUIRE(queue.pop(&b, 5s));
  BOOST_TEST((answer.wait_for(100ms) == std::future_status::timeout));
  BOOST_TEST_REQUIRE(b.size() == 1u);
  const Event& e = b.events()[0];
  BOOST_TEST(b.view(e.header.host) == "cam-07");
  BOOST_TEST(b.message(e) == "Line crossing detected");
  BOOST_TEST(b.view(e.peer) == "127.0.0.1");
  BOOST_TEST((e.asset_class == AssetClass::kCamera));
  BOOST_TEST(b.raw(e).find("\"host\":\"cam-07\"") != std::string_view::npos);
  BOOST_TEST_REQUIRE(b.positions().size() == 1u);
  input->acknowledge(b.positions()[0]);
  const Response r = answer.get();
  BOOST_TEST(r.status == 200);
  BOOST_TEST(r.body == R"({"accepted":1,"malformed":0})");
}

BOOST_AUTO_TEST_CASE(ndjson_batches_and_arrays_become_one_event_per_object) {
  BatchQueue queue(16);
  auto input = started(http_config(), queue);
  const uint16_t port = port_of(input->local_endpoint());

  std::string ndjson;
  for (int i = 0; i < 3000; ++i) ndjson += "{\"msg\":\"event " + std::to_string(i) + "\"}\n";
  ndjson += "this line is not json\n";
  auto a = post(port, request(ndjson, "application/x-ndjson"));
  auto stored = store_until(a, queue, *input);
  Response r = a.get();
  BOOST_TEST(r.status == 200);
  BOOST_TEST(r.body == R"({"accepted":3001,"malformed":1})");
  BOOST_TEST(count_events(stored) == 3001u);
  const auto lines = raw_lines(stored);
  BOOST_TEST(lines.back() == "this line is not json");  // kept, flagged

  auto b = post(port, request(R"([{"msg":"a"},{"msg":"b"},42])"));
  stored = store_until(b, queue, *input);
  r = b.get();
  BOOST_TEST(r.status == 200);
  BOOST_TEST(r.body == R"({"accepted":2,"malformed":1})");
}

BOOST_AUTO_TEST_CASE(wrong_tokens_paths_methods_types_and_sizes_are_refused_and_counted) {
  BatchQueue queue(16);
  auto input = started(http_config(), queue);
  const uint16_t port = port_of(input->local_endpoint());
  BOOST_TEST(post(port, request("{}", "application/json", "")).get().status == 401);
  BOOST_TEST(
      post(port, request("{}", "application/json", "wrong-token-0123456789abcdef")).get().status ==
      401);
  BOOST_TEST(post(port, request("{}", "application/json", kToken, "/other")).get().status == 404);
  BOOST_TEST(post(port, request("", "", kToken, "/ingest", "GET")).get().status == 405);
  BOOST_TEST(post(port, request("<xml/>", "application/xml")).get().status == 415);
  {
    // Refused on its Content-Length alone, before any of the body is read.
    TcpClient big(port);
    BOOST_TEST_REQUIRE(big.send_all("POST /ingest HTTP/1.1\r\nAuthorization: Bearer " + kToken +
                                    "\r\nContent-Length: 102400\r\n\r\n"));
    BOOST_TEST(read_response(big).status == 413);
    BOOST_TEST(big.closed_by_server());
  }
  BOOST_TEST(post(port, request(R"({"a":)")).get().status == 400);
  BOOST_TEST(post(port, request(std::string(1000, '[') + std::string(1000, ']'))).get().status ==
             400);
  BOOST_TEST(wait_until("input->stats().requests_rejected == 8",
                        [&] { return input->stats().requests_rejected == 8; }));
  BOOST_TEST(input->stats().lines == 0u);
  BOOST_TEST(queue.size() == 0u);
}

BOOST_AUTO_TEST_CASE(keep_alive_serves_several_requests_on_one_connection) {
  BatchQueue queue(16);
  HttpInputConfig c = http_config();
  c.acknowledgements = false;  // answered once queued
  auto input = started(c, queue);
  BOOST_TEST(!input->can_acknowledge());
  TcpClient client(port_of(input->local_endpoint()));
  for (int i = 0; i < 3; ++i) {
    BOOST_TEST_REQUIRE(client.send_all(request("{\"msg\":\"n" + std::to_string(i) + "\"}")));
    const Response r = read_response(client);
    BOOST_TEST(r.status == 200);
    BOOST_TEST(!r.closed);
  }
  BOOST_TEST(count_events(pop_events(queue, 3)) == 3u);
}

BOOST_AUTO_TEST_CASE(a_request_never_finished_is_closed_and_blocks_nobody) {
  BatchQueue queue(16);
  auto input = started(http_config(), queue);
  const uint16_t port = port_of(input->local_endpoint());
  TcpClient stalled(port);
  BOOST_TEST_REQUIRE(stalled.send_all("POST /ingest HTTP/1.1\r\nContent-Length: 100\r\n\r\n{"));
  auto ok = post(port, request(R"({"msg":"meanwhile"})"));
  store_until(ok, queue, *input);
  BOOST_TEST(ok.get().status == 200);
  BOOST_TEST(stalled.closed_by_server());  // after body_timeout
  BOOST_TEST(wait_until("input->stats().body_timeouts == 1",
                        [&] { return input->stats().body_timeouts == 1; }));
  const InputStats s = input->stats();
  BOOST_TEST(s.header_timeouts == 0u);
  BOOST_TEST_REQUIRE(s.http_responses.size() == 1u);
  BOOST_TEST(s.http_responses[0].first == 200u);
  BOOST_TEST(s.http_responses[0].second == 1u);
}

// One byte every 1.5 s: never idle long enough for idle_timeout, but the headers are cut
// at header_timeout however the bytes trickle in; while such senders hold every slot, a
// camera's POST makes room by closing the one silent longest.
BOOST_AUTO_TEST_CASE(slowloris_senders_are_cut_at_header_timeout_and_lock_nobody_out) {
  BatchQueue queue(16);
  HttpInputConfig c = http_config();
  c.max_connections = 3;
  c.max_connections_per_source = 0;
  c.header_timeout = 3s;
  c.evict_idle_after = 500ms;
  auto input = started(c, queue);
  const uint16_t port = port_of(input->local_endpoint());
  std::atomic<bool> done{false};
  std::thread attacker([&] {
    std::vector<std::unique_ptr<TcpClient>> slow;
    while (!done) {
      std::erase_if(slow, [](const auto& s) { return !s->send_all("a"); });
      while (slow.size() < 3) slow.push_back(std::make_unique<TcpClient>(port));
      for (int i = 0; i < 15 && !done; ++i) std::this_thread::sleep_for(100ms);  // the pace
    }
  });
  BOOST_TEST_REQUIRE(wait_until("the slowloris holding all 3 connections",
                                [&] { return input->stats().connections_open == 3; }));
  // A connection attempt that finds every slot taken and none idle is refused; a later
  // one finds an idle slowloris to close.
  BOOST_TEST(wait_until(
      "a camera's POST answered 200",
      [&] {
        auto ok = post(port, request(R"({"msg":"camera event"})"));
        store_until(ok, queue, *input);
        return ok.get().status == 200;
      },
      20s));
  BOOST_TEST(wait_until(
      "a slowloris cut at header_timeout", [&] { return input->stats().header_timeouts > 0; },
      20s));
  done = true;
  attacker.join();
  BOOST_TEST(input->stats().evicted > 0u);
}

BOOST_AUTO_TEST_CASE(unstored_requests_are_answered_503_on_timeout) {
  BatchQueue queue(16);
  HttpInputConfig c = http_config();
  c.ack_timeout = 1s;
  auto input = started(c, queue);
  auto r = post(port_of(input->local_endpoint()), request(R"({"msg":"never stored"})"));
  BOOST_TEST(r.get().status == 503);  // nobody acknowledged: the sender must retry
}
