// libFuzzer target: JSON events as HTTP ingest and JSON bodies receive them. Malformed,
// deeply nested or enormous documents are refused without crashing; what is accepted
// gives fields that are views of valid memory.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "ingest/json_event.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static wardsoc::JsonEventParser parser(64);
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const wardsoc::SyslogParseOptions opts{nullptr, 1'714'532'400'000'000};
  wardsoc::BodyFields f;
  size_t total = 0;
  if (parser.parse(text, opts, &f) == wardsoc::JsonEventParser::Outcome::kOk) {
    for (std::string_view v : {f.host, f.app, f.procid, f.message}) {
      for (char c : v) total += static_cast<unsigned char>(c);  // touch every byte
    }
  }
  size_t skipped = 0;
  parser.parse_events(
      text, opts,
      [&](std::string_view raw, const wardsoc::BodyFields& fields) {
        total += raw.size() + fields.message.size();
      },
      &skipped);
  return total == SIZE_MAX ? 1 : 0;
}
