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
