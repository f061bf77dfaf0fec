#include "connectors/sink_config.h"

namespace wardsoc {

namespace {
template <class... Ts>
struct Overloaded : Ts... {
  using Ts::operator()...;
};
template <class... Ts>
Overloaded(Ts...) -> Overloaded<Ts...>;
}  // namespace

const SinkCommon& sink_common(const SinkConfig& config) {
  return std::visit([](const auto& c) -> const SinkCommon& { return c.common; }, config);
}

const std::string& sink_name(const SinkConfig& config) { return sink_common(config).name; }

std::string_view sink_type_name(const SinkConfig& config) {
  return std::visit(Overloaded{
                        [](const FileSinkConfig&) { return std::string_view("file"); },
                        [](const KafkaSinkConfig&) { return std::string_view("kafka"); },
                        [](const SyslogSinkConfig&) { return std::string_view("syslog"); },
                        [](const WebhookSinkConfig&) { return std::string_view("webhook"); },
                    },
                    config);
}

std::string sink_destination(const SinkConfig& config) {
  return std::visit(
      Overloaded{
          [](const FileSinkConfig& c) { return c.path; },
          [](const KafkaSinkConfig& c) { return "kafka://" + c.brokers + "/" + c.topic; },
          [](const SyslogSinkConfig& c) {
            return std::string(c.transport == SyslogTransport::kTls ? "tls://" : "tcp://") +
                   c.host + ":" + std::to_string(c.port);
          },
          [](const WebhookSinkConfig& c) { return c.url; },
      },
      config);
}

}  // namespace wardsoc
