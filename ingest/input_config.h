// Configuration of the inputs: plain structs, filled from the YAML config by the app and
// validated by make_input() (input_factory.h). One struct per input type; InputConfig is
// the closed set of them.
//
// Thread safety: plain values; copy them freely.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "core/event.h"
#include "ingest/tls_context.h"

namespace wardsoc {

// How the text of a message is read once any syslog header is off it.
enum class BodyFormat : uint8_t {
  kAuto,    // a JSON object if it starts with '{', key=value pairs if it is made of them
  kSyslog,  // only the syslog header; the body is plain text
  kJson,    // every message is a JSON object (others are flagged malformed)
  kKv,      // key=value pairs
};
std::string_view body_format_name(BodyFormat f);
bool parse_body_format(std::string_view name, BodyFormat* out);

// Settings every input has.
struct InputCommon {
  std::string name;                              // unique, e.g. "syslog-udp"
  uint16_t index = 0;                            // Event::input
  AssetClass asset_class = AssetClass::kOther;   // class for events from this input
  std::string zone = "Asia/Ho_Chi_Minh";         // for device timestamps without a zone
  size_t max_line_bytes = 64 * 1024;             // longer lines are truncated, kEventTruncated
  size_t batch_events = 1024;                    // flush a batch at this many events...
  std::chrono::milliseconds flush_interval{20};  // ...or this long after its first event
  BodyFormat format = BodyFormat::kAuto;
  // A device time further than this from the receive time marks the event
  // kEventClockSkew (counted per asset); correlation then uses the receive time.
  std::chrono::seconds max_clock_skew{300};
};

struct SyslogUdpConfig {
  InputCommon common;
  std::string address = "127.0.0.1";
  uint16_t port = 5514;  // 0 = any free port (see Input::local_endpoint)
  size_t receive_buffer_bytes = 8 << 20;
};

struct SyslogTcpConfig {
  InputCommon common;
  std::string address = "127.0.0.1";
  uint16_t port = 5514;  // 0 = any free port (see Input::local_endpoint)
  size_t max_connections = 1024;
  std::chrono::seconds idle_timeout{0};  // 0 = never
};

struct SyslogTlsConfig {
  InputCommon common;
  std::string address = "127.0.0.1";
  uint16_t port = 6514;  // RFC 5425's port; 0 = any free port
  size_t max_connections = 1024;
  std::chrono::seconds idle_timeout{0};  // 0 = never
  TlsServerSettings tls;
};

struct KafkaTopic {
  std::string name;
  std::optional<AssetClass> asset_class;  // absent: the input's class
};

struct KafkaInputConfig {
  InputCommon common;
  std::string brokers;  // bootstrap servers, "host:port,host:port"
  std::string group = "wardsoc";
  std::vector<KafkaTopic> topics;
  std::string start_from = "earliest";  // where a group without committed offsets starts
  std::chrono::milliseconds commit_interval{1000};
  std::chrono::milliseconds session_timeout{10000};
  // On a rebalance or stop, how long to wait for batches already read from revoked
  // partitions to be stored, so their offsets can be committed before another
  // instance takes over (less reprocessing, never loss).
  std::chrono::milliseconds drain_timeout{5000};
  std::map<std::string, std::string> options;  // more librdkafka properties (security, SASL)
  // "topic/partition" -> next offset, from the store: where this instance's own durable
  // batches ended (used when ahead of the group's committed offset).
  std::map<std::string, uint64_t> start_offsets;
};

struct FileInputConfig {
  InputCommon common;
  std::vector<std::string> paths;    // files, or glob patterns ("/var/log/cam/*.log")
  std::vector<std::string> exclude;  // glob patterns of paths to leave out ("*.gz")
  // Keep following the files (tail) and pick up new ones matching the patterns; false
  // reads every file to its end once (`wardsoc replay`). Config files default to true.
  bool follow = false;
  // Files that have no checkpoint when the input starts for the first time: read from
  // the "beginning" or only what is written from now ("end"). Files that appear later
  // are always read from their beginning.
  std::string read_from = "beginning";
  std::chrono::milliseconds poll_interval{250};
  // A file renamed or deleted while followed is read to its end and given up this long
  // after it last grew.
  std::chrono::milliseconds rotate_wait{5000};
  size_t fingerprint_bytes = 256;  // identify a file by these first bytes and its inode
  // Checkpoints from the store: stream (a file identity, see file_input.h) -> offset.
  std::map<std::string, uint64_t> start_offsets;
};

struct HttpInputConfig {
  InputCommon common;
  std::string address = "127.0.0.1";
  uint16_t port = 8088;  // 0 = any free port
  std::string path = "/ingest";
  std::vector<std::string> tokens;  // accepted bearer tokens; at least one
  size_t max_body_bytes = 10u << 20;
  size_t max_connections = 256;
  std::chrono::seconds request_timeout{30};  // to receive one whole request
  // Answer 200 only once the store wrote the request's events (the sender may retry on
  // anything else); false answers as soon as they are queued.
  bool acknowledgements = true;
  std::chrono::seconds ack_timeout{30};  // then 503: the sender retries
  size_t max_depth = 64;                 // JSON nesting
};

using InputConfig = std::variant<SyslogUdpConfig, SyslogTcpConfig, SyslogTlsConfig,
                                 KafkaInputConfig, FileInputConfig, HttpInputConfig>;

std::string_view input_type_name(const InputConfig& cfg);  // "syslog_udp", "kafka", "file", ...
const InputCommon& input_common(const InputConfig& cfg);

}  // namespace wardsoc
