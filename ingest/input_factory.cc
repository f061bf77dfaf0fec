#include "ingest/input_factory.h"

#include <cctz/time_zone.h>

#include "ingest/file/file_input.h"
#include "ingest/http/http_input.h"
#include "ingest/kafka/kafka_input.h"
#include "ingest/syslog/syslog_tcp_input.h"
#include "ingest/syslog/syslog_tls_input.h"
#include "ingest/syslog/syslog_udp_input.h"

namespace wardsoc {

namespace {

// Far above any real log line; keeps a batch's 32-bit arena offsets safe.
constexpr size_t kMaxLineBytesLimit = 64u << 20;

Error invalid(std::string message) { return Error(Errc::kInvalidArgument, std::move(message)); }

Result<cctz::time_zone> check_common(const InputCommon& c) {
  if (c.name.empty()) return invalid("name: missing");
  if (c.max_line_bytes == 0 || c.max_line_bytes > kMaxLineBytesLimit) {
    return invalid("max_line_bytes: must be between 1 and " + std::to_string(kMaxLineBytesLimit));
  }
  if (c.batch_events == 0) return invalid("batch_events: must be at least 1");
  if (c.flush_interval.count() <= 0) return invalid("flush_interval: must be positive");
  if (c.max_clock_skew.count() <= 0) return invalid("max_clock_skew: must be positive");
  cctz::time_zone zone;
  if (!cctz::load_time_zone(c.zone, &zone)) {
    return invalid("zone: unknown time zone '" + c.zone +
                   "' (expected a tz database name such "
                   "as Asia/Ho_Chi_Minh or UTC)");
  }
  return zone;
}

template <class... Ts>
struct Overloaded : Ts... {
  using Ts::operator()...;
};
template <class... Ts>
Overloaded(Ts...) -> Overloaded<Ts...>;

template <class T>
Result<std::unique_ptr<Input>> upcast(Result<std::unique_ptr<T>> r) {
  if (!r) return std::move(r).error();
  return std::unique_ptr<Input>(std::move(r).value());
}

}  // namespace

Result<std::unique_ptr<Input>> make_input(const InputConfig& cfg, BatchQueue& queue,
                                          const IngestContext& context) {
  auto checked = check_common(input_common(cfg));
  if (!checked.ok()) return std::move(checked).error();
  const cctz::time_zone zone = *checked;
  auto& q = queue;
  const auto& ctx = context;
  // The list of inputs: adding one adds a line here.
  return std::visit(
      Overloaded{
          [&](const SyslogUdpConfig& c) { return upcast(SyslogUdpInput::Open(c, q, zone, ctx)); },
          [&](const SyslogTcpConfig& c) { return upcast(SyslogTcpInput::Open(c, q, zone, ctx)); },
          [&](const SyslogTlsConfig& c) { return upcast(SyslogTlsInput::Open(c, q, zone, ctx)); },
          [&](const KafkaInputConfig& c) { return upcast(KafkaInput::Open(c, q, zone, ctx)); },
          [&](const FileInputConfig& c) { return upcast(FileInput::Open(c, q, zone, ctx)); },
          [&](const HttpInputConfig& c) { return upcast(HttpInput::Open(c, q, zone, ctx)); },
      },
      cfg);
}

}  // namespace wardsoc
