#include "connectors/sink_factory.h"

#include "connectors/file/file_sink.h"
#include "connectors/kafka/kafka_sink.h"
#include "connectors/syslog/syslog_sink.h"
#include "connectors/webhook/webhook_sink.h"

namespace wardsoc {

namespace {
template <class... Ts>
struct Overloaded : Ts... {
  using Ts::operator()...;
};
template <class... Ts>
Overloaded(Ts...) -> Overloaded<Ts...>;

template <class T>
Result<std::unique_ptr<Sink>> upcast(Result<std::unique_ptr<T>> r) {
  if (!r) return std::move(r).error();
  return std::unique_ptr<Sink>(std::move(r).value());
}
}  // namespace

Result<std::unique_ptr<Sink>> make_sink(const SinkConfig& config, const SinkContext& context) {
  return std::visit(
      Overloaded{
          [&](const FileSinkConfig& c) { return upcast(FileSink::Open(c, context)); },
          [&](const KafkaSinkConfig& c) { return upcast(KafkaSink::Open(c, context)); },
          [&](const SyslogSinkConfig& c) { return upcast(SyslogSink::Open(c, context)); },
          [&](const WebhookSinkConfig& c) { return upcast(WebhookSink::Open(c, context)); },
      },
      config);
}

}  // namespace wardsoc
