// libFuzzer target: the syslog header parser must accept any bytes, never read outside
// the line, and always leave every span inside it, the message reaching its end.
#include <cctz/time_zone.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "ingest/syslog_parser.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const cctz::time_zone zone = [] {
    cctz::time_zone z;
    cctz::load_time_zone("Asia/Ho_Chi_Minh", &z);
    return z;
  }();
  const std::string_view line(reinterpret_cast<const char*>(data), size);
  // An odd base checks that spans are offset, not positions in the line.
  constexpr uint32_t kBase = 1000;
  wardsoc::SyslogHeader h;
  const wardsoc::SyslogParseOptions opts{&zone, 1'714'532'400'000'000};
  wardsoc::parse_syslog(line, kBase, opts, &h);
  for (const wardsoc::Span s : {h.host, h.app, h.procid, h.msgid, h.structured_data, h.message}) {
    if (s.len != 0 && (s.off < kBase || s.off - kBase + s.len > size)) std::abort();
  }
  if (h.message.off - kBase + h.message.len != size && !(size == 0 && h.message.len == 0)) {
    std::abort();
  }
  if (h.pri > 191) std::abort();
  int64_t us = 0;
  bool zoned = false;
  wardsoc::parse_timestamp_text(line, opts, &us, &zoned);
  return 0;
}
