// /metrics: what the collectors write for the inputs, read back from the text format.
#include "app/api/metrics.h"

#include <boost/test/unit_test.hpp>
#include <string>

using namespace wardsoc;

namespace {

std::string render_inputs(std::vector<std::pair<std::string, InputStats>> inputs) {
  MetricsSources sources;
  sources.inputs = [inputs] { return inputs; };
  return render_metrics(WardsocCollector(std::move(sources)));
}

bool has(const std::string& text, const std::string& line) {
  return text.find(line) != std::string::npos;
}

}  // namespace

BOOST_AUTO_TEST_CASE(connection_metrics_are_listed_for_inputs_that_accept_and_not_for_udp) {
  InputStats udp;
  udp.lines = 7;
  InputStats tcp;
  tcp.lines = 3;
  tcp.accept_errors = 2;
  tcp.accepts_connections = true;
  tcp.connections_open = 4;
  const std::string text = render_inputs({{"syslog-udp", udp}, {"syslog-tcp", tcp}});
  BOOST_TEST(has(text, "wardsoc_input_events_total{input=\"syslog-udp\"} 7"), text);
  BOOST_TEST(has(text, "wardsoc_input_events_total{input=\"syslog-tcp\"} 3"), text);
  BOOST_TEST(has(text, "wardsoc_input_accept_errors_total{input=\"syslog-tcp\"} 2"), text);
  BOOST_TEST(!has(text, "wardsoc_input_accept_errors_total{input=\"syslog-udp\"}"), text);
  BOOST_TEST(has(text, "wardsoc_input_connections{input=\"syslog-tcp\"} 4"), text);
  BOOST_TEST(!has(text, "wardsoc_input_connections{input=\"syslog-udp\"}"), text);
}

BOOST_AUTO_TEST_CASE(losses_refusals_timeouts_and_answers_are_listed_by_reason) {
  InputStats udp;
  udp.lines = 7;
  udp.dropped = 2;
  udp.kernel_dropped = 5;
  udp.counts_kernel_drops = true;
  InputStats http;
  http.accepts_connections = true;
  http.speaks_http = true;
  http.connections_total = 9;
  http.refused_global = 1;
  http.refused_per_source = 3;
  http.closed_idle = 4;
  http.header_timeouts = 6;
  http.body_timeouts = 7;
  http.evicted = 8;
  http.http_responses = {{200, 11}, {401, 2}};
  InputStats tcp;
  tcp.accepts_connections = true;
  InputStats api;
  api.accepts_connections = true;
  api.speaks_http = true;
  api.header_timeouts = 3;
  api.connections_open = 2;
  api.http_responses = {{200, 5}};
  MetricsSources sources;
  sources.inputs = [=] {
    return std::vector<std::pair<std::string, InputStats>>{
        {"udp", udp}, {"hooks", http}, {"tcp", tcp}};
  };
  sources.api = [=] { return api; };
  const std::string text = render_metrics(WardsocCollector(std::move(sources)));
  BOOST_TEST(has(text, "wardsoc_input_dropped_total{input=\"udp\",reason=\"queue_full\"} 2"), text);
  BOOST_TEST(has(text, "wardsoc_input_dropped_total{input=\"udp\",reason=\"kernel\"} 5"), text);
  BOOST_TEST(!has(text, "wardsoc_input_dropped_total{input=\"tcp\",reason=\"kernel\"}"), text);
  BOOST_TEST(has(text, "wardsoc_input_connections_total{input=\"hooks\"} 9"), text);
  BOOST_TEST(
      has(text,
          "wardsoc_input_connections_refused_total{input=\"hooks\",reason=\"global_limit\"} 1"),
      text);
  BOOST_TEST(
      has(text,
          "wardsoc_input_connections_refused_total{input=\"hooks\",reason=\"per_source_limit\"} 3"),
      text);
  for (const auto& [reason, n] : {std::pair{"idle", 4}, std::pair{"header_timeout", 6},
                                  std::pair{"body_timeout", 7}, std::pair{"evicted", 8}}) {
    BOOST_TEST(has(text, "wardsoc_input_connections_closed_total{input=\"hooks\",reason=\"" +
                             std::string(reason) + "\"} " + std::to_string(n)),
               text);
  }
  // A syslog TCP input has no HTTP deadlines and no TLS handshake.
  BOOST_TEST(!has(text, "{input=\"tcp\",reason=\"header_timeout\"}"), text);
  BOOST_TEST(!has(text, "{input=\"tcp\",reason=\"tls_handshake_timeout\"}"), text);
  BOOST_TEST(has(text, "wardsoc_http_responses_total{input=\"hooks\",code=\"200\"} 11"), text);
  BOOST_TEST(has(text, "wardsoc_http_responses_total{input=\"hooks\",code=\"401\"} 2"), text);
  BOOST_TEST(has(text, "wardsoc_api_connections 2"), text);
  BOOST_TEST(has(text, "wardsoc_api_connections_closed_total{reason=\"header_timeout\"} 3"), text);
  BOOST_TEST(has(text, "wardsoc_api_responses_total{code=\"200\"} 5"), text);
}
