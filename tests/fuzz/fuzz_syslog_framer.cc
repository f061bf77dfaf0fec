// libFuzzer target: RFC 6587 framing (octet counting and LF) over a stream cut into
// chunks the input chooses. Frames never exceed the cap, the held buffer stays bounded,
// and the same stream gives the same frames however it is cut.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "ingest/syslog_framer.h"

namespace {

constexpr size_t kCap = 64;

std::vector<std::string> frame(std::string_view stream, size_t chunk) {
  wardsoc::SyslogFramer framer(kCap);
  std::vector<std::string> out;
  auto on = [&](std::string_view m, uint32_t flags) {
    if (m.size() > kCap) std::abort();
    out.emplace_back(std::string(m) + (flags != 0 ? "\x01" : ""));
  };
  for (size_t at = 0; at < stream.size(); at += chunk) {
    framer.feed(stream.substr(at, chunk), on);
    if (framer.buffered() > kCap + 16) std::abort();
  }
  framer.finish(on);
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  const size_t chunk = 1 + data[0] % 17;
  const std::string_view stream(reinterpret_cast<const char*>(data) + 1, size - 1);
  const auto whole = frame(stream, stream.size() + 1);
  const auto cut = frame(stream, chunk);
  if (whole != cut) std::abort();
  return 0;
}
